// Whether the coordinator's store takes writes. Every StateStore commit
// reports its result here (StateStore::set_status_observer); the first
// refused write (disk full, I/O error) turns the coordinator unhealthy: the
// reason is logged once, listeners are told (codi-coordinator sets its gRPC
// health to NOT_SERVING) and the observer's hooks feed the metrics. Nothing is
// acknowledged meanwhile that was not written: the refused calls return the
// store's error (UNAVAILABLE) and workers retry them. While unhealthy a probe
// thread writes a no-op batch every `probe_interval`; the first write that
// succeeds, probe or real, makes it healthy again.
//
// Thread-safe. Listeners and observer hooks run on the thread that made the
// write and must not write to the store.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/base/clock.h"
#include "common/base/mutex.h"
#include "coordinator/coordinator_observer.h"
#include "coordinator/state_store.h"

namespace codi {

class StoreHealth {
 public:
  using Listener = std::function<void(bool healthy)>;

  // `store`, `clock` and `observer` (may be null) are not owned. Starts the
  // probe thread, idle while the store is healthy.
  StoreHealth(StateStore* store, Clock* clock, CoordinatorObserver* observer,
              absl::Duration probe_interval = absl::Seconds(1));
  ~StoreHealth();
  StoreHealth(const StoreHealth&) = delete;
  StoreHealth& operator=(const StoreHealth&) = delete;

  // Called after every commit with its operation name and result.
  void Observe(std::string_view operation, const absl::Status& status);
  // Called on every change from now on; at once when already unhealthy.
  void AddListener(Listener listener);
  // Stops the probe thread (shutdown); Observe still counts.
  void Stop();

  bool healthy() const;
  // Why the store is unhealthy ("" when healthy).
  std::string reason() const;

 private:
  void ProbeLoop();

  StateStore* store_;
  Clock* clock_;
  CoordinatorObserver* observer_;
  const absl::Duration probe_interval_;
  mutable Mutex mu_;
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(mu_);
  bool healthy_ ABSL_GUARDED_BY(mu_) = true;
  std::string reason_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread prober_;
};

}  // namespace codi
