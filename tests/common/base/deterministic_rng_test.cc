#include "common/base/deterministic_rng.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

// Pinned: a resumed job must draw what it drew before, on any build.
TEST(DeterministicRng, DrawsThePinnedStreamForAKey) {
  DeterministicRng rng = DeterministicRng::ForKey(7, "doc-1", 2, "graph");
  EXPECT_EQ(rng.Next(), 0x9cd5fdb0c9214b64ULL);
  EXPECT_EQ(rng.Next(), 0x669831ee92f2ce47ULL);
  EXPECT_EQ(rng.Next(), 0xd3952c2c15fbb0dfULL);
  EXPECT_EQ(rng.Below(10), 4u);
  EXPECT_DOUBLE_EQ(rng.Uniform(), 0.83955653017015885);
  EXPECT_EQ(rng.PickWeighted({1, 0, 2}), 0u);
}

TEST(DeterministicRng, IsSplitMix64FromItsState) {
  DeterministicRng rng(0);
  EXPECT_EQ(rng.Next(), Mix64(0));
  EXPECT_EQ(rng.Next(), Mix64(kSplitMix64Gamma));
}

TEST(DeterministicRng, GivesEachPartOfTheKeyItsOwnStream) {
  const uint64_t first = DeterministicRng::ForKey(7, "doc-1", 2, "graph").Next();
  EXPECT_EQ(DeterministicRng::ForKey(7, "doc-1", 2, "graph").Next(), first);
  EXPECT_NE(DeterministicRng::ForKey(8, "doc-1", 2, "graph").Next(), first);
  EXPECT_NE(DeterministicRng::ForKey(7, "doc-2", 2, "graph").Next(), first);
  EXPECT_NE(DeterministicRng::ForKey(7, "doc-1", 3, "graph").Next(), first);
  EXPECT_NE(DeterministicRng::ForKey(7, "doc-1", 2, "turn/0").Next(), first);
  // Parts are length-prefixed, so moving bytes between them changes the key.
  EXPECT_NE(DeterministicRng::ForKey(7, "ab", 1, "c").Next(),
            DeterministicRng::ForKey(7, "a", 1, "bc").Next());
}

TEST(DeterministicRng, PicksOnlyPositiveWeights) {
  DeterministicRng rng(42);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LT(rng.Below(3), 3u);
    const double u = rng.Uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
    EXPECT_NE(rng.PickWeighted({0.5, 0, 0.5, 0}) % 2, 1u);
  }
}

}  // namespace
}  // namespace codi
