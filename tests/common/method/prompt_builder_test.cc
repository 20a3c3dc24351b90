#include "common/method/prompt_builder.h"

#include <set>

#include "common/spec/job_defaults.h"
#include "gtest/gtest.h"
#include "tests/support/job_specs.h"

namespace codi {
namespace {

codi::v1::JobSpec Spec() {
  codi::v1::JobSpec spec = testing::AskAnswerJob("p", /*length=*/6);
  spec.set_seed(9);
  auto* ask = spec.mutable_graph()->mutable_links(0);
  ask->set_instruction("Ask about {title} as {role}.");
  ask->set_seed_pool("questions");
  auto* p = ask->add_phenomena();
  p->set_name("coreference");
  p->set_probability(0.5);
  spec.mutable_graph()->mutable_links(1)->set_instruction("Answer with a span.");
  auto& pool = (*spec.mutable_seed_pools())["questions"];
  pool.set_document_field("questions");
  pool.add_items("Fallback question?");
  return WithDefaults(spec);
}

codi::v1::Document Doc() {
  codi::v1::Document doc;
  doc.set_id("vancouver");
  doc.set_title("Vancouver");
  doc.set_text("Vancouver is a city in Canada. It is the fourth-most densely populated city.");
  auto& q = (*doc.mutable_seeds())["questions"];
  q.add_items("Which country is Vancouver in?");
  q.add_items("How dense is it?");
  return doc;
}

codi::v1::Turn MakeTurn(const std::string& role, const std::string& text) {
  codi::v1::Turn t;
  t.set_role(role);
  t.set_text(text);
  return t;
}

TEST(PromptBuilder, EachTurnsStablePartIsAByteExactPrefixOfTheNextPrompt) {
  auto builder = PromptBuilder::Create(Spec());
  ASSERT_TRUE(builder.ok()) << builder.status();
  const auto doc = Doc();
  const std::vector<std::string> graph = {"ask", "answer", "ask", "answer", "ask", "answer"};
  const std::vector<std::string> replies = {
      "Which country is Vancouver in?", "Canada",           "How dense is it?",
      "fourth-most densely populated",  "And its country?", "Canada"};
  std::vector<codi::v1::Turn> history;
  std::string previous_stable;
  for (size_t k = 0; k < graph.size(); ++k) {
    TurnPlan plan = builder->PlanTurn(doc, 0, k, graph[k]);
    Prompt prompt = builder->Build(doc, history, plan);
    const std::string flat = prompt.Flatten();
    ASSERT_LE(prompt.stable_bytes, flat.size());
    const std::string stable = flat.substr(0, prompt.stable_bytes);
    if (k > 0) {
      // The previous turn's stable part starts this prompt, byte for byte...
      ASSERT_EQ(flat.compare(0, previous_stable.size(), previous_stable), 0) << "turn " << k;
      // ...and this stable part extends it with the new turn only.
      EXPECT_GT(stable.size(), previous_stable.size());
      EXPECT_NE(stable.find(replies[k - 1]), std::string::npos);
    }
    // The document comes first, the instruction last.
    EXPECT_EQ(prompt.messages[0].role, "system");
    EXPECT_NE(prompt.messages[0].content.find(doc.text()), std::string::npos);
    EXPECT_EQ(stable.find("Your task:"), std::string::npos);
    EXPECT_NE(flat.find("Write the next turn of the conversation as " + plan.role + "."),
              std::string::npos);
    previous_stable = stable;
    history.push_back(MakeTurn(plan.role, replies[k]));
  }
}

TEST(PromptBuilder, PlansTheSameSeedItemAndPhenomenaForTheSameKey) {
  auto builder = PromptBuilder::Create(Spec());
  ASSERT_TRUE(builder.ok());
  const auto doc = Doc();
  int with_coreference = 0;
  std::set<std::string> seeds;
  for (uint32_t sample = 0; sample < 200; ++sample) {
    TurnPlan a = builder->PlanTurn(doc, sample, 0, "ask");
    TurnPlan b = builder->PlanTurn(doc, sample, 0, "ask");
    EXPECT_EQ(a.seed_item, b.seed_item);
    EXPECT_EQ(a.phenomena, b.phenomena);
    EXPECT_EQ(a.role, "USER");
    seeds.insert(a.seed_item);
    with_coreference += !a.phenomena.empty();
  }
  // Items come from the document's own pool, both of them get drawn.
  EXPECT_EQ(seeds, (std::set<std::string>{"Which country is Vancouver in?", "How dense is it?"}));
  // Probability 0.5 over 200 draws: well inside [60, 140].
  EXPECT_GT(with_coreference, 60);
  EXPECT_LT(with_coreference, 140);
}

TEST(PromptBuilder, FallsBackToTheJobsItemsAndRendersPlaceholders) {
  auto builder = PromptBuilder::Create(Spec());
  ASSERT_TRUE(builder.ok());
  auto doc = Doc();
  doc.clear_seeds();
  TurnPlan plan = builder->PlanTurn(doc, 0, 0, "ask");
  EXPECT_EQ(plan.seed_item, "Fallback question?");
  Prompt prompt = builder->Build(doc, {}, plan);
  const std::string& user = prompt.messages[1].content;
  EXPECT_NE(user.find("Ask about Vancouver as USER."), std::string::npos) << user;
  EXPECT_NE(user.find("Example of the kind of turn wanted: Fallback question?"), std::string::npos);
  EXPECT_NE(user.find("(no turns yet)"), std::string::npos);
}

}  // namespace
}  // namespace codi
