#include "tools/teacher_sim/reply/prompt_parser.h"

#include "gtest/gtest.h"
#include "tests/tools/teacher_sim/prompt_fixture.h"

namespace codi {
namespace {

using testing::BuildMessages;
using testing::PromptSpec;

TEST(PromptParser, ReadsEveryPartOfCodisLayout) {
  PromptSpec spec;
  spec.title = "Vancouver {BC}";
  spec.turns = {{"USER", "Which country is Vancouver in?"}, {"AGENT", "Canada"}};
  spec.instruction = "Ask about {population} in one sentence.";
  spec.example = "How many people live there?";
  spec.phenomena = {{"coreference", "refer back to an earlier entity with a pronoun"},
                    {"ellipsis", "leave words out"}};
  ParsedPrompt p = ParsePrompt(BuildMessages(spec));
  EXPECT_TRUE(p.layout_found);
  EXPECT_EQ(p.title, "Vancouver {BC}");
  EXPECT_EQ(p.document, testing::kVancouver);
  ASSERT_EQ(p.history.size(), 2u);
  EXPECT_EQ(p.history[0].role, "USER");
  EXPECT_EQ(p.history[0].text, "Which country is Vancouver in?");
  EXPECT_EQ(p.history[1].role, "AGENT");
  EXPECT_EQ(p.history[1].text, "Canada");
  EXPECT_EQ(p.target_role, "USER");
  EXPECT_EQ(p.instruction, "Ask about {population} in one sentence.");
  EXPECT_EQ(p.example, "How many people live there?");
  EXPECT_EQ(
      p.phenomena,
      "coreference: refer back to an earlier entity with a pronoun; ellipsis: leave words out");
}

TEST(PromptParser, ReadsAnEmptyConversationAndOtherRoles) {
  PromptSpec spec;
  spec.role = "TOOL_RESULT";
  ParsedPrompt p = ParsePrompt(BuildMessages(spec));
  EXPECT_TRUE(p.layout_found);
  EXPECT_TRUE(p.history.empty());
  EXPECT_EQ(p.target_role, "TOOL_RESULT");
}

TEST(PromptParser, JoinsATurnSpanningSeveralLines) {
  PromptSpec spec;
  spec.turns = {{"AGENT", "first line\nsecond line"}, {"USER", "next"}};
  ParsedPrompt p = ParsePrompt(BuildMessages(spec));
  ASSERT_EQ(p.history.size(), 2u);
  EXPECT_EQ(p.history[0].text, "first line\nsecond line");
}

TEST(PromptParser, FallsBackToAPlainChat) {
  ParsedPrompt p = ParsePrompt(
      {{"system", "Vancouver is a city in Canada."}, {"user", "Which country is Vancouver in?"}});
  EXPECT_FALSE(p.layout_found);
  EXPECT_EQ(p.document, "Vancouver is a city in Canada.");
  EXPECT_EQ(p.target_role, "AGENT");
  ASSERT_EQ(p.history.size(), 1u);
  EXPECT_EQ(p.history[0].text, "Which country is Vancouver in?");
}

TEST(PromptParser, UsesAllTextAsTheDocumentWithoutASystemMessage) {
  ParsedPrompt p = ParsePrompt({{"user", "Tell me something."}});
  EXPECT_FALSE(p.layout_found);
  EXPECT_EQ(p.document, "Tell me something.");
}

}  // namespace
}  // namespace codi
