#include "common/teacher/retry_backoff.h"

#include <random>

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(BackoffCap, DoublesFromTheBaseUpToTheMaximum) {
  const absl::Duration base = absl::Milliseconds(200);
  const absl::Duration max = absl::Seconds(10);
  EXPECT_EQ(BackoffCap(0, base, max), absl::Milliseconds(200));
  EXPECT_EQ(BackoffCap(1, base, max), absl::Milliseconds(400));
  EXPECT_EQ(BackoffCap(5, base, max), absl::Milliseconds(6400));
  EXPECT_EQ(BackoffCap(6, base, max), absl::Seconds(10));
  EXPECT_EQ(BackoffCap(4000000000u, base, max), absl::Seconds(10));
  EXPECT_EQ(BackoffCap(3, absl::ZeroDuration(), max), absl::ZeroDuration());
}

TEST(FullJitterBackoff, SpreadsWaitsOverTheWholeRange) {
  std::mt19937_64 rng(1);
  const absl::Duration cap = absl::Milliseconds(800);
  absl::Duration low = absl::InfiniteDuration();
  absl::Duration high = absl::ZeroDuration();
  for (int i = 0; i < 2000; ++i) {
    const absl::Duration wait =
        FullJitterBackoff(2, absl::Milliseconds(200), absl::Seconds(10), rng);
    ASSERT_GE(wait, absl::ZeroDuration());
    ASSERT_LE(wait, cap);
    low = std::min(low, wait);
    high = std::max(high, wait);
  }
  EXPECT_LT(low, cap / 20);        // full jitter reaches near zero ...
  EXPECT_GT(high, cap * 19 / 20);  // ... and near the cap
}

TEST(FullJitterBackoff, IsReproducibleFromTheSeed) {
  std::mt19937_64 a(42);
  std::mt19937_64 b(42);
  for (uint32_t retry = 0; retry < 8; ++retry) {
    EXPECT_EQ(FullJitterBackoff(retry, absl::Milliseconds(100), absl::Seconds(5), a),
              FullJitterBackoff(retry, absl::Milliseconds(100), absl::Seconds(5), b));
  }
}

TEST(ParseRetryAfter, ReadsDelaySeconds) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(ParseRetryAfter("3", now), absl::Seconds(3));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", now), absl::InfiniteDuration());
}

TEST(ParseRetryAfter, ReadsHttpDatesRelativeToNow) {
  const absl::Time now = absl::FromUnixSeconds(1445412470);  // 2015-10-21T07:27:50Z
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), absl::Seconds(10));
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", now), absl::Seconds(10));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), absl::ZeroDuration());
}

TEST(ParseRetryAfter, RejectsAnythingElse) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_FALSE(ParseRetryAfter("", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-3", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("1.5", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
}

}  // namespace
}  // namespace codi
