#include "common/base/clock.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace codi {
namespace {

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void SleepFor(absl::Duration d) override { absl::SleepFor(d); }
  bool AwaitWithDeadline(Mutex* mu, const absl::Condition& condition, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) override {
    return mu->AwaitWithDeadline(condition, deadline);
  }
};

}  // namespace

Clock* RealClock() {
  static SystemClock* const clock = new SystemClock();
  return clock;
}

FakeClock::FakeClock(absl::Time start) : now_ns_(absl::ToUnixNanos(start)) {}

absl::Time FakeClock::Now() const { return absl::FromUnixNanos(now_ns_.load()); }

void FakeClock::SleepFor(absl::Duration d) {
  {
    MutexLock lock(&mu_);
    sleeps_.push_back(d);
  }
  if (sleep_advances_.load()) Advance(d);
}

bool FakeClock::AwaitWithDeadline(Mutex* mu, const absl::Condition& condition,
                                  absl::Time deadline) {
  // `mu` is let go while registering, so that Advance() (which holds mu_ and
  // then takes each registered mutex) never waits on a thread that waits on
  // it. Await checks the condition first, so nothing is missed meanwhile.
  mu->Unlock();
  {
    MutexLock lock(&mu_);
    waiting_.push_back(mu);
  }
  mu->Lock();
  struct Arg {
    const FakeClock* clock;
    const absl::Condition* condition;
    absl::Time deadline;
  } arg{this, &condition, deadline};
  mu->Await(absl::Condition(
      +[](Arg* a) { return a->condition->Eval() || a->clock->Now() >= a->deadline; }, &arg));
  const bool held = condition.Eval();
  mu->Unlock();
  {
    MutexLock lock(&mu_);
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), mu));
  }
  mu->Lock();
  return held;
}

void FakeClock::Advance(absl::Duration d) {
  MutexLock lock(&mu_);
  now_ns_.fetch_add(absl::ToInt64Nanoseconds(d));
  // Wakes threads in AwaitWithDeadline: releasing a mutex makes absl
  // evaluate its waiters' conditions, which read the new time.
  for (Mutex* waiter : waiting_) {
    waiter->Lock();
    waiter->Unlock();
  }
}

int FakeClock::waiters() const {
  MutexLock lock(&mu_);
  return static_cast<int>(waiting_.size());
}

void FakeClock::ClearSleeps() {
  MutexLock lock(&mu_);
  sleeps_.clear();
}

std::vector<absl::Duration> FakeClock::sleeps() const {
  MutexLock lock(&mu_);
  return sleeps_;
}

}  // namespace codi
