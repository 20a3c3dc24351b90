// The subset of an OpenAI chat-completions request the simulator reads, and
// its validation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/teacher/teacher_client.h"

namespace codi {

struct ChatRequest {
  std::string model;  // empty when the request names none
  std::vector<ChatMessage> messages;
  std::optional<int64_t> max_tokens;  // unset: no limit
  uint64_t seed = 0;                  // 0 when the request has none
  std::vector<std::string> stop;
};

// Parses and validates a request body. Bad JSON, a missing or empty
// `messages`, a field of the wrong type or out of range, `n` other than 1 and
// `stream: true` give InvalidArgument with one line naming the JSON path,
// e.g. "messages[1].content: expected a string or an array of text parts".
// Unknown fields are ignored, as vLLM does. Never throws.
[[nodiscard]] absl::StatusOr<ChatRequest> ParseChatRequest(absl::string_view body);

}  // namespace codi
