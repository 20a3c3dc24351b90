// The metric functions against cases computed by hand and checked with the
// official scripts' Python (CoQA evaluate-v1.0.py, QuAC scorer.py).
#include "common/eval/answer_metrics.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

TEST(NormalizeAnswer, LowersDropsPunctuationAndArticlesAndCollapsesSpaces) {
  EXPECT_EQ(NormalizeAnswer("The Cat's   hat!"), "cats hat");
  EXPECT_EQ(NormalizeAnswer("An apple a day"), "apple day");
  EXPECT_EQ(NormalizeAnswer(" a  an  the "), "");
  EXPECT_EQ(NormalizeAnswer("A"), "");
  // Punctuation goes first, so "the." is an article and "a-b" one word.
  EXPECT_EQ(NormalizeAnswer("the."), "");
  EXPECT_EQ(NormalizeAnswer("theatre another a-b a.b"), "theatre another ab ab");
  // '_' is punctuation to string.punctuation.
  EXPECT_EQ(NormalizeAnswer("under_the_sea"), "underthesea");
  EXPECT_EQ(NormalizeAnswer(""), "");
}

TEST(NormalizeAnswer, FollowsPythonsUnicodeRulesForLettersSpacesAndPunctuation) {
  EXPECT_EQ(NormalizeAnswer("Café ÉCOLE"), "café école");
  EXPECT_EQ(NormalizeAnswer("ÀÉÎ ĀĂ Ł ΑΒΓ АБВ Ѐ"), "àéî āă ł αβγ абв ѐ");
  // U+00A0 separates tokens; curly quotes are not word characters (so the
  // article between them goes) and not ASCII punctuation (so they stay).
  EXPECT_EQ(NormalizeAnswer("x\u00a0y"), "x y");
  EXPECT_EQ(NormalizeAnswer("\u2019the"), "\u2019");
  EXPECT_EQ(NormalizeAnswer("\u201cthe\u201d"), "\u201c \u201d");
  // A letter outside ASCII is a word character: no article boundary.
  EXPECT_EQ(NormalizeAnswer("\u00e9the"), "\u00e9the");
  // Bytes that are not UTF-8 pass through.
  EXPECT_EQ(NormalizeAnswer("B\xff"), "b\xff");
}

TEST(AnswerTokens, SplitsTheNormalisedText) {
  EXPECT_THAT(AnswerTokens("In May, 1983."), ElementsAre("in", "may", "1983"));
  EXPECT_TRUE(AnswerTokens("the").empty());
}

TEST(CoqaMetrics, ScoreOneReference) {
  // 4 shared tokens; precision 4/4, recall 4/6, F1 0.8.
  EXPECT_DOUBLE_EQ(CoqaF1("It was formally established in 1475", "formally established in 1475"),
                   0.8);
  EXPECT_DOUBLE_EQ(
      CoqaRecall("It was formally established in 1475", "formally established in 1475"), 4.0 / 6);
  EXPECT_TRUE(CoqaExact("The Vatican.", "vatican"));
  EXPECT_FALSE(CoqaExact("Vatican library", "vatican"));
  // No tokens on either side: 1 when both are empty, else 0.
  EXPECT_EQ(CoqaF1("the", "a"), 1.0);
  EXPECT_EQ(CoqaF1("the", "cat"), 0.0);
  EXPECT_EQ(CoqaRecall("", "x"), 0.0);
  EXPECT_EQ(CoqaF1("unknown", "Unknown."), 1.0);
}

TEST(CoqaMetrics, SeveralReferencesAverageLeavingEachOut) {
  // Leaving out "red": max(F1 vs "red car" = 2/3, vs "blue" = 0) = 2/3; leaving
  // out either other one: 1 ("red" itself). Mean (2/3 + 1 + 1) / 3.
  const CoqaScore s = CoqaTurnScore({"red", "red car", "blue"}, "red");
  EXPECT_THAT(s.f1, DoubleNear(8.0 / 9, 1e-12));
  EXPECT_THAT(s.exact, DoubleNear(2.0 / 3, 1e-12));
  EXPECT_THAT(s.recall, DoubleNear(5.0 / 6, 1e-12));
  const CoqaScore one = CoqaTurnScore({"red car"}, "red");
  EXPECT_THAT(one.f1, DoubleNear(2.0 / 3, 1e-12));
  EXPECT_EQ(one.recall, 0.5);
  EXPECT_EQ(CoqaTurnScore({}, "red").f1, 0.0);
}

TEST(QuacMetrics, F1IsZeroWithoutSharedTokensEvenForTwoEmptyAnswers) {
  EXPECT_EQ(QuacF1("", "x"), 0.0);
  EXPECT_EQ(QuacF1("", ""), 0.0);
  EXPECT_EQ(QuacF1("the", "a"), 0.0);
  EXPECT_DOUBLE_EQ(QuacF1("red car", "the blue car"), 0.5);
}

TEST(QuacMetrics, CannotAnswerWinsWhenAtLeastHalfTheReferencesSayIt) {
  EXPECT_THAT(QuacHandleCannot({"CANNOTANSWER", "CANNOTANSWER", "x"}), ElementsAre("CANNOTANSWER"));
  EXPECT_THAT(QuacHandleCannot({"CANNOTANSWER", "x"}), ElementsAre("CANNOTANSWER"));
  EXPECT_THAT(QuacHandleCannot({"CANNOTANSWER", "x", "y"}), ElementsAre("x", "y"));
  EXPECT_EQ(QuacSingleScore("CANNOTANSWER", "CANNOTANSWER"), 1.0);
  EXPECT_EQ(QuacSingleScore("cannotanswer", "CANNOTANSWER"), 0.0);  // the exact text only
  EXPECT_EQ(QuacSingleScore("CANNOTANSWER", "red car"), 0.0);
}

TEST(QuacMetrics, TurnScoreHandlesCannotAnswerThenLeavesEachReferenceOut) {
  QuacScore s = QuacTurnScore({"CANNOTANSWER", "CANNOTANSWER", "x"}, " CANNOTANSWER\n");
  EXPECT_EQ(s.f1, 1.0);
  EXPECT_EQ(s.human_f1, 1.0);
  EXPECT_TRUE(s.unanswerable);
  EXPECT_TRUE(s.counted);
  EXPECT_EQ(QuacTurnScore({"CANNOTANSWER"}, "The passage does not say.").f1, 0.0);

  // Single scores 1, 1, 0.5: whichever is left out, a 1 remains. The human
  // F1: 1, 1 and 0.5 for the third ("blue car" vs "red car").
  s = QuacTurnScore({"a red car", "red car", "the blue car"}, "red car");
  EXPECT_EQ(s.f1, 1.0);
  EXPECT_THAT(s.human_f1, DoubleNear(2.5 / 3, 1e-12));
  EXPECT_FALSE(s.unanswerable);

  // References that share nothing: human F1 0, below the official 0.4, so
  // the overall F1 leaves the question out; its own F1 is (0 + 2/3) / 2.
  s = QuacTurnScore({"alpha beta", "gamma delta"}, "alpha");
  EXPECT_EQ(s.human_f1, 0.0);
  EXPECT_FALSE(s.counted);
  EXPECT_THAT(s.f1, DoubleNear(1.0 / 3, 1e-12));
  // The CANNOTANSWER reference is dropped when spans are the majority.
  s = QuacTurnScore({"CANNOTANSWER", "red car", "red car"}, "red car");
  EXPECT_EQ(s.f1, 1.0);
}

}  // namespace
}  // namespace codi
