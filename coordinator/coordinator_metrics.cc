#include "coordinator/coordinator_metrics.h"

#include <algorithm>
#include <map>

#include "coordinator/job_status.h"

namespace codi {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

}  // namespace

CoordinatorMetrics::CoordinatorMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      jobs_(BuildGauge().Name("codi_jobs").Help("Jobs by state.").Register(*registry_)),
      conversations_(BuildGauge()
                         .Name("codi_conversations")
                         .Help("Conversations of a job by state; pending: neither leased nor "
                               "finished yet (from the job estimate).")
                         .Register(*registry_)),
      expected_(BuildGauge()
                    .Name("codi_job_conversations_expected")
                    .Help("Estimated number of conversations a job will have (exact once its "
                          "documents are read).")
                    .Register(*registry_)),
      finished_(BuildCounter()
                    .Name("codi_conversations_finished_total")
                    .Help("Conversations finished, by job and outcome (done, failed).")
                    .Register(*registry_)),
      turns_(BuildCounter()
                 .Name("codi_turns_checkpointed_total")
                 .Help("Turns checkpointed durably, by job.")
                 .Register(*registry_)),
      leases_granted_(BuildCounter()
                          .Name("codi_leases_granted_total")
                          .Help("Conversation leases granted to workers.")
                          .Register(*registry_)
                          .Add({})),
      leases_expired_(BuildCounter()
                          .Name("codi_leases_expired_total")
                          .Help("Leases that expired without a report or heartbeat.")
                          .Register(*registry_)
                          .Add({})),
      leases_refused_(BuildCounter()
                          .Name("codi_leases_refused_total")
                          .Help("Reports refused because their lease was expired or superseded.")
                          .Register(*registry_)
                          .Add({})),
      workers_(BuildGauge()
                   .Name("codi_workers_connected")
                   .Help("Workers that leased or sent a heartbeat within the last lease TTL.")
                   .Register(*registry_)
                   .Add({})),
      store_write_(
          BuildHistogram()
              .Name("codi_rocksdb_write_seconds")
              .Help("Latency of RocksDB batch writes (checkpoints, leases, ingestion).")
              .Register(*registry_)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.00005, 0.0001, 0.00025, 0.0005,
                                                               0.001, 0.0025, 0.005, 0.01, 0.025,
                                                               0.05, 0.1, 0.25, 1})),
      store_size_(BuildGauge()
                      .Name("codi_rocksdb_size_bytes")
                      .Help("Approximate size of the RocksDB state (SST files and memtables).")
                      .Register(*registry_)
                      .Add({})),
      store_errors_(BuildCounter()
                        .Name("codi_coordinator_store_errors_total")
                        .Help("Writes the state store refused (disk full, I/O error), by "
                              "operation; none of them was acknowledged.")
                        .Register(*registry_)),
      store_healthy_(BuildGauge()
                         .Name("codi_coordinator_store_healthy")
                         .Help("1 while the state store takes writes, 0 after it refused one "
                               "until a write succeeds again (gRPC health NOT_SERVING meanwhile).")
                         .Register(*registry_)
                         .Add({})) {
  store_healthy_.Set(1);
}

void CoordinatorMetrics::Refresh(JobCoordinator& coordinator, KvStore& kv,
                                 absl::Duration worker_window) {
  std::map<std::string, double> by_state = {
      {"running", 0}, {"succeeded", 0}, {"cancelled", 0}, {"failed", 0}};
  for (const auto& id : coordinator.JobIds()) {
    auto p = coordinator.Progress(id);
    if (!p.ok()) continue;
    by_state[JobStateName(p->state)] += 1;
    conversations_.Add({{"job", id}, {"state", "pending"}})
        .Set(static_cast<double>(p->estimated_total -
                                 std::min(p->estimated_total, p->done + p->failed + p->leased)));
    conversations_.Add({{"job", id}, {"state", "leased"}}).Set(static_cast<double>(p->leased));
    conversations_.Add({{"job", id}, {"state", "done"}}).Set(static_cast<double>(p->done));
    conversations_.Add({{"job", id}, {"state", "failed"}}).Set(static_cast<double>(p->failed));
    expected_.Add({{"job", id}}).Set(static_cast<double>(p->estimated_total));
  }
  for (const auto& [state, n] : by_state) jobs_.Add({{"state", state}}).Set(n);
  workers_.Set(static_cast<double>(coordinator.WorkersSeenWithin(worker_window)));
  store_size_.Set(static_cast<double>(kv.ApproximateSizeBytes()));
}

void CoordinatorMetrics::ObserveStoreWrite(absl::Duration elapsed) {
  store_write_.Observe(absl::ToDoubleSeconds(elapsed));
}

void CoordinatorMetrics::LeasesGranted(size_t n) {
  leases_granted_.Increment(static_cast<double>(n));
}
void CoordinatorMetrics::LeasesExpired(size_t n) {
  leases_expired_.Increment(static_cast<double>(n));
}
void CoordinatorMetrics::ReportRefused() { leases_refused_.Increment(); }
void CoordinatorMetrics::TurnsCheckpointed(const std::string& job, size_t n) {
  turns_.Add({{"job", job}}).Increment(static_cast<double>(n));
}
void CoordinatorMetrics::StoreWriteFailed(std::string_view operation) {
  store_errors_.Add({{"operation", std::string(operation)}}).Increment();
}
void CoordinatorMetrics::StoreHealthChanged(bool healthy) { store_healthy_.Set(healthy ? 1 : 0); }
void CoordinatorMetrics::ConversationsFinished(const std::string& job, size_t done, size_t failed) {
  if (done > 0) finished_.Add({{"job", job}, {"outcome", "done"}}).Increment(done);
  if (failed > 0) finished_.Add({{"job", job}, {"outcome", "failed"}}).Increment(failed);
}

}  // namespace codi
