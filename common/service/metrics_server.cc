#include "common/service/metrics_server.h"

#include <thread>

#include "absl/strings/numbers.h"
#include "httplib.h"
#include "prometheus/text_serializer.h"

namespace codi {

struct MetricsServer::Impl {
  std::shared_ptr<prometheus::Registry> registry;
  std::function<void()> before_scrape;
  httplib::Server server;
  std::thread thread;
};

MetricsServer::MetricsServer(std::shared_ptr<prometheus::Registry> registry,
                             std::function<void()> before_scrape)
    : impl_(std::make_unique<Impl>()) {
  impl_->registry = std::move(registry);
  impl_->before_scrape = std::move(before_scrape);
}

MetricsServer::~MetricsServer() { Stop(); }

std::string MetricsServer::Render() {
  if (impl_->before_scrape) impl_->before_scrape();
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

absl::StatusOr<std::string> MetricsServer::Start(const std::string& listen) {
  const auto colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError("metrics address '" + listen + "' is not HOST:PORT");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  impl_->server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  impl_->server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  if (port == 0) {
    port = impl_->server.bind_to_any_port(host);
  } else if (!impl_->server.bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) return absl::UnavailableError("cannot listen for metrics on " + listen);
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return host + ":" + std::to_string(port);
}

void MetricsServer::Stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace codi
