#include "common/teacher/circuit_breaker.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

using Admission = CircuitBreaker::Admission;
using State = CircuitBreaker::State;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

TEST(CircuitBreaker, OpensAfterTheThresholdOfConsecutiveFailures) {
  CircuitBreaker breaker(3, absl::Seconds(30));
  breaker.RecordFailure(kT0, false);
  breaker.RecordFailure(kT0, false);
  EXPECT_EQ(breaker.Admit(kT0), Admission::kAllowed);
  breaker.RecordFailure(kT0, false);
  EXPECT_EQ(breaker.state(kT0), State::kOpen);
  EXPECT_EQ(breaker.Admit(kT0 + absl::Seconds(29)), Admission::kDenied);
  EXPECT_EQ(breaker.reopens_at(), kT0 + absl::Seconds(30));
  EXPECT_EQ(breaker.times_opened(), 1u);
}

TEST(CircuitBreaker, ASuccessResetsTheFailureCount) {
  CircuitBreaker breaker(2, absl::Seconds(30));
  breaker.RecordFailure(kT0, false);
  breaker.RecordSuccess();
  breaker.RecordFailure(kT0, false);
  EXPECT_EQ(breaker.state(kT0), State::kClosed);
}

TEST(CircuitBreaker, LetsOneProbeThroughAfterTheOpenPeriod) {
  CircuitBreaker breaker(1, absl::Seconds(30));
  breaker.RecordFailure(kT0, false);
  const absl::Time later = kT0 + absl::Seconds(30);
  EXPECT_EQ(breaker.state(later), State::kHalfOpen);
  EXPECT_EQ(breaker.Admit(later), Admission::kProbe);
  EXPECT_EQ(breaker.Admit(later), Admission::kDenied);  // only one probe at a time
  breaker.RecordSuccess();
  EXPECT_EQ(breaker.state(later), State::kClosed);
  EXPECT_EQ(breaker.Admit(later), Admission::kAllowed);
}

TEST(CircuitBreaker, AFailedProbeReopensTheCircuit) {
  CircuitBreaker breaker(1, absl::Seconds(30));
  breaker.RecordFailure(kT0, false);
  const absl::Time later = kT0 + absl::Seconds(31);
  ASSERT_EQ(breaker.Admit(later), Admission::kProbe);
  breaker.RecordFailure(later, true);
  EXPECT_EQ(breaker.state(later), State::kOpen);
  EXPECT_EQ(breaker.reopens_at(), later + absl::Seconds(30));
  EXPECT_EQ(breaker.times_opened(), 2u);
  EXPECT_EQ(breaker.Admit(later + absl::Seconds(30)), Admission::kProbe);
}

TEST(CircuitBreaker, NeverOpensWithAZeroThreshold) {
  CircuitBreaker breaker(0, absl::Seconds(30));
  for (int i = 0; i < 100; ++i) breaker.RecordFailure(kT0, false);
  EXPECT_EQ(breaker.Admit(kT0), Admission::kAllowed);
  EXPECT_EQ(breaker.times_opened(), 0u);
}

}  // namespace
}  // namespace codi
