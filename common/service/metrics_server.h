// Serves GET /metrics (Prometheus text format) from a prometheus-cpp registry
// on its own port, for --metrics-listen. `before_scrape` runs first on each
// scrape, to refresh gauges computed from domain state.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace codi {

class MetricsServer {
 public:
  MetricsServer(std::shared_ptr<prometheus::Registry> registry,
                std::function<void()> before_scrape = nullptr);
  ~MetricsServer();

  // Binds HOST:PORT (port 0: a free one) and serves on a background thread.
  // Returns "HOST:PORT" as bound.
  [[nodiscard]] absl::StatusOr<std::string> Start(const std::string& listen);
  void Stop();

  // The exposition text, as served.
  std::string Render();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace codi
