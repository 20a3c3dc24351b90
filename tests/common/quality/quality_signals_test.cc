// The quality signals against a small job computed by hand.
#include "common/quality/quality_signals.h"

#include <cctype>
#include <string>

#include "gtest/gtest.h"

namespace codi {
namespace {

struct TurnSpec {
  std::string role, link, text;
  uint64_t prompt_tokens = 0, cached_tokens = 0;
};

codi::v1::Conversation Make(const std::string& doc_id, uint32_t sample, const std::string& document,
                            const std::vector<TurnSpec>& turns) {
  codi::v1::Conversation c;
  c.set_doc_id(doc_id);
  c.set_sample(sample);
  auto* context = c.add_turns();
  context->set_role("CONTEXT");
  context->set_text(document);
  for (const auto& t : turns) {
    auto* turn = c.add_turns();
    turn->set_role(t.role);
    turn->set_link(t.link);
    turn->set_text(t.text);
    if (t.prompt_tokens > 0) {
      turn->mutable_usage()->set_prompt_tokens(t.prompt_tokens);
      turn->mutable_usage()->set_cached_tokens(t.cached_tokens);
    }
  }
  return c;
}

// One conversation:
//   document: "The cat sat on the mat. It was red."
//   ask    USER  "What did the cat sit on?"  content {cat, sit}: cat found -> 0.5
//   answer AGENT "The cat sat on the mat."   content {cat, sat, mat}: all -> 1.0
//   ask    USER  "What did the cat sit on?"  0.5; repeats the first USER turn
//   answer AGENT "A dog barked loudly."      {dog, barked, loudly}: none -> 0.0
// Usage: turn 0 100 prompt / 0 cached, turn 1 200 / 100, turn 2 300 / 270,
// turn 3 none.
codi::v1::Conversation HandJob() {
  return Make("d1", 0, "The cat sat on the mat. It was red.",
              {{"USER", "ask", "What did the cat sit on?", 100, 0},
               {"AGENT", "answer", "The cat sat on the mat.", 200, 100},
               {"USER", "ask", "What did the cat sit on?", 300, 270},
               {"AGENT", "answer", "A dog barked loudly.", 0, 0}});
}

TEST(QualitySignals, MatchesAHandComputedJob) {
  QualitySignals signals;
  signals.Add(HandJob());
  nlohmann::ordered_json q = signals.ToJson();

  const auto& agent = q["grounding"]["AGENT"];
  EXPECT_EQ(agent["turns"], 2);
  EXPECT_EQ(agent["scored_turns"], 2);
  EXPECT_EQ(agent["mean_token_coverage"], 0.5);
  EXPECT_EQ(agent["grounded_turns"], 1);
  EXPECT_EQ(agent["grounded_share"], 0.5);
  const auto& user = q["grounding"]["USER"];
  EXPECT_EQ(user["mean_token_coverage"], 0.5);
  EXPECT_EQ(user["grounded_turns"], 0);

  EXPECT_EQ(q["repetition"]["USER"]["repeats"], 1);
  EXPECT_EQ(q["repetition"]["USER"]["repeat_share"], 0.5);
  EXPECT_EQ(q["repetition"]["AGENT"]["repeats"], 0);

  // answer lengths 23 and 20; ask 24 and 24. Nearest-rank percentiles.
  const auto& answer = q["lengths_by_link"]["answer"];
  EXPECT_EQ(answer["count"], 2);
  EXPECT_EQ(answer["mean_chars"], 21.5);
  EXPECT_EQ(answer["p10_chars"], 20);
  EXPECT_EQ(answer["p50_chars"], 20);
  EXPECT_EQ(answer["p90_chars"], 23);
  EXPECT_EQ(answer["max_chars"], 23);
  EXPECT_EQ(answer["histogram"][0]["max_chars"], 31);
  EXPECT_EQ(answer["histogram"][0]["count"], 2);
  EXPECT_EQ(answer["histogram"].back()["count"], 0);
  EXPECT_EQ(q["lengths_by_link"]["ask"]["p50_chars"], 24);

  // USER: 12 tokens, 6 distinct; 10 bigrams, 5 distinct. AGENT: "the cat
  // sat on the mat." + "a dog barked loudly." = 10 tokens, 9 distinct
  // ("the" twice); 8 bigrams, all distinct.
  EXPECT_EQ(q["distinct_n_by_role"]["USER"]["distinct_1"], 0.5);
  EXPECT_EQ(q["distinct_n_by_role"]["USER"]["distinct_2"], 0.5);
  EXPECT_EQ(q["distinct_n_by_role"]["AGENT"]["distinct_1"], 0.9);
  EXPECT_EQ(q["distinct_n_by_role"]["AGENT"]["distinct_2"], 1.0);

  EXPECT_EQ(q["duplicates"]["turns_by_role"]["USER"]["exact_duplicates"], 1);
  EXPECT_EQ(q["duplicates"]["turns_by_role"]["AGENT"]["exact_duplicates"], 0);
  EXPECT_EQ(q["duplicates"]["conversations"]["conversations"], 1);
  EXPECT_EQ(q["duplicates"]["conversations"]["exact_duplicates"], 0);

  const auto& cache = q["prefix_cache_by_turn"];
  ASSERT_EQ(cache.size(), 4u);
  EXPECT_EQ(cache[0]["cached_ratio"], 0.0);
  EXPECT_EQ(cache[1]["cached_ratio"], 0.5);
  EXPECT_EQ(cache[2]["cached_ratio"], 0.9);
  EXPECT_EQ(cache[3]["turns_with_usage"], 0);
  EXPECT_EQ(cache[3]["cached_ratio"], 0.0);

  const std::string text = FormatQualitySignals(q);
  EXPECT_NE(text.find("grounding AGENT: 0.5 of 2 turns"), std::string::npos) << text;
  EXPECT_NE(text.find("repetition USER: 1 of 2"), std::string::npos) << text;
  EXPECT_NE(text.find("prefix-cache ratio by turn: 0.0 0.5 0.9 0.0"), std::string::npos) << text;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(QualitySignals, CountsDuplicateConversationsWithoutTheirDocument) {
  const std::string long_answer =
      "The committee met on Tuesday to review the budget for the new library and agreed to "
      "fund the reading room, the archive, the children's corner and the longer opening hours "
      "that the residents had asked for in the spring survey, and then it turned to the roads, "
      "where the repairs to the bridge over the river had run late because the steel arrived "
      "two months after the contractor had been promised it by the supplier in the north";
  QualitySignals signals;
  signals.Add(Make("a", 0, "Document A.", {{"AGENT", "answer", long_answer}}));
  // Another document, the same generated text up to case and punctuation.
  signals.Add(Make("b", 0, "Document B, quite different.",
                   {{"AGENT", "answer", "  " + Upper(long_answer) + "!!"}}));
  // One word changed: a near duplicate.
  std::string near = long_answer;
  near.replace(near.find("Tuesday"), 7, "Monday");
  signals.Add(Make("c", 0, "Document A.", {{"AGENT", "answer", near}}));
  // Same document, different text: not a duplicate.
  signals.Add(Make("a", 1, "Document A.", {{"AGENT", "answer", "Something else entirely."}}));
  nlohmann::ordered_json d = signals.ToJson()["duplicates"]["conversations"];
  EXPECT_EQ(d["conversations"], 4);
  EXPECT_EQ(d["exact_duplicates"], 1);
  EXPECT_EQ(d["near_duplicates"], 1);
  EXPECT_EQ(d["exact_duplicate_rate"], 0.25);
  EXPECT_EQ(d["near_duplicate_rate"], 0.25);
}

TEST(QualitySignals, HandlesEmptyAndOddConversations) {
  QualitySignals signals;
  EXPECT_EQ(signals.ToJson()["duplicates"]["conversations"]["conversations"], 0);
  codi::v1::Conversation only_context = Make("x", 0, "A document.", {});
  signals.Add(only_context);
  // No CONTEXT turn, an empty turn, punctuation only, a very long turn.
  codi::v1::Conversation odd;
  odd.set_doc_id("y");
  for (const std::string& text : {std::string(), std::string("?!"), std::string(20000, 'x')}) {
    auto* t = odd.add_turns();
    t->set_role("AGENT");
    t->set_link("answer");
    t->set_text(text);
  }
  signals.Add(odd);
  nlohmann::ordered_json q = signals.ToJson();
  EXPECT_EQ(q["grounding"]["AGENT"]["turns"], 3);
  EXPECT_EQ(q["grounding"]["AGENT"]["scored_turns"], 1);  // only the long one has content
  EXPECT_EQ(q["grounding"]["AGENT"]["mean_token_coverage"], 0.0);
  EXPECT_EQ(q["lengths_by_link"]["answer"]["max_chars"], 20000);
  EXPECT_EQ(q["lengths_by_link"]["answer"]["p90_chars"], 20000);
  EXPECT_EQ(q["lengths_by_link"]["answer"]["histogram"].back()["count"], 1);
  EXPECT_FALSE(FormatQualitySignals(q).empty());
  EXPECT_EQ(FormatQualitySignals(nlohmann::ordered_json()), "");
}

}  // namespace
}  // namespace codi
