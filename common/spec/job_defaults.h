// Every job default, declared once (job.proto documents the same values per
// field). A zero or empty field means "use the default"; proto3 `optional`
// fields use the default only when they are unset, so an explicit
// `temperature: 0` stays 0.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "codi/v1/job.pb.h"

namespace codi {

namespace job_defaults {
inline constexpr uint32_t kSamplesPerDocument = 1;
inline constexpr uint64_t kMaxDocumentBytes = 200000;
inline constexpr std::string_view kSystemPrompt =
    "You write one turn at a time of a conversation between a user and an AI assistant about "
    "the document below. Every turn must be grounded in the document.\n\n"
    "Title: {title}\nDocument:\n{document}";
inline constexpr std::string_view kHistoryHeader = "Conversation so far:";
inline constexpr std::string_view kInstructionHeader = "Your task:";
inline constexpr std::string_view kTeacherModel = "teacher";
inline constexpr std::string_view kApiKeyEnv = "CODI_TEACHER_API_KEY";
inline constexpr double kTemperature = 0.7;
inline constexpr double kTopP = 0.95;
inline constexpr uint32_t kTeacherMaxTokens = 256;
inline constexpr uint32_t kConnectTimeoutMs = 5000;
inline constexpr uint32_t kReadTimeoutMs = 120000;
inline constexpr uint32_t kTeacherMaxAttempts = 6;
inline constexpr uint32_t kBackoffBaseMs = 200;
inline constexpr uint32_t kBackoffMaxMs = 10000;
inline constexpr uint32_t kValidationMaxAttempts = 4;
inline constexpr uint32_t kMinChars = 1;
inline constexpr uint32_t kMaxChars = 4000;
inline constexpr bool kRejectRepeats = true;
inline constexpr uint32_t kOutputShards = 4;
inline constexpr bool kIncludeContextTurn = true;
// Licence id written to an export's dataset card when the job names none.
inline constexpr std::string_view kLicense = "unknown";
// The roles every job declares, with their training weights.
inline constexpr double kContextWeight = 0.0;
inline constexpr double kUserWeight = 0.0;
inline constexpr double kAgentWeight = 1.0;
// Chat roles of the built-in roles in the `chat` export format; a job's
// output.chat_roles overrides them and must add every other declared role.
inline constexpr std::pair<std::string_view, std::string_view> kChatRoles[] = {
    {"CONTEXT", "system"}, {"USER", "user"}, {"AGENT", "assistant"}};
}  // namespace job_defaults

// Returns `spec` with every unset or zero field that has a default filled in:
// the settings above; the roles CONTEXT, USER and AGENT appended (in that
// order, after the listed ones) when not listed; and the built-in phenomena a
// link references but the job does not declare. Link.max_tokens 0 stays 0
// (it means the teacher's max_tokens). Idempotent.
codi::v1::JobSpec WithDefaults(codi::v1::JobSpec spec);

// The training weight of turns of `role`: the job's `roles` entry if listed,
// else the built-in weight of CONTEXT, USER or AGENT, else 0.
double RoleWeight(const codi::v1::JobSpec& spec, std::string_view role);

// Role name -> chat role (system, user, assistant) for the `chat` export
// format: job_defaults::kChatRoles with the job's output.chat_roles over them.
// Not filled in by WithDefaults, so specs stored before the field existed
// export the same way.
std::map<std::string, std::string> ChatRoles(const codi::v1::JobSpec& spec);

// The dataset licence: output.license, or job_defaults::kLicense.
std::string DatasetLicense(const codi::v1::JobSpec& spec);

}  // namespace codi
