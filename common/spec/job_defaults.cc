#include "common/spec/job_defaults.h"

#include <string>
#include <utility>

#include "common/method/phenomena.h"

namespace codi {
namespace {

bool RoleListed(const codi::v1::JobSpec& spec, std::string_view role) {
  for (const auto& r : spec.roles()) {
    if (r.name() == role) return true;
  }
  return false;
}

}  // namespace

codi::v1::JobSpec WithDefaults(codi::v1::JobSpec spec) {
  namespace d = job_defaults;
  if (spec.samples_per_document() == 0) spec.set_samples_per_document(d::kSamplesPerDocument);

  auto* documents = spec.mutable_documents();
  if (documents->max_document_bytes() == 0) {
    documents->set_max_document_bytes(d::kMaxDocumentBytes);
  }

  auto* prompt = spec.mutable_prompt();
  if (prompt->system().empty()) prompt->set_system(std::string(d::kSystemPrompt));
  if (prompt->history_header().empty()) {
    prompt->set_history_header(std::string(d::kHistoryHeader));
  }
  if (prompt->instruction_header().empty()) {
    prompt->set_instruction_header(std::string(d::kInstructionHeader));
  }

  auto* teacher = spec.mutable_teacher();
  if (teacher->model().empty()) teacher->set_model(std::string(d::kTeacherModel));
  if (teacher->api_key_env().empty()) teacher->set_api_key_env(std::string(d::kApiKeyEnv));
  if (!teacher->has_temperature()) teacher->set_temperature(d::kTemperature);
  if (!teacher->has_top_p()) teacher->set_top_p(d::kTopP);
  if (teacher->max_tokens() == 0) teacher->set_max_tokens(d::kTeacherMaxTokens);
  if (teacher->connect_timeout_ms() == 0) teacher->set_connect_timeout_ms(d::kConnectTimeoutMs);
  if (teacher->read_timeout_ms() == 0) teacher->set_read_timeout_ms(d::kReadTimeoutMs);
  if (teacher->max_attempts() == 0) teacher->set_max_attempts(d::kTeacherMaxAttempts);
  if (teacher->backoff_base_ms() == 0) teacher->set_backoff_base_ms(d::kBackoffBaseMs);
  if (teacher->backoff_max_ms() == 0) teacher->set_backoff_max_ms(d::kBackoffMaxMs);

  auto* validation = spec.mutable_validation();
  if (validation->max_attempts() == 0) validation->set_max_attempts(d::kValidationMaxAttempts);
  if (validation->min_chars() == 0) validation->set_min_chars(d::kMinChars);
  if (validation->max_chars() == 0) validation->set_max_chars(d::kMaxChars);
  if (!validation->has_reject_repeats()) validation->set_reject_repeats(d::kRejectRepeats);

  auto* output = spec.mutable_output();
  if (output->shards() == 0) output->set_shards(d::kOutputShards);
  if (!output->has_include_context_turn()) {
    output->set_include_context_turn(d::kIncludeContextTurn);
  }

  const std::pair<std::string_view, double> kBuiltinRoles[] = {
      {"CONTEXT", d::kContextWeight}, {"USER", d::kUserWeight}, {"AGENT", d::kAgentWeight}};
  for (const auto& [name, weight] : kBuiltinRoles) {
    if (RoleListed(spec, name)) continue;
    auto* role = spec.add_roles();
    role->set_name(std::string(name));
    role->set_weight(weight);
  }

  const auto& builtins = BuiltinPhenomena();
  auto* phenomena = spec.mutable_phenomena();
  for (const auto& link : spec.graph().links()) {
    for (const auto& choice : link.phenomena()) {
      if (phenomena->contains(choice.name())) continue;
      if (auto it = builtins.find(choice.name()); it != builtins.end()) {
        (*phenomena)[choice.name()].set_instruction(it->second);
      }
    }
  }
  return spec;
}

double RoleWeight(const codi::v1::JobSpec& spec, std::string_view role) {
  for (const auto& r : spec.roles()) {
    if (r.name() == role) return r.weight();
  }
  if (role == "AGENT") return job_defaults::kAgentWeight;
  if (role == "USER") return job_defaults::kUserWeight;
  if (role == "CONTEXT") return job_defaults::kContextWeight;
  return 0.0;
}

std::map<std::string, std::string> ChatRoles(const codi::v1::JobSpec& spec) {
  std::map<std::string, std::string> roles;
  for (const auto& [role, chat_role] : job_defaults::kChatRoles) {
    roles.emplace(role, chat_role);
  }
  for (const auto& [role, chat_role] : spec.output().chat_roles()) roles[role] = chat_role;
  return roles;
}

std::string DatasetLicense(const codi::v1::JobSpec& spec) {
  return spec.output().license().empty() ? std::string(job_defaults::kLicense)
                                         : spec.output().license();
}

}  // namespace codi
