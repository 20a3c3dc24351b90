#include "common/base/closest_name.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(EditDistance, CountsASwapOfAdjacentCharactersAsOneEdit) {
  EXPECT_EQ(EditDistance("lenght", "length"), 1u);
  EXPECT_EQ(EditDistance("answr_span", "answer_span"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("same", "same"), 0u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ClosestName, SuggestsTheNearestCandidateWhenItIsALikelyTypo) {
  const std::vector<std::string> fields = {"n", "min", "max"};
  EXPECT_EQ(ClosestName("mxa", fields), "max");
  EXPECT_EQ(ClosestName("nn", fields), "n");
  EXPECT_EQ(ClosestName("length", {"links", "start", "length2"}), "length2");
}

TEST(ClosestName, IgnoresCase) { EXPECT_EQ(ClosestName("user", {"USER", "AGENT"}), "USER"); }

TEST(ClosestName, SuggestsNothingForDistantNames) {
  EXPECT_EQ(ClosestName("temperature", {"seed", "name", "graph"}), std::nullopt);
  EXPECT_EQ(ClosestName("x", {}), std::nullopt);
  EXPECT_EQ(ClosestName("abc", {"xyz"}), std::nullopt);
}

}  // namespace
}  // namespace codi
