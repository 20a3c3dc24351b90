#include "common/base/clock.h"

#include <thread>

#include "common/base/mutex.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(FakeClock, MovesOnlyWhenToldAndSleepsInSimulatedTime) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1005));
  clock.SleepFor(absl::Milliseconds(250));
  clock.SleepFor(absl::Seconds(2));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1007) + absl::Milliseconds(250));
  EXPECT_EQ(clock.sleeps(),
            (std::vector<absl::Duration>{absl::Milliseconds(250), absl::Seconds(2)}));
}

TEST(FakeClock, AwaitReturnsAtOnceWhenTheConditionAlreadyHolds) {
  FakeClock clock;
  Mutex mu;
  bool ready = true;
  MutexLock lock(&mu);
  EXPECT_TRUE(clock.AwaitWithDeadline(&mu, absl::Condition(&ready), clock.Now() + absl::Hours(1)));
}

TEST(FakeClock, AwaitWakesWhenTheConditionIsSetByAnotherThread) {
  FakeClock clock;
  Mutex mu;
  bool ready = false;
  std::thread setter([&] {
    while (clock.waiters() == 0) std::this_thread::yield();
    MutexLock lock(&mu);
    ready = true;
  });
  bool held;
  {
    MutexLock lock(&mu);
    held = clock.AwaitWithDeadline(&mu, absl::Condition(&ready), clock.Now() + absl::Hours(1));
  }
  setter.join();
  EXPECT_TRUE(held);
  EXPECT_EQ(clock.waiters(), 0);
}

TEST(FakeClock, AwaitTimesOutWhenAdvancePassesTheDeadline) {
  FakeClock clock;
  const absl::Time start = clock.Now();
  Mutex mu;
  bool ready = false;
  std::thread advancer([&] {
    while (clock.waiters() == 0) std::this_thread::yield();
    clock.Advance(absl::Seconds(1));  // not yet at the deadline
    clock.Advance(absl::Seconds(2));
  });
  bool held;
  {
    MutexLock lock(&mu);
    held = clock.AwaitWithDeadline(&mu, absl::Condition(&ready), start + absl::Seconds(3));
  }
  advancer.join();
  EXPECT_FALSE(held);
  EXPECT_GE(clock.Now(), start + absl::Seconds(3));
}

TEST(RealClock, AwaitHonoursAShortDeadlineAndTheCondition) {
  Clock* clock = RealClock();
  Mutex mu;
  bool ready = false;
  MutexLock lock(&mu);
  const absl::Time start = clock->Now();
  EXPECT_FALSE(
      clock->AwaitWithDeadline(&mu, absl::Condition(&ready), start + absl::Milliseconds(20)));
  EXPECT_GE(clock->Now() - start, absl::Milliseconds(20));
  ready = true;
  EXPECT_TRUE(clock->AwaitWithDeadline(&mu, absl::Condition(&ready), start + absl::Hours(1)));
}

}  // namespace
}  // namespace codi
