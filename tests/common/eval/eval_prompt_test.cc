#include "common/eval/eval_prompt.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(EvalPrompt, IsTheChatExportShapeAndReadsBackWhole) {
  EvalPrompt prompt;
  prompt.format = QaFormat::kQuac;
  prompt.title = "Anna Vissi — 1983–1989\nsecond line";
  prompt.passage = "In May 1983, she married Nikos Karvelas.\n\nShe sang.";
  prompt.history = {{"What happened in 1983?", "she married Nikos Karvelas"}};
  prompt.question = "Did they have children?";
  const std::vector<ChatMessage> messages = BuildEvalPrompt(prompt);
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].role, "system");
  EXPECT_NE(messages[0].content.find("reply exactly: CANNOTANSWER\n"), std::string::npos);
  EXPECT_EQ(messages[1].role, "user");
  EXPECT_EQ(messages[2].role, "assistant");
  EXPECT_EQ(messages[3].content, "Did they have children?");

  std::optional<EvalPrompt> back = ParseEvalPrompt(messages);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->format, QaFormat::kQuac);
  EXPECT_EQ(back->title, "Anna Vissi — 1983–1989 second line");
  EXPECT_EQ(back->passage, prompt.passage);
  ASSERT_EQ(back->history.size(), 1u);
  EXPECT_EQ(back->history[0].answer, "she married Nikos Karvelas");
  EXPECT_EQ(back->question, prompt.question);

  prompt.format = QaFormat::kCoqa;
  prompt.title.clear();
  prompt.history.clear();
  back = ParseEvalPrompt(BuildEvalPrompt(prompt));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->format, QaFormat::kCoqa);
  EXPECT_EQ(back->title, "");
  EXPECT_EQ(back->passage, prompt.passage);
}

TEST(EvalPrompt, OtherChatsAreNotEvalPrompts) {
  EXPECT_FALSE(ParseEvalPrompt({}).has_value());
  EXPECT_FALSE(ParseEvalPrompt({{"user", "hello"}}).has_value());
  EXPECT_FALSE(ParseEvalPrompt({{"system", "You are codi's teacher."}, {"user", "Q"}}).has_value());
  EvalPrompt prompt;
  prompt.passage = "P.";
  prompt.question = "Q?";
  std::vector<ChatMessage> messages = BuildEvalPrompt(prompt);
  messages.push_back({"assistant", "A"});  // ends with an answer: nothing to ask
  EXPECT_FALSE(ParseEvalPrompt(messages).has_value());
}

}  // namespace
}  // namespace codi
