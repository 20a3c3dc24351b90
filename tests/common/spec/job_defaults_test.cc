#include "common/spec/job_defaults.h"

#include "common/method/phenomena.h"
#include "common/spec/job_spec_validator.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/job_specs.h"

namespace codi {
namespace {

using codi::v1::JobSpec;

JobSpec MinimalSpec() {
  JobSpec spec = testing::AskAnswerJob("demo", /*length=*/4);
  auto* ask = spec.mutable_graph()->mutable_links(0);
  ask->set_instruction("Ask.");
  auto* coref = ask->add_phenomena();
  coref->set_name("coreference");
  coref->set_probability(0.5);
  spec.mutable_graph()->mutable_links(1)->set_instruction("Answer.");
  return spec;
}

TEST(WithDefaults, FillsEveryUnsetSetting) {
  const JobSpec spec = WithDefaults(MinimalSpec());
  EXPECT_EQ(spec.samples_per_document(), 1u);
  EXPECT_EQ(spec.documents().max_document_bytes(), 200000u);
  EXPECT_EQ(spec.prompt().system(),
            "You write one turn at a time of a conversation between a user and an AI assistant "
            "about the document below. Every turn must be grounded in the document.\n\n"
            "Title: {title}\nDocument:\n{document}");
  EXPECT_EQ(spec.prompt().history_header(), "Conversation so far:");
  EXPECT_EQ(spec.prompt().instruction_header(), "Your task:");
  const auto& teacher = spec.teacher();
  EXPECT_EQ(teacher.model(), "teacher");
  EXPECT_EQ(teacher.api_key_env(), "CODI_TEACHER_API_KEY");
  EXPECT_TRUE(teacher.has_temperature());
  EXPECT_DOUBLE_EQ(teacher.temperature(), 0.7);
  EXPECT_TRUE(teacher.has_top_p());
  EXPECT_DOUBLE_EQ(teacher.top_p(), 0.95);
  EXPECT_EQ(teacher.max_tokens(), 256u);
  EXPECT_EQ(teacher.connect_timeout_ms(), 5000u);
  EXPECT_EQ(teacher.read_timeout_ms(), 120000u);
  EXPECT_EQ(teacher.max_attempts(), 6u);
  EXPECT_EQ(teacher.backoff_base_ms(), 200u);
  EXPECT_EQ(teacher.backoff_max_ms(), 10000u);
  EXPECT_TRUE(teacher.endpoints().empty());  // the CLI supplies --teacher
  const auto& validation = spec.validation();
  EXPECT_EQ(validation.max_attempts(), 4u);
  EXPECT_EQ(validation.min_chars(), 1u);
  EXPECT_EQ(validation.max_chars(), 4000u);
  EXPECT_TRUE(validation.has_reject_repeats());
  EXPECT_TRUE(validation.reject_repeats());
  EXPECT_EQ(spec.output().shards(), 4u);
  EXPECT_TRUE(spec.output().has_include_context_turn());
  EXPECT_TRUE(spec.output().include_context_turn());
  // Link max_tokens 0 means "the teacher's", so it is not filled in.
  EXPECT_EQ(spec.graph().links(0).max_tokens(), 0u);
}

TEST(WithDefaults, KeepsExplicitZeroAndFalseInOptionalFields) {
  JobSpec spec = MinimalSpec();
  spec.mutable_teacher()->set_temperature(0);
  spec.mutable_validation()->set_reject_repeats(false);
  spec.mutable_output()->set_include_context_turn(false);
  const JobSpec filled = WithDefaults(spec);
  EXPECT_TRUE(filled.teacher().has_temperature());
  EXPECT_EQ(filled.teacher().temperature(), 0.0);
  EXPECT_FALSE(filled.validation().reject_repeats());
  EXPECT_FALSE(filled.output().include_context_turn());
}

TEST(WithDefaults, KeepsValuesThatAreSet) {
  JobSpec spec = MinimalSpec();
  spec.set_samples_per_document(3);
  spec.mutable_teacher()->set_model("llama");
  spec.mutable_teacher()->set_max_attempts(2);
  spec.mutable_prompt()->set_system("{document}");
  spec.mutable_output()->set_shards(16);
  const JobSpec filled = WithDefaults(spec);
  EXPECT_EQ(filled.samples_per_document(), 3u);
  EXPECT_EQ(filled.teacher().model(), "llama");
  EXPECT_EQ(filled.teacher().max_attempts(), 2u);
  EXPECT_EQ(filled.prompt().system(), "{document}");
  EXPECT_EQ(filled.output().shards(), 16u);
}

TEST(WithDefaults, AppendsTheBuiltinRolesAfterTheListedOnes) {
  JobSpec spec = MinimalSpec();
  auto* tool = spec.add_roles();
  tool->set_name("TOOL");
  tool->set_weight(0.5);
  auto* user = spec.add_roles();
  user->set_name("USER");
  user->set_weight(0.25);
  const JobSpec filled = WithDefaults(spec);
  ASSERT_EQ(filled.roles_size(), 4);
  EXPECT_EQ(filled.roles(0).name(), "TOOL");
  EXPECT_EQ(filled.roles(1).name(), "USER");
  EXPECT_DOUBLE_EQ(filled.roles(1).weight(), 0.25);  // the listed weight wins
  EXPECT_EQ(filled.roles(2).name(), "CONTEXT");
  EXPECT_DOUBLE_EQ(filled.roles(2).weight(), 0.0);
  EXPECT_EQ(filled.roles(3).name(), "AGENT");
  EXPECT_DOUBLE_EQ(filled.roles(3).weight(), 1.0);
}

TEST(WithDefaults, FillsInBuiltinPhenomenaThatLinksUseButKeepsOverrides) {
  JobSpec spec = MinimalSpec();
  auto* marker = spec.mutable_graph()->mutable_links(1)->add_phenomena();
  marker->set_name("discourse_marker");
  marker->set_probability(1);
  (*spec.mutable_phenomena())["discourse_marker"].set_instruction("Start with 'So'.");
  const JobSpec filled = WithDefaults(spec);
  ASSERT_EQ(filled.phenomena().size(), 2u);
  EXPECT_EQ(filled.phenomena().at("coreference").instruction(),
            BuiltinPhenomena().at("coreference"));
  EXPECT_EQ(filled.phenomena().at("discourse_marker").instruction(), "Start with 'So'.");
  EXPECT_FALSE(filled.phenomena().contains("ellipsis"));  // only the ones links use
}

TEST(WithDefaults, IsIdempotentAndKeepsAValidSpecValid) {
  const JobSpec once = WithDefaults(MinimalSpec());
  const JobSpec twice = WithDefaults(once);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(once, twice));
  EXPECT_TRUE(ValidateJobSpec(once).ok()) << ValidateJobSpec(once);
}

TEST(RoleWeight, UsesTheListedWeightThenTheBuiltinOne) {
  JobSpec spec = MinimalSpec();
  EXPECT_DOUBLE_EQ(RoleWeight(spec, "AGENT"), 1.0);
  EXPECT_DOUBLE_EQ(RoleWeight(spec, "USER"), 0.0);
  EXPECT_DOUBLE_EQ(RoleWeight(spec, "CONTEXT"), 0.0);
  EXPECT_DOUBLE_EQ(RoleWeight(spec, "TOOL"), 0.0);
  auto* agent = spec.add_roles();
  agent->set_name("AGENT");
  agent->set_weight(0.5);
  auto* user = spec.add_roles();
  user->set_name("USER");
  user->set_weight(0.1);
  EXPECT_DOUBLE_EQ(RoleWeight(spec, "AGENT"), 0.5);
  EXPECT_DOUBLE_EQ(RoleWeight(spec, "USER"), 0.1);
}

}  // namespace
}  // namespace codi
