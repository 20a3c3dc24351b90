#include "tests/tools/teacher_sim/prompt_fixture.h"

#include "absl/strings/str_replace.h"
#include "common/method/prompt_builder.h"
#include "common/spec/job_defaults.h"
#include "common/spec/job_spec_validator.h"
#include "gtest/gtest.h"

namespace codi::testing {

codi::v1::JobSpec JobFor(const PromptSpec& spec) {
  codi::v1::JobSpec job;
  job.set_name("sim-test");
  if (spec.role != "USER" && spec.role != "AGENT") job.add_roles()->set_name(spec.role);
  auto* link = job.mutable_graph()->add_links();
  link->set_name("turn");
  link->set_role(spec.role);
  // Braces are placeholders in a template; the instruction is literal text.
  link->set_instruction(absl::StrReplaceAll(spec.instruction, {{"{", "{{"}, {"}", "}}"}}));
  if (!spec.example.empty()) {
    link->set_seed_pool("examples");
    (*job.mutable_seed_pools())["examples"].add_items(spec.example);
  }
  for (const auto& [name, instruction] : spec.phenomena) {
    auto* choice = link->add_phenomena();
    choice->set_name(name);
    choice->set_probability(1.0);
    (*job.mutable_phenomena())[name].set_instruction(instruction);
  }
  (*job.mutable_graph()->mutable_start())["turn"] = 1;
  job.mutable_graph()->mutable_length()->set_n(1);
  job = WithDefaults(job);
  const absl::Status valid = ValidateJobSpec(job);
  EXPECT_TRUE(valid.ok()) << valid;
  return job;
}

std::vector<ChatMessage> BuildMessages(const PromptSpec& spec) {
  absl::StatusOr<PromptBuilder> builder = PromptBuilder::Create(JobFor(spec));
  EXPECT_TRUE(builder.ok()) << builder.status();
  if (!builder.ok()) return {};
  codi::v1::Document doc;
  doc.set_id("doc");
  doc.set_title(spec.title);
  doc.set_text(spec.document);
  std::vector<codi::v1::Turn> history;
  for (const auto& [role, text] : spec.turns) {
    codi::v1::Turn& turn = history.emplace_back();
    turn.set_role(role);
    turn.set_text(text);
  }
  const TurnPlan plan =
      builder->PlanTurn(doc, /*sample=*/0, static_cast<uint32_t>(history.size()), "turn");
  EXPECT_EQ(plan.role, spec.role);
  EXPECT_EQ(plan.seed_item, spec.example);
  EXPECT_EQ(plan.phenomena.size(), spec.phenomena.size());
  return builder->Build(doc, history, plan).messages;
}

}  // namespace codi::testing
