#include "common/method/prompt_template.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

const std::vector<std::string> kAllowed = {"role", "seed"};

TEST(PromptTemplate, RendersPlaceholdersWithTheirValues) {
  auto t = PromptTemplate::Parse("You are {role}. Use: {seed}!", kAllowed);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->Render({{"role", "the user"}, {"seed", "Where?"}}),
            "You are the user. Use: Where?!");
}

TEST(PromptTemplate, RendersAMissingValueAsEmpty) {
  auto t = PromptTemplate::Parse("[{seed}]", kAllowed);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->Render({}), "[]");
}

TEST(PromptTemplate, RendersARepeatedPlaceholderEachTime) {
  auto t = PromptTemplate::Parse("{role}/{role}", kAllowed);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->Render({{"role", "x"}}), "x/x");
}

TEST(PromptTemplate, TurnsDoubledBracesIntoLiteralBraces) {
  auto t = PromptTemplate::Parse("{{\"a\": {seed}}} {{role}} }}{{", kAllowed);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->Render({{"seed", "1"}, {"role", "R"}}), "{\"a\": 1} {role} }{");
  EXPECT_FALSE(t->Uses("role"));
  EXPECT_TRUE(t->Uses("seed"));
}

TEST(PromptTemplate, KeepsTextWithoutPlaceholdersAsIs) {
  auto t = PromptTemplate::Parse("Plain text: no braces, ünïcode.", {});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->Render({{"role", "ignored"}}), "Plain text: no braces, ünïcode.");
}

TEST(PromptTemplate, ReportsWhichPlaceholdersAreUsed) {
  auto t = PromptTemplate::Parse("{role} asks", kAllowed);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->Uses("role"));
  EXPECT_FALSE(t->Uses("seed"));
  EXPECT_FALSE(t->Uses("ro"));
}

TEST(PromptTemplate, DefaultTemplateIsEmpty) {
  PromptTemplate t;
  EXPECT_EQ(t.Render({{"role", "x"}}), "");
  EXPECT_FALSE(t.Uses("role"));
}

TEST(PromptTemplate, RejectsAnUnknownPlaceholderNamingTheAllowedOnes) {
  auto t = PromptTemplate::Parse("Hello {foo}", kAllowed);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "unknown placeholder {foo} (allowed: {role}, {seed})");
}

TEST(PromptTemplate, RejectsAnyPlaceholderWhenNoneAreAllowed) {
  auto t = PromptTemplate::Parse("{role}", {});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "unknown placeholder {role} (allowed: none)");
}

TEST(PromptTemplate, RejectsBracesAroundSomethingThatIsNotAName) {
  auto spaced = PromptTemplate::Parse("{ role }", kAllowed);
  ASSERT_FALSE(spaced.ok());
  EXPECT_EQ(spaced.status().message(),
            "{ role } is not a placeholder (allowed: {role}, {seed}); write {{ and }} for "
            "literal braces");
  auto empty = PromptTemplate::Parse("x {} y", kAllowed);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(),
            "{} is not a placeholder (allowed: {role}, {seed}); write {{ and }} for literal "
            "braces");
}

TEST(PromptTemplate, RejectsAnUnclosedBrace) {
  auto t = PromptTemplate::Parse("Ask {role", kAllowed);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "unclosed '{' at offset 4; write {{ for a literal brace");
}

TEST(PromptTemplate, RejectsAnUnmatchedClosingBrace) {
  auto t = PromptTemplate::Parse("a } b", kAllowed);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "unmatched '}' at offset 2; write }} for a literal brace");
}

TEST(PromptTemplate, RejectsANestedBrace) {
  auto t = PromptTemplate::Parse("{{role}", kAllowed);  // "{{" then "role" then a lone "}"
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "unmatched '}' at offset 6; write }} for a literal brace");
  auto inner = PromptTemplate::Parse("{a{role}}", kAllowed);
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.status().message(),
            "{a{role} is not a placeholder (allowed: {role}, {seed}); write {{ and }} for "
            "literal braces");
}

}  // namespace
}  // namespace codi
