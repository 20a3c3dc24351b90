// The simulator's stand-in for vLLM's max_num_seqs: at most `max_running`
// requests run at once; the rest wait, first come first served.
//
// It also keeps the honest utilisation figure: busy slot-seconds, the time
// integral of the number of running requests. Over any window,
// utilisation = delta(busy_slot_seconds) / (max_running * delta(t)).
#pragma once

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "common/base/clock.h"
#include "common/base/mutex.h"

namespace codi {

// Thread-safe.
class BatchGate {
 public:
  // `clock` times the busy slot-seconds. Not owned.
  explicit BatchGate(int64_t max_running, Clock* clock = RealClock());

  BatchGate(const BatchGate&) = delete;
  BatchGate& operator=(const BatchGate&) = delete;

  // Blocks until this caller may run, in arrival order. Returns false, without
  // taking a slot, once Shutdown() was called.
  [[nodiscard]] bool Acquire();
  // Gives back a slot taken by a successful Acquire().
  void Release();
  // Wakes every waiter; later Acquire() calls fail at once.
  void Shutdown();

  int64_t running() const;
  int64_t waiting() const;
  // The most requests ever running at once.
  int64_t peak_running() const;
  int64_t max_running() const { return max_running_; }
  // Seconds of batch-slot time used so far, up to now.
  double busy_slot_seconds() const;

 private:
  // Adds the slot time since the last change of running_ to busy_.
  void Accumulate() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t max_running_;
  Clock* clock_;
  mutable Mutex mu_;
  mutable absl::Duration busy_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time last_change_ ABSL_GUARDED_BY(mu_);
  int64_t running_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t peak_running_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t waiting_ ABSL_GUARDED_BY(mu_) = 0;
  // Tickets give FIFO order: a waiter runs when its ticket is next_to_run_.
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_to_run_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace codi
