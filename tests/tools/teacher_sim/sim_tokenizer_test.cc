#include "tools/teacher_sim/sim_tokenizer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

using ::testing::ElementsAre;

TEST(SimTokenizer, SplitsWordsAndPunctuationAndDropsSpaces) {
  EXPECT_THAT(SplitTokens("Which country, is it?  2016"),
              ElementsAre("Which", "country", ",", "is", "it", "?", "2016"));
}

TEST(SimTokenizer, KeepsUtf8CharactersInsideWords) {
  EXPECT_THAT(SplitTokens("Montr\u00e9al caf\u00e9!"),
              ElementsAre("Montr\u00e9al", "caf\u00e9", "!"));
}

TEST(SimTokenizer, CountsLikeSplit) {
  EXPECT_EQ(CountTokens(""), 0u);
  EXPECT_EQ(CountTokens("  \n "), 0u);
  EXPECT_EQ(CountTokens("a.b c"), 4u);
}

TEST(SimTokenizer, GivesStableIds) {
  EXPECT_EQ(TokenId("Vancouver"), TokenId(std::string("Vancouver")));
  EXPECT_NE(TokenId("Vancouver"), TokenId("vancouver"));
}

}  // namespace
}  // namespace codi
