#include "tools/teacher_sim/prefix_cache.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace codi {
namespace {

std::vector<uint64_t> Tokens(uint64_t first, size_t n) {
  std::vector<uint64_t> t(n);
  for (size_t i = 0; i < n; ++i) t[i] = first + i;
  return t;
}

TEST(PrefixCache, ReportsNothingCachedForANewPrompt) {
  PrefixCache cache(4, 100);
  EXPECT_EQ(cache.LookupAndInsert(Tokens(0, 10)), 0u);
  EXPECT_EQ(cache.size(), 2u);  // only full blocks are kept
}

TEST(PrefixCache, ReportsTheSharedLeadingFullBlocks) {
  PrefixCache cache(4, 100);
  cache.LookupAndInsert(Tokens(0, 10));
  std::vector<uint64_t> longer = Tokens(0, 10);
  for (uint64_t t : Tokens(100, 7)) longer.push_back(t);
  EXPECT_EQ(cache.LookupAndInsert(longer), 8u);
}

TEST(PrefixCache, MissesEverythingAfterTheFirstDifferentBlock) {
  PrefixCache cache(4, 100);
  cache.LookupAndInsert(Tokens(0, 16));
  std::vector<uint64_t> changed = Tokens(0, 16);
  changed[5] = 999;  // in the second block
  EXPECT_EQ(cache.LookupAndInsert(changed), 4u);
}

TEST(PrefixCache, NeverReportsAWholePromptAsCached) {
  PrefixCache cache(4, 100);
  cache.LookupAndInsert(Tokens(0, 8));
  EXPECT_EQ(cache.LookupAndInsert(Tokens(0, 8)), 4u);
  cache.LookupAndInsert(Tokens(50, 9));
  EXPECT_EQ(cache.LookupAndInsert(Tokens(50, 9)), 8u);
}

TEST(PrefixCache, EvictsTheLeastRecentlyUsedBlocks) {
  PrefixCache cache(2, 4);
  cache.LookupAndInsert(Tokens(0, 4));   // blocks A1 A2
  cache.LookupAndInsert(Tokens(10, 4));  // blocks B1 B2
  cache.LookupAndInsert(Tokens(0, 5));   // touches A1 A2
  cache.LookupAndInsert(Tokens(20, 4));  // evicts B1 B2
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_EQ(cache.LookupAndInsert(Tokens(0, 5)), 4u);
  EXPECT_EQ(cache.LookupAndInsert(Tokens(10, 5)), 0u);
}

TEST(PrefixCache, IsDisabledWithZeroCapacity) {
  PrefixCache cache(4, 0);
  cache.LookupAndInsert(Tokens(0, 16));
  EXPECT_EQ(cache.LookupAndInsert(Tokens(0, 16)), 0u);
}

}  // namespace
}  // namespace codi
