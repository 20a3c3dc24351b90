#include "common/method/turn_validator.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

codi::v1::ValidationSettings Defaults() {
  codi::v1::ValidationSettings s;
  s.set_max_attempts(4);
  s.set_min_chars(1);
  s.set_max_chars(50);
  s.set_reject_repeats(true);
  return s;
}

std::vector<codi::v1::Turn> History(std::vector<std::string> texts) {
  std::vector<codi::v1::Turn> turns;
  for (auto& t : texts) {
    turns.emplace_back();
    turns.back().set_text(t);
  }
  return turns;
}

TEST(TurnValidator, AcceptsAGroundedReplyAndStripsAnEchoedRoleTag) {
  TurnValidator v(Defaults());
  auto verdict = v.Check("  [AGENT] Canada [/AGENT] ", "stop", "AGENT", {});
  EXPECT_TRUE(verdict.ok) << verdict.reason;
  EXPECT_EQ(verdict.text, "Canada");
  EXPECT_EQ(v.Check("USER: Which country?", "stop", "USER", {}).text, "Which country?");
}

TEST(TurnValidator, RejectsEachKindOfBadReplyWithItsReason) {
  TurnValidator v(Defaults());
  EXPECT_EQ(v.Check("   ", "stop", "AGENT", {}).reason, "empty");
  EXPECT_EQ(v.Check("As an AI language model, I cannot answer.", "stop", "AGENT", {}).reason,
            "refusal");
  EXPECT_EQ(v.Check("I'm sorry, but I can't help with that.", "stop", "AGENT", {}).reason,
            "refusal");
  EXPECT_EQ(v.Check(std::string(51, 'x'), "stop", "AGENT", {}).reason, "too_long");
  EXPECT_EQ(v.Check("Canada", "length", "AGENT", {}).reason, "truncated");
  EXPECT_EQ(
      v.Check("which  COUNTRY is it?", "stop", "USER", History({"Which country is it?"})).reason,
      "repeat");
}

TEST(TurnValidator, HonoursJobSettings) {
  auto s = Defaults();
  s.set_min_chars(10);
  s.add_refusal_phrases("no comment");
  s.set_reject_repeats(false);
  TurnValidator v(s);
  EXPECT_EQ(v.Check("Canada", "stop", "AGENT", {}).reason, "too_short");
  EXPECT_EQ(v.Check("No comment on that one.", "stop", "AGENT", {}).reason, "refusal");
  EXPECT_TRUE(v.Check("Which country?", "stop", "USER", History({"which country?"})).ok);
}

}  // namespace
}  // namespace codi
