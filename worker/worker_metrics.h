// Prometheus metrics of codi-worker (names in deploy/metrics.txt): teacher
// requests by endpoint and outcome with their latency, tokens, retries,
// regenerations, turn latency, conversations and in-flight work.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/teacher/concurrency_limiter.h"
#include "common/teacher/teacher_stats.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "worker/worker_observer.h"

namespace codi {

class WorkerMetrics : public WorkerObserver {
 public:
  WorkerMetrics();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // For HttpTeacherOptions::on_attempt.
  void TeacherAttempt(const std::string& endpoint, AttemptOutcome outcome, absl::Duration elapsed,
                      bool will_retry);

  // Sets the per-replica limiter gauges.
  void LimiterStates(const std::vector<LimiterState>& states);

  void TurnFinished(absl::Duration elapsed, const codi::v1::Usage& usage) override;
  void TurnRegenerated(const std::string& reason) override;
  void ConversationEnded(const std::string& outcome) override;
  void InFlightChanged(int delta) override;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_seconds_;
  prometheus::Histogram& turn_seconds_;
  prometheus::Counter& prompt_tokens_;
  prometheus::Counter& completion_tokens_;
  prometheus::Counter& cached_tokens_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& regenerations_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& turns_;
  prometheus::Family<prometheus::Counter>& conversations_;
  prometheus::Family<prometheus::Gauge>& limit_;
  prometheus::Family<prometheus::Gauge>& unloaded_;
  prometheus::Family<prometheus::Gauge>& queue_;
  prometheus::Family<prometheus::Gauge>& teacher_in_flight_;
  prometheus::Family<prometheus::Gauge>& waiting_;
  prometheus::Family<prometheus::Gauge>& recent_rtt_;
};

}  // namespace codi
