#include "coordinator/store_health.h"

#include "common/base/logging.h"

namespace codi {

StoreHealth::StoreHealth(StateStore* store, Clock* clock, CoordinatorObserver* observer,
                         absl::Duration probe_interval)
    : store_(store), clock_(clock), observer_(observer), probe_interval_(probe_interval) {
  if (observer_ != nullptr) observer_->StoreHealthChanged(true);
  prober_ = std::thread([this] { ProbeLoop(); });
}

StoreHealth::~StoreHealth() { Stop(); }

void StoreHealth::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  if (prober_.joinable()) prober_.join();
}

void StoreHealth::AddListener(Listener listener) {
  bool healthy;
  {
    MutexLock lock(&mu_);
    listeners_.push_back(listener);
    healthy = healthy_;
  }
  if (!healthy) listener(false);
}

bool StoreHealth::healthy() const {
  MutexLock lock(&mu_);
  return healthy_;
}

std::string StoreHealth::reason() const {
  MutexLock lock(&mu_);
  return reason_;
}

void StoreHealth::Observe(std::string_view operation, const absl::Status& status) {
  // Errors that say nothing about the disk (a caller's bad batch) count as
  // refusals too: either way nothing was written.
  if (!status.ok() && observer_ != nullptr) observer_->StoreWriteFailed(operation);
  std::vector<Listener> listeners;
  {
    MutexLock lock(&mu_);
    if (status.ok() == healthy_) return;
    healthy_ = status.ok();
    reason_ = status.ok() ? "" : std::string(status.message());
    listeners = listeners_;
  }
  if (status.ok()) {
    Log(LogLevel::kInfo, "store_recovered",
        {{"operation", std::string(operation)}, {"why", "a write succeeded again; serving"}});
  } else {
    Log(LogLevel::kError, "store_unhealthy",
        {{"operation", std::string(operation)},
         {"error", std::string(status.message())},
         {"why",
          "the state store refused a write; nothing unwritten is acknowledged, health is "
          "NOT_SERVING until a write succeeds"}});
  }
  if (observer_ != nullptr) observer_->StoreHealthChanged(status.ok());
  for (const Listener& listener : listeners) listener(status.ok());
}

void StoreHealth::ProbeLoop() {
  MutexLock lock(&mu_);
  while (!stop_) {
    if (healthy_) {
      mu_.Await(absl::Condition(
          +[](StoreHealth* h) ABSL_NO_THREAD_SAFETY_ANALYSIS { return h->stop_ || !h->healthy_; },
          this));
      continue;
    }
    clock_->AwaitWithDeadline(&mu_, absl::Condition(&stop_), clock_->Now() + probe_interval_);
    if (stop_ || healthy_) continue;
    mu_.Unlock();
    (void)store_->Probe();  // its result comes back through Observe
    mu_.Lock();
  }
}

}  // namespace codi
