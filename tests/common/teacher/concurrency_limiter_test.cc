#include "common/teacher/concurrency_limiter.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <queue>
#include <thread>
#include <vector>

#include "common/base/logging.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

// A replica as vLLM behaves: `batch` requests run at once, each for
// `latency`; the rest wait first come, first served. Driven by a FakeClock,
// with unlimited demand: every slot the limiter grants is used at once.
class SimulatedReplica {
 public:
  SimulatedReplica(int batch, absl::Duration latency, FakeClock* clock)
      : latency_(latency), clock_(clock) {
    for (int i = 0; i < batch; ++i) slot_free_at_.push(clock->Now());
  }

  // Runs `completions` requests through `limiter`; returns the round trips.
  std::vector<absl::Duration> Run(ConcurrencyLimiter& limiter, int completions) {
    std::vector<absl::Duration> rtts;
    for (int done = 0; done < completions; ++done) {
      for (LimiterSlot slot = limiter.Acquire(clock_->Now()); slot;
           slot = limiter.Acquire(clock_->Now())) {
        Send(slot);
      }
      EXPECT_FALSE(pending_.empty());
      if (pending_.empty()) break;
      const Request next = pending_.top();
      pending_.pop();
      if (next.ends > clock_->Now()) clock_->Advance(next.ends - clock_->Now());
      rtts.push_back(next.ends - next.sent);
      limiter.Release(next.slot, LimiterSample::kOk, next.ends - next.sent);
    }
    return rtts;
  }

  // Every request sent from now on takes `extra` longer (a noisy host).
  void set_extra(absl::Duration extra) { extra_ = extra; }

  // Answers every request still in flight.
  void Drain(ConcurrencyLimiter& limiter) {
    for (; !pending_.empty(); pending_.pop()) {
      const Request next = pending_.top();
      if (next.ends > clock_->Now()) clock_->Advance(next.ends - clock_->Now());
      limiter.Release(next.slot, LimiterSample::kOk, next.ends - next.sent);
    }
  }

 private:
  struct Request {
    absl::Time sent;
    absl::Time ends;
    LimiterSlot slot;
    bool operator>(const Request& o) const { return ends > o.ends; }
  };

  void Send(LimiterSlot slot) {
    const absl::Time now = clock_->Now();
    const absl::Time free_at = slot_free_at_.top();
    slot_free_at_.pop();
    const absl::Time ends = std::max(now, free_at) + latency_ + extra_;
    slot_free_at_.push(ends);
    pending_.push({now, ends, slot});
  }

  const absl::Duration latency_;
  absl::Duration extra_;
  FakeClock* clock_;
  std::priority_queue<absl::Time, std::vector<absl::Time>, std::greater<>> slot_free_at_;
  std::priority_queue<Request, std::vector<Request>, std::greater<>> pending_;
};

// One request through `limiter`, sent now.
void Once(ConcurrencyLimiter& limiter, FakeClock& clock, LimiterSample sample, absl::Duration rtt) {
  const LimiterSlot slot = limiter.Acquire(clock.Now());
  ASSERT_TRUE(slot);
  limiter.Release(slot, sample, rtt);
}

// CODI_LIMITER_TRACE=1 prints every window's decision.
[[maybe_unused]] const bool kTrace = [] {
  if (std::getenv("CODI_LIMITER_TRACE") != nullptr) SetLogLevel(LogLevel::kDebug);
  return true;
}();

absl::Duration Median(std::vector<absl::Duration> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST(ConcurrencyLimiterTest, ConvergesToTheKneeOfASmallReplica) {
  FakeClock clock;
  ConcurrencyLimiter limiter("http://a/v1", {}, &clock);
  SimulatedReplica replica(32, absl::Seconds(1), &clock);
  replica.Run(limiter, 2000);
  const std::vector<absl::Duration> late = replica.Run(limiter, 2000);
  const LimiterState state = limiter.State();
  // Near the knee: the limit saws between a full batch and a short queue
  // (probing up, cutting back), nowhere near the maximum of 1,024.
  EXPECT_GE(state.limit, 30);
  EXPECT_LE(state.limit, 52);
  EXPECT_EQ(state.unloaded, absl::Seconds(1));
  EXPECT_LE(state.queue, 20);
  EXPECT_LE(Median(late), absl::Milliseconds(1400));
}

TEST(ConcurrencyLimiterTest, GrowsToALargeReplicaQuickly) {
  FakeClock clock;
  ConcurrencyLimiter limiter("http://a/v1", {}, &clock);
  SimulatedReplica replica(1024, absl::Seconds(1), &clock);
  const absl::Time start = clock.Now();
  replica.Run(limiter, 6000);
  EXPECT_GE(limiter.limit(), 1000);
  // Slow start doubles per round trip: 16 -> 1,024 within a few seconds.
  EXPECT_LE(clock.Now() - start, absl::Seconds(20));
}

TEST(ConcurrencyLimiterTest, ABriefLatencyBumpOnTheClientDoesNotCutALargeLimit) {
  FakeClock clock;
  ConcurrencyLimiter limiter("http://a/v1", {}, &clock);
  SimulatedReplica replica(1024, absl::Seconds(1), &clock);
  replica.Run(limiter, 8000);
  ASSERT_GE(limiter.limit(), 1000);
  // Two seconds of round trips 4% slower (the client's host was busy): at
  // 1,024 in flight that reads as a queue of about 40, yet nothing queued at
  // the replica, which still has room for all of them.
  replica.set_extra(absl::Milliseconds(40));
  replica.Run(limiter, 2000);
  replica.set_extra(absl::ZeroDuration());
  replica.Run(limiter, 4000);
  EXPECT_GE(limiter.limit(), 1000);
}

TEST(ConcurrencyLimiterTest, ClimbsBackQuicklyAfterACutFarBelowTheKnee) {
  FakeClock clock;
  ConcurrencyLimiter limiter("http://a/v1", {.initial_limit = 533}, &clock);
  Once(limiter, clock, LimiterSample::kOk, absl::Seconds(1));  // unloaded: 1 s
  clock.Advance(absl::Seconds(2));
  // A burst of timeouts (a network blip) cuts to 400 and ends slow start.
  Once(limiter, clock, LimiterSample::kDropped, absl::Seconds(1));
  ASSERT_EQ(limiter.limit(), 399);
  SimulatedReplica replica(1024, absl::Seconds(1), &clock);
  const absl::Time start = clock.Now();
  while (limiter.limit() < 1000 && clock.Now() - start < absl::Seconds(120)) {
    replica.Run(limiter, 500);
  }
  // log10(limit) per window alone would need about 230 windows (minutes);
  // the doubling probe gets there in about ten.
  EXPECT_GE(limiter.limit(), 1000);
  EXPECT_LE(clock.Now() - start, absl::Seconds(40));
}

TEST(ConcurrencyLimiterTest, ASubMillisecondTeacherIsNotThrottledByJitter) {
  FakeClock clock;
  ConcurrencyLimiter limiter("http://a/v1", {}, &clock);
  // One request at a time, 40 µs each (a cache, a latency-0 simulator):
  // round trips grow with every request queued, but by less than the noise
  // of a loaded host until about 25 are in flight.
  SimulatedReplica replica(1, absl::Microseconds(40), &clock);
  replica.Run(limiter, 20000);
  EXPECT_GE(limiter.limit(), 16);
  // Still bounded (queueing past the noise is seen), though well above the
  // noise's 25: with a standing queue at a one-slot replica every round trip
  // is queued, so the "unloaded" minimum drifts up with it (Vegas's known
  // blind spot; a batched LLM's own round trip does not grow with the batch).
  EXPECT_LE(limiter.limit(), 128);
}

TEST(ConcurrencyLimiterTest, FindsTheKneeAgainWhenTheReplicaShrinks) {
  FakeClock clock;
  ConcurrencyLimiter limiter("http://a/v1", {}, &clock);
  SimulatedReplica big(256, absl::Milliseconds(200), &clock);
  big.Run(limiter, 5000);
  EXPECT_GE(limiter.limit(), 250);
  big.Drain(limiter);
  // The endpoint now serves 64 at once (another tenant arrived): latency
  // rises, and the limit comes down to the new knee.
  SimulatedReplica small(64, absl::Milliseconds(200), &clock);
  small.Run(limiter, 3000);
  EXPECT_LE(limiter.limit(), 80);
  EXPECT_GE(limiter.limit(), 64);
}

TEST(ConcurrencyLimiterTest, CutsMultiplicativelyOnDropsOncePerRoundTrip) {
  FakeClock clock;
  ConcurrencyLimiter limiter("http://a/v1", {.initial_limit = 100}, &clock);
  Once(limiter, clock, LimiterSample::kOk, absl::Milliseconds(500));  // unloaded: 500 ms
  ASSERT_EQ(limiter.limit(), 100);
  for (int i = 0; i < 3; ++i) {
    Once(limiter, clock, LimiterSample::kDropped, absl::Milliseconds(500));
  }
  EXPECT_EQ(limiter.limit(), 75);  // a burst of 429s is one cut
  clock.Advance(absl::Milliseconds(600));
  Once(limiter, clock, LimiterSample::kDropped, absl::Seconds(30));  // a timeout
  EXPECT_EQ(limiter.limit(), 56);
  EXPECT_EQ(limiter.State().drops, 4u);
  // Failures that say nothing about load change nothing.
  clock.Advance(absl::Seconds(1));
  Once(limiter, clock, LimiterSample::kIgnored, absl::Milliseconds(1));
  EXPECT_EQ(limiter.limit(), 56);
}

TEST(ConcurrencyLimiterTest, StaysWithinItsBounds) {
  FakeClock clock;
  ConcurrencyLimiter capped("http://a/v1", {.min_limit = 4, .max_limit = 20}, &clock);
  SimulatedReplica big(1024, absl::Milliseconds(100), &clock);
  big.Run(capped, 2000);
  EXPECT_EQ(capped.limit(), 20);
  big.Drain(capped);
  for (int i = 0; i < 50; ++i) {
    clock.Advance(absl::Seconds(1));
    Once(capped, clock, LimiterSample::kDropped, absl::Milliseconds(100));
  }
  EXPECT_EQ(capped.limit(), 4);
  // An initial limit outside the bounds is clamped.
  ConcurrencyLimiter clamped("http://a/v1", {.min_limit = 8, .max_limit = 10, .initial_limit = 64},
                             &clock);
  EXPECT_EQ(clamped.limit(), 10);
}

TEST(ConcurrencyLimiterTest, FixedModeNeverMovesAndQueuesBeyondIt) {
  FakeClock clock;
  ConcurrencyLimiter fixed("http://a/v1", {.fixed = 3}, &clock);
  SimulatedReplica replica(1024, absl::Milliseconds(100), &clock);
  replica.Run(fixed, 500);
  replica.Drain(fixed);
  EXPECT_EQ(fixed.limit(), 3);
  EXPECT_FALSE(fixed.State().adaptive);
  std::vector<LimiterSlot> slots;
  for (int i = 0; i < 3; ++i) slots.push_back(fixed.Acquire(clock.Now()));
  for (const LimiterSlot& slot : slots) EXPECT_TRUE(slot);
  EXPECT_FALSE(fixed.Acquire(clock.Now()));  // full, deadline already passed
  fixed.Release(slots[0], LimiterSample::kDropped, absl::Seconds(1));
  EXPECT_EQ(fixed.limit(), 3);
}

TEST(ConcurrencyLimiterTest, AWaiterGetsTheNextFreeSlotOrGivesUpAtItsDeadline) {
  FakeClock clock;
  ConcurrencyLimiter limiter("http://a/v1", {.fixed = 1}, &clock);
  const LimiterSlot first = limiter.Acquire(clock.Now());
  ASSERT_TRUE(first);
  LimiterSlot got;
  std::thread waiter([&] { got = limiter.Acquire(clock.Now() + absl::Seconds(10)); });
  for (int i = 0; i < 10000 && limiter.State().waiting == 0; ++i) std::this_thread::yield();
  ASSERT_EQ(limiter.State().waiting, 1);
  limiter.Release(first, LimiterSample::kOk, absl::Milliseconds(10));
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(got.in_flight, 1);
  EXPECT_EQ(limiter.State().in_flight, 1);  // handed over, never free in between

  LimiterSlot timed_out_got{.acquired = true};
  std::thread late([&] { timed_out_got = limiter.Acquire(clock.Now() + absl::Seconds(5)); });
  for (int i = 0; i < 100000 && clock.waiters() == 0; ++i) std::this_thread::yield();
  ASSERT_EQ(clock.waiters(), 1);
  clock.Advance(absl::Seconds(6));
  late.join();
  EXPECT_FALSE(timed_out_got);
  EXPECT_EQ(limiter.State().waiting, 0);
  EXPECT_EQ(limiter.State().in_flight, 1);
}

}  // namespace
}  // namespace codi
