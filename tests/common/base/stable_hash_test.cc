#include "common/base/stable_hash.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

// The values are pinned: stored conversations' graphs, the simulator's replies
// and its fault decisions derive from them, so they may never change.

TEST(Fnv1a64, MatchesThePublishedTestVectors) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(Fnv1a64, ChainsThroughTheBasisAndHashesBytesAsUnsigned) {
  EXPECT_EQ(Fnv1a64("bar", Fnv1a64("foo")), Fnv1a64("foobar"));
  EXPECT_EQ(Fnv1a64("\xc3\xa9t\xc3\xa9"), 0x009a8f0e88b51857ULL);
}

TEST(Mix64, IsOneSplitMix64Step) {
  EXPECT_EQ(Mix64(0), 0xe220a8397b1dcdafULL);  // SplitMix64's first output from state 0
  EXPECT_EQ(Mix64(1), 0x910a2dec89025cc1ULL);
  EXPECT_EQ(Mix64(0), SplitMix64Finalize(kSplitMix64Gamma));
}

TEST(HashCombine, DependsOnTheOrder) {
  EXPECT_EQ(HashCombine(1, 2), 0xe06dd043328bd285ULL);
  EXPECT_EQ(HashCombine(2, 1), 0xbcd9dbb49673066bULL);
}

TEST(StableHash, KeepsItsValuesForEverySeed) {
  EXPECT_EQ(StableHash(""), 0xf52a15e9a9b5e89bULL);
  EXPECT_EQ(StableHash("doc-1"), 0xf01348682ab28e14ULL);
  EXPECT_EQ(StableHash("doc-1", 0x5eed), 0x38ac15b78ada4bf8ULL);
  static_assert(StableHash("doc-1") == 0xf01348682ab28e14ULL, "usable at compile time");
}

}  // namespace
}  // namespace codi
