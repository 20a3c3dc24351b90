#include "tools/teacher_sim/batch_gate.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

// Waits (bounded) until `done` holds.
template <typename Fn>
bool Eventually(Fn done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST(BatchGate, LetsAtMostMaxRunningThroughAndQueuesTheRest) {
  BatchGate gate(2);
  ASSERT_TRUE(gate.Acquire());
  ASSERT_TRUE(gate.Acquire());
  std::atomic<bool> third_running{false};
  std::thread third([&] {
    if (gate.Acquire()) third_running = true;
  });
  ASSERT_TRUE(Eventually([&] { return gate.waiting() == 1; }));
  EXPECT_FALSE(third_running);
  EXPECT_EQ(gate.running(), 2);
  gate.Release();
  ASSERT_TRUE(Eventually([&] { return third_running.load(); }));
  third.join();
  EXPECT_EQ(gate.running(), 2);
  EXPECT_EQ(gate.waiting(), 0);
  EXPECT_EQ(gate.peak_running(), 2);
}

TEST(BatchGate, AdmitsWaitersInArrivalOrder) {
  BatchGate gate(1);
  ASSERT_TRUE(gate.Acquire());
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      if (gate.Acquire()) {
        order.push_back(i);  // serialised: only one holds the gate
        gate.Release();
      }
    });
    ASSERT_TRUE(Eventually([&] { return gate.waiting() == i + 1; }));
  }
  gate.Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(BatchGate, ShutdownReleasesWaitersWithoutASlot) {
  BatchGate gate(1);
  ASSERT_TRUE(gate.Acquire());
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = gate.Acquire() ? 1 : 0; });
  ASSERT_TRUE(Eventually([&] { return gate.waiting() == 1; }));
  gate.Shutdown();
  waiter.join();
  EXPECT_EQ(result, 0);
  EXPECT_EQ(gate.waiting(), 0);
  EXPECT_FALSE(gate.Acquire());
}

TEST(BatchGate, CountsBusySlotSecondsAsTheIntegralOfRunningRequests) {
  FakeClock clock;
  BatchGate gate(4, &clock);
  EXPECT_EQ(gate.busy_slot_seconds(), 0);
  ASSERT_TRUE(gate.Acquire());
  clock.Advance(absl::Seconds(2));  // 1 running for 2 s
  ASSERT_TRUE(gate.Acquire());
  ASSERT_TRUE(gate.Acquire());
  clock.Advance(absl::Seconds(1));  // 3 running for 1 s
  EXPECT_DOUBLE_EQ(gate.busy_slot_seconds(), 5);
  gate.Release();
  clock.Advance(absl::Milliseconds(500));  // 2 running for 0.5 s
  gate.Release();
  gate.Release();
  clock.Advance(absl::Seconds(10));  // idle: no slot time
  EXPECT_DOUBLE_EQ(gate.busy_slot_seconds(), 6);
  // Utilisation over the 13.5 s: 6 / (4 * 13.5).
  EXPECT_NEAR(gate.busy_slot_seconds() / (gate.max_running() * 13.5), 0.111, 0.001);
}

}  // namespace
}  // namespace codi
