// One source of time for every process role. Code that reads the time,
// sleeps or waits with a deadline takes a Clock*; production passes
// RealClock(), tests a FakeClock they move by hand, so timing tests are exact
// and fast.
//
// Waiting is on a condition, not by polling: AwaitWithDeadline returns as soon
// as the condition holds (re-checked whenever the mutex is released by any
// thread, as Mutex::Await does) or the deadline passes.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "common/base/mutex.h"

namespace codi {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // Blocks the calling thread for `d` of this clock's time.
  virtual void SleepFor(absl::Duration d) = 0;
  // With `mu` held: waits until `condition` holds or Now() reaches
  // `deadline`, whichever comes first; `mu` is held again on return. Returns
  // whether the condition held.
  virtual bool AwaitWithDeadline(Mutex* mu, const absl::Condition& condition, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;
};

// The system clock (absl::Now); thread-safe, never destroyed.
Clock* RealClock();

// A clock that moves only when told. Thread-safe. SleepFor(d) moves it on by
// `d` at once (simulated time: a test of a retry loop runs instantly and can
// read the waits back); threads in AwaitWithDeadline wake when Advance() or a
// SleepFor passes their deadline.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch() + absl::Hours(24 * 365 * 50));

  absl::Time Now() const override;
  void SleepFor(absl::Duration d) override;
  bool AwaitWithDeadline(Mutex* mu, const absl::Condition& condition, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) override;

  void Advance(absl::Duration d);
  // Threads now blocked in AwaitWithDeadline.
  int waiters() const;
  // Every SleepFor so far, in order.
  std::vector<absl::Duration> sleeps() const;
  void ClearSleeps();
  // false: SleepFor only records its wait and the time stays put (for tests
  // that move time by hand around calls that back off).
  void set_sleep_advances(bool advances) { sleep_advances_.store(advances); }

 private:
  // Read without a lock: conditions evaluated inside Advance() read it.
  std::atomic<int64_t> now_ns_;
  std::atomic<bool> sleep_advances_{true};
  mutable Mutex mu_;
  // Mutexes of threads in AwaitWithDeadline: Advance() locks and unlocks each
  // so that their conditions are evaluated again.
  std::vector<Mutex*> waiting_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Duration> sleeps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace codi
