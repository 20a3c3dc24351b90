// The prompt contract between codi and the simulator, tested once from end to
// end: a job spec with the default layout (common/spec/job_defaults.h) goes
// through codi's PromptBuilder, and the simulator's ParsePrompt must read back
// every part of every turn's prompt exactly.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/method/phenomena.h"
#include "common/method/prompt_builder.h"
#include "common/spec/job_defaults.h"
#include "common/spec/job_spec_loader.h"
#include "gtest/gtest.h"
#include "tests/tools/teacher_sim/prompt_fixture.h"
#include "tools/teacher_sim/reply/prompt_parser.h"
#include "tools/teacher_sim/reply/reply_writer.h"

namespace codi {
namespace {

// Several links with placeholders, a multi-line instruction, a seed pool read
// from the document, built-in, overridden and never-chosen phenomena and a
// declared role. No `prompt:` section: the templates are the defaults.
constexpr char kJob[] = R"(name: contract
seed: 17
roles: [{name: NARRATOR, weight: 0.5}]
graph:
  start: {ask: 1}
  length: {n: 5}
  links:
    - name: ask
      role: USER
      instruction: Ask about {title} as a curious {role}.
      seed_pool: questions
      phenomena: [{name: discourse_marker, probability: 1.0}]
      next: {answer: 1}
    - name: answer
      role: AGENT
      instruction: "Answer from document {doc_id} only.\nUse a short span."
      next: {followup: 1, recap: 1}
    - name: followup
      role: USER
      instruction: Follow up on the last answer.
      phenomena:
        - {name: coreference, probability: 1.0}
        - {name: clarification, probability: 0.0}
        - {name: ellipsis, probability: 1.0}
      next: {answer: 1}
    - name: recap
      role: NARRATOR
      instruction: Sum up the conversation.
      next: {ask: 1}
phenomena:
  ellipsis: {instruction: Leave out what the last turn made clear.}
seed_pools:
  questions:
    document_field: questions
    items: ["Who is this about?", "When did it happen?"]
)";

// What the parser must read out of one turn's prompt, written out by hand.
struct ExpectedTurn {
  std::string link;
  std::string role;
  std::string instruction;
  std::string example;
  std::string phenomena;
};

absl::StatusOr<codi::v1::JobSpec> ContractJob() {
  absl::StatusOr<codi::v1::JobSpec> spec = ParseJobSpec(kJob, "contract.yaml");
  if (!spec.ok()) return spec.status();
  return WithDefaults(*std::move(spec));
}

absl::StatusOr<PromptBuilder> ContractBuilder() {
  absl::StatusOr<codi::v1::JobSpec> spec = ContractJob();
  if (!spec.ok()) return spec.status();
  return PromptBuilder::Create(*spec);
}

codi::v1::Document VancouverDocument() {
  codi::v1::Document doc;
  doc.set_id("vancouver-1");
  doc.set_title("Vancouver");
  // Two paragraphs: the document runs to the end of the system message.
  doc.set_text(absl::StrCat(testing::kVancouver,
                            "\n\nIts port is the busiest in Canada.\nTitle: not a title line."));
  (*doc.mutable_seeds())["questions"].add_items("How many people live in Vancouver?");
  return doc;
}

void ExpectHistory(const ParsedPrompt& parsed, const std::vector<codi::v1::Turn>& history) {
  ASSERT_EQ(parsed.history.size(), history.size());
  for (size_t i = 0; i < history.size(); ++i) {
    EXPECT_EQ(parsed.history[i].role, history[i].role()) << "turn " << i;
    EXPECT_EQ(parsed.history[i].text, history[i].text()) << "turn " << i;
  }
}

TEST(PromptContract, TheSimulatorReadsEveryPartOfEachTurnOfARealConversation) {
  absl::StatusOr<codi::v1::JobSpec> spec = ContractJob();
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->prompt().system(), job_defaults::kSystemPrompt);
  ASSERT_EQ(spec->prompt().history_header(), job_defaults::kHistoryHeader);
  ASSERT_EQ(spec->prompt().instruction_header(), job_defaults::kInstructionHeader);
  absl::StatusOr<PromptBuilder> builder = PromptBuilder::Create(*spec);
  ASSERT_TRUE(builder.ok()) << builder.status();
  const codi::v1::Document doc = VancouverDocument();
  const auto& builtin = BuiltinPhenomena();

  const std::vector<ExpectedTurn> turns = {
      {"ask", "USER", "Ask about Vancouver as a curious USER.",
       "How many people live in Vancouver?",
       absl::StrCat("discourse_marker: ", builtin.at("discourse_marker"))},
      {"answer", "AGENT", "Answer from document vancouver-1 only. Use a short span.", "", ""},
      {"followup", "USER", "Follow up on the last answer.", "",
       absl::StrCat("coreference: ", builtin.at("coreference"),
                    "; ellipsis: Leave out what the last turn made clear.")},
      {"answer", "AGENT", "Answer from document vancouver-1 only. Use a short span.", "", ""},
      {"recap", "NARRATOR", "Sum up the conversation.", "", ""},
  };
  std::vector<codi::v1::Turn> history;
  for (uint32_t i = 0; i < turns.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("turn ", i, " (", turns[i].link, ")"));
    const TurnPlan plan = builder->PlanTurn(doc, /*sample=*/2, i, turns[i].link);
    const Prompt prompt = builder->Build(doc, history, plan);
    const ParsedPrompt parsed = ParsePrompt(prompt.messages);

    EXPECT_TRUE(parsed.layout_found);
    EXPECT_EQ(parsed.title, "Vancouver");
    EXPECT_EQ(parsed.document, doc.text());
    ExpectHistory(parsed, history);  // the first turn's "(no turns yet)" is no turn
    EXPECT_EQ(parsed.target_role, turns[i].role);
    EXPECT_EQ(parsed.instruction, turns[i].instruction);
    EXPECT_EQ(parsed.example, turns[i].example);
    EXPECT_EQ(parsed.phenomena, turns[i].phenomena);

    // The simulator's reply becomes the next prompt's history, as in a job.
    codi::v1::Turn& turn = history.emplace_back();
    turn.set_role(plan.role);
    turn.set_text(WriteReply(parsed, /*seed=*/i));
    EXPECT_FALSE(turn.text().empty());
  }
}

TEST(PromptContract, TheSimulatorReadsASeedItemFromThePoolWhenTheDocumentHasNone) {
  absl::StatusOr<PromptBuilder> builder = ContractBuilder();
  ASSERT_TRUE(builder.ok()) << builder.status();
  codi::v1::Document doc = VancouverDocument();
  doc.clear_seeds();
  doc.clear_title();
  for (uint32_t sample = 0; sample < 4; ++sample) {
    const TurnPlan plan = builder->PlanTurn(doc, sample, 0, "ask");
    const ParsedPrompt parsed = ParsePrompt(builder->Build(doc, {}, plan).messages);
    EXPECT_TRUE(parsed.layout_found);
    EXPECT_TRUE(parsed.example == "Who is this about?" || parsed.example == "When did it happen?")
        << parsed.example;
    EXPECT_EQ(parsed.example, plan.seed_item);
    EXPECT_EQ(parsed.title, "");
    EXPECT_EQ(parsed.instruction, "Ask about  as a curious USER.");
    EXPECT_EQ(parsed.document, doc.text());
  }
}

TEST(PromptContract, TheSimulatorReadsTurnsSpanningSeveralLines) {
  absl::StatusOr<PromptBuilder> builder = ContractBuilder();
  ASSERT_TRUE(builder.ok()) << builder.status();
  const codi::v1::Document doc = VancouverDocument();
  std::vector<codi::v1::Turn> history(2);
  history[0].set_role("USER");
  history[0].set_text("Where is it?\nAnd how big is it?");
  history[1].set_role("AGENT");
  history[1].set_text("In British Columbia.\n631,486 people in 2016.");
  const TurnPlan plan = builder->PlanTurn(doc, 0, 2, "followup");
  const ParsedPrompt parsed = ParsePrompt(builder->Build(doc, history, plan).messages);
  EXPECT_TRUE(parsed.layout_found);
  ExpectHistory(parsed, history);
  EXPECT_EQ(parsed.target_role, "USER");
}

}  // namespace
}  // namespace codi
