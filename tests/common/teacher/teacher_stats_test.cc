#include "common/teacher/teacher_stats.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(TeacherStats, NamesEveryOutcomeDistinctly) {
  std::set<std::string> names;
  for (size_t i = 0; i < kAttemptOutcomeCount; ++i) {
    names.insert(std::string(AttemptOutcomeName(static_cast<AttemptOutcome>(i))));
  }
  EXPECT_EQ(names.size(), kAttemptOutcomeCount);
  EXPECT_EQ(AttemptOutcomeName(AttemptOutcome::kHttp429), "http_429");
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(TeacherStats, SumsOverEndpoints) {
  TeacherStats stats;
  stats.endpoints.resize(2);
  stats.endpoints[0].attempts_by_outcome[static_cast<size_t>(AttemptOutcome::kOk)] = 3;
  stats.endpoints[0].attempts_by_outcome[static_cast<size_t>(AttemptOutcome::kTimeout)] = 1;
  stats.endpoints[1].attempts_by_outcome[static_cast<size_t>(AttemptOutcome::kOk)] = 2;
  stats.endpoints[1].retries = 1;
  EXPECT_EQ(stats.attempts(AttemptOutcome::kOk), 5u);
  EXPECT_EQ(stats.total_attempts(), 6u);
  EXPECT_EQ(stats.endpoints[0].total_attempts(), 4u);
  EXPECT_EQ(stats.retries(), 1u);
}

}  // namespace
}  // namespace codi
