// Semantic checks of a job spec, run at submission so that a bad job is
// rejected with one line naming the field and the problem (SPEC section 2).
// Works on a spec as written (unset fields mean their defaults) and on one
// passed through WithDefaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "codi/v1/job.pb.h"

namespace codi {

inline constexpr uint32_t kMaxConversationLength = 1000;  // graph.length n and max
inline constexpr uint32_t kMaxSamplesPerDocument = 1000000;
inline constexpr uint32_t kMaxTeacherAttempts = 20;
inline constexpr uint32_t kMaxOutputShards = 4096;
inline constexpr size_t kMaxJobNameLength = 128;
inline constexpr size_t kMaxLicenseLength = 64;  // output.license

// Placeholders allowed in prompt.system and in a link's instruction.
const std::vector<std::string>& SystemPromptPlaceholders();  // title, document, doc_id
const std::vector<std::string>&
LinkInstructionPlaceholders();  // role, title, doc_id, seed, phenomena

// The first problem found: `path` names the field as in the job file, e.g.
// "graph.links[2].next.answr_span" (list indexes, map keys as path parts).
struct SpecProblem {
  std::string path;
  std::string message;
};
std::optional<SpecProblem> FindSpecProblem(const codi::v1::JobSpec& spec);

// OK, or InvalidArgument "field.path: message" for the first problem found.
[[nodiscard]] absl::Status ValidateJobSpec(const codi::v1::JobSpec& spec);

// OK when every declared role (CONTEXT, USER, AGENT and the listed ones) has
// a chat role (ChatRoles), so the job can be exported in the `chat` format;
// else InvalidArgument naming the first role without one. Not part of
// ValidateJobSpec: a job with extra roles is valid for the other formats.
[[nodiscard]] absl::Status CheckChatRolesCoverRoles(const codi::v1::JobSpec& spec);

}  // namespace codi
