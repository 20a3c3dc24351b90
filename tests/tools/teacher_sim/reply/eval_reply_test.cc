#include "tools/teacher_sim/reply/eval_reply.h"

#include "common/eval/answer_metrics.h"
#include "common/eval/eval_prompt.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

constexpr char kPassage[] =
    "The Vatican Library is the library of the Holy See. It was formally established in 1475. "
    "Pope Nicholas V founded it in Rome. It holds 75,000 codices.";

TEST(WriteEvalAnswer, AnswersTheEvalPromptWithASpanOfThePassage) {
  EvalPrompt prompt;
  prompt.format = QaFormat::kCoqa;
  prompt.passage = kPassage;
  prompt.question = "When was the library formally established?";
  std::optional<std::string> answer = WriteEvalAnswer(BuildEvalPrompt(prompt), 0);
  ASSERT_TRUE(answer.has_value());
  EXPECT_THAT(std::string(kPassage), ::testing::HasSubstr(*answer));
  EXPECT_GT(CoqaTurnScore({"in 1475"}, *answer).recall, 0.0) << *answer;

  prompt.history = {{prompt.question, *answer}};
  prompt.question = "Who founded it?";
  answer = WriteEvalAnswer(BuildEvalPrompt(prompt), 0);
  ASSERT_TRUE(answer.has_value());
  EXPECT_THAT(*answer, ::testing::HasSubstr("Nicholas"));
}

TEST(WriteEvalAnswer, SaysTheNoAnswerTextWhenThePassageSharesNoWord) {
  EvalPrompt prompt;
  prompt.format = QaFormat::kQuac;
  prompt.passage = kPassage;
  prompt.question = "Did she marry a composer?";
  EXPECT_EQ(WriteEvalAnswer(BuildEvalPrompt(prompt), 0), "CANNOTANSWER");
  prompt.format = QaFormat::kCoqa;
  EXPECT_EQ(WriteEvalAnswer(BuildEvalPrompt(prompt), 0), "unknown");
}

TEST(WriteEvalAnswer, LeavesOtherPromptsToTheTeacherReply) {
  EXPECT_FALSE(WriteEvalAnswer({{"user", "When was it established?"}}, 0).has_value());
}

}  // namespace
}  // namespace codi
