// The simulator's Prometheus metrics, rendered in the text format for
// GET /metrics. prometheus-cpp types stay out of this header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace codi {

// Thread-safe.
class SimMetrics {
 public:
  SimMetrics();
  ~SimMetrics();

  // codi_sim_requests_total{outcome=...}: "ok", a fault name ("500", "hang",
  // "refuse", ...), or a client error ("bad_request", "unauthorized",
  // "not_found", "too_long", "shutting_down").
  void CountRequest(absl::string_view outcome);
  void AddTokens(uint64_t prompt, uint64_t completion, uint64_t cached);
  void SetQueue(int64_t running, int64_t waiting);
  // codi_sim_max_batch and codi_sim_busy_slot_seconds_total (a counter:
  // `busy_slot_seconds` is the running total, which only grows).
  void SetBatch(int64_t max_batch, double busy_slot_seconds);

  // All metrics in the Prometheus text exposition format.
  std::string Render() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace codi
