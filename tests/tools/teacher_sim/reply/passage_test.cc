#include "tools/teacher_sim/reply/passage.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/teacher_sim/prompt_fixture.h"

namespace codi {
namespace {

using ::testing::ElementsAre;

TEST(Passage, SplitsSentencesButNotAfterAbbreviationsOrInsideNumbers) {
  EXPECT_THAT(SplitSentences("Dr. Smith met Mr. J. Jones in the U.S. in 2010. Sales were 1.3 "
                             "million! Was it? yes.\nNew line"),
              ElementsAre("Dr. Smith met Mr. J. Jones in the U.S. in 2010.",
                          "Sales were 1.3 million!", "Was it? yes.", "New line"));
}

TEST(Passage, KeepsTitlesAndInitialsInsideNames) {
  Passage p(
      "Agents were investigating Dr. George Zahorian and Vince McMahon Jr., who said no. "
      "It was a No. 1 hit.");
  ASSERT_EQ(p.sentences().size(), 2u);
  std::vector<std::string> names;
  for (const auto& ph : p.sentences()[0].phrases) {
    if (ph.kind == PhraseKind::kName) names.push_back(ph.text);
  }
  EXPECT_THAT(names, ElementsAre("Dr. George Zahorian", "Vince McMahon Jr."));
}

TEST(Passage, FindsNamesDatesNumbersAndNounPhrases) {
  Passage p(
      "In May 1983, she married Nikos Karvelas, a composer. The University of California "
      "counted 631,486 people. The energy balance is modest.");
  ASSERT_EQ(p.sentences().size(), 3u);
  auto texts = [&](size_t i) {
    std::vector<std::string> out;
    for (const auto& ph : p.sentences()[i].phrases) out.push_back(ph.text);
    return out;
  };
  EXPECT_THAT(texts(0), ElementsAre("May 1983", "Nikos Karvelas", "the composer"));
  EXPECT_EQ(p.sentences()[0].phrases[0].kind, PhraseKind::kDate);
  EXPECT_EQ(p.sentences()[0].phrases[0].preposition, "in");
  EXPECT_THAT(texts(1), ElementsAre("University of California", "631,486 people"));
  EXPECT_TRUE(p.sentences()[1].phrases[0].is_subject);
  EXPECT_THAT(texts(2), ElementsAre("the energy balance"));
  EXPECT_TRUE(p.sentences()[0].mentions_person);
}

TEST(Passage, MatchesTheSentenceSharingTheRarestWords) {
  Passage p(testing::kVancouver);
  const int best = p.BestMatch(ContentWords("When did the city host the Winter Olympics?"));
  ASSERT_GE(best, 0);
  EXPECT_NE(p.sentences()[static_cast<size_t>(best)].text.find("Olympics"), std::string::npos);
  EXPECT_EQ(p.BestMatch(ContentWords("zebra")), -1);
}

TEST(Passage, NormalisesWordsForOverlap) {
  EXPECT_EQ(NormalizeWord("Cities'"), "citie");
  EXPECT_EQ(NormalizeWord("Vancouver's"), "vancouver");
  EXPECT_EQ(NormalizeWord("class"), "class");
  EXPECT_THAT(ContentWords("What is the population of the city?"),
              ElementsAre("population", "city"));
  EXPECT_EQ(RepeatKey("  Canada. "), RepeatKey("canada"));
}

}  // namespace
}  // namespace codi
