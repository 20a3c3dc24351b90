#include "coordinator/progress_rates.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

codi::v1::JobStatus Status(uint64_t done, uint64_t turns, uint64_t tokens, uint64_t total) {
  codi::v1::JobStatus s;
  s.set_conversations_done(done);
  s.set_turns(turns);
  s.mutable_usage()->set_completion_tokens(tokens);
  s.set_conversations_estimated_total(total);
  return s;
}

TEST(ProgressRates, MeasuresRatesAndEtaOnTheInjectedClock) {
  FakeClock clock;
  ProgressRates rates(&clock);
  codi::v1::JobStatus s = Status(0, 0, 0, 100);
  rates.Update(&s);
  EXPECT_EQ(s.conversations_per_second(), 0);  // nothing to compare with yet
  EXPECT_EQ(s.eta_seconds(), 0);

  clock.Advance(absl::Seconds(2));
  s = Status(10, 40, 1000, 100);
  rates.Update(&s);
  EXPECT_DOUBLE_EQ(s.conversations_per_second(), 5);
  EXPECT_DOUBLE_EQ(s.turns_per_second(), 20);
  EXPECT_DOUBLE_EQ(s.tokens_per_second(), 500);
  EXPECT_DOUBLE_EQ(s.eta_seconds(), 90.0 / 5);

  // Later updates are an exponential average (weight 0.3 on the newest).
  clock.Advance(absl::Seconds(1));
  s = Status(20, 80, 2000, 100);
  rates.Update(&s);
  EXPECT_DOUBLE_EQ(s.conversations_per_second(), 0.3 * 10 + 0.7 * 5);
  EXPECT_DOUBLE_EQ(s.eta_seconds(), 80 / (0.3 * 10 + 0.7 * 5));
}

TEST(ProgressRates, CountsFailedConversationsAsEnded) {
  FakeClock clock;
  ProgressRates rates(&clock);
  codi::v1::JobStatus s = Status(0, 0, 0, 10);
  rates.Update(&s);
  clock.Advance(absl::Seconds(1));
  s = Status(2, 8, 0, 10);
  s.set_conversations_failed(2);
  rates.Update(&s);
  EXPECT_DOUBLE_EQ(s.conversations_per_second(), 4);
  EXPECT_DOUBLE_EQ(s.eta_seconds(), 6.0 / 4);
}

}  // namespace
}  // namespace codi
