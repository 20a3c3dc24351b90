// Prometheus metrics of codi-coordinator (names in deploy/metrics.txt):
// counters fed by CoordinatorObserver hooks, gauges refreshed from the
// coordinator's state on each scrape.
#pragma once

#include <memory>

#include "absl/time/time.h"
#include "coordinator/coordinator_observer.h"
#include "coordinator/job_coordinator.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace codi {

class CoordinatorMetrics : public CoordinatorObserver {
 public:
  CoordinatorMetrics();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // Sets the gauges from the coordinator's jobs and the store's size. Call
  // before each scrape; `coordinator` must not be locked by the caller.
  void Refresh(JobCoordinator& coordinator, KvStore& kv, absl::Duration worker_window);
  void ObserveStoreWrite(absl::Duration elapsed);

  void LeasesGranted(size_t n) override;
  void LeasesExpired(size_t n) override;
  void ReportRefused() override;
  void TurnsCheckpointed(const std::string& job, size_t n) override;
  void ConversationsFinished(const std::string& job, size_t done, size_t failed) override;
  void StoreWriteFailed(std::string_view operation) override;
  void StoreHealthChanged(bool healthy) override;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& jobs_;
  prometheus::Family<prometheus::Gauge>& conversations_;
  prometheus::Family<prometheus::Gauge>& expected_;
  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Family<prometheus::Counter>& turns_;
  prometheus::Counter& leases_granted_;
  prometheus::Counter& leases_expired_;
  prometheus::Counter& leases_refused_;
  prometheus::Gauge& workers_;
  prometheus::Histogram& store_write_;
  prometheus::Gauge& store_size_;
  prometheus::Family<prometheus::Counter>& store_errors_;
  prometheus::Gauge& store_healthy_;
};

}  // namespace codi
