#include "common/teacher/limiter_metrics.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(LimiterMetricsTest, ReadsTheGaugesOfEachEndpoint) {
  const std::string page = R"(# HELP codi_teacher_concurrency_limit Current limit.
# TYPE codi_teacher_concurrency_limit gauge
codi_teacher_concurrency_limit{endpoint="http://a:8000/v1"} 37
codi_teacher_concurrency_limit{endpoint="http://b:8000/v1"} 1024
codi_teacher_unloaded_latency_seconds{endpoint="http://a:8000/v1"} 0.98
codi_teacher_queue_estimate{endpoint="http://a:8000/v1"} 4.5
codi_teacher_in_flight_requests{endpoint="http://a:8000/v1"} 36
codi_teacher_waiting_requests{endpoint="http://a:8000/v1"} 2
codi_teacher_recent_round_trip_seconds{endpoint="http://a:8000/v1"} 1.1
codi_teacher_requests_total{endpoint="http://a:8000/v1",outcome="ok"} 900
codi_worker_turns_total 5
garbage{endpoint="x"} not-a-number
)";
  const std::vector<LimiterState> states = ParseLimiterMetrics(page);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].endpoint, "http://a:8000/v1");
  EXPECT_EQ(states[0].limit, 37);
  EXPECT_EQ(states[0].unloaded, absl::Milliseconds(980));
  EXPECT_DOUBLE_EQ(states[0].queue, 4.5);
  EXPECT_EQ(states[0].in_flight, 36);
  EXPECT_EQ(states[0].waiting, 2);
  EXPECT_EQ(states[0].recent_rtt, absl::Milliseconds(1100));
  EXPECT_EQ(states[1].limit, 1024);
}

TEST(LimiterMetricsTest, APageWithoutLimitersGivesNone) {
  EXPECT_TRUE(ParseLimiterMetrics("").empty());
  EXPECT_TRUE(ParseLimiterMetrics("codi_worker_turns_total 5\n{}\n}{\n").empty());
}

TEST(LimiterMetricsTest, AnUnreachableWorkerIsAnErrorNamingIt) {
  auto states = ScrapeLimiterStates("http://127.0.0.1:9/metrics", absl::Seconds(2));
  ASSERT_FALSE(states.ok());
  EXPECT_NE(states.status().message().find("127.0.0.1:9"), std::string::npos);
}

}  // namespace
}  // namespace codi
