// The OpenAI chat-completions wire format (POST {base}/chat/completions), as
// vLLM speaks it: request encoding, response decoding, error-body messages.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/teacher/teacher_client.h"

namespace codi {

// {"model", "messages", "max_tokens", "temperature", "top_p", "seed", "stop"
// (only when non-empty), "stream": false}. vLLM accepts seeds in the int64
// range only, so the seed's top bit is dropped. Invalid UTF-8 in the texts is
// replaced with U+FFFD rather than failing.
std::string EncodeChatCompletionRequest(const CompletionRequest& request);

// Reads choices[0].message.content (null gives ""), choices[0].finish_reason,
// usage.prompt_tokens, usage.completion_tokens and
// usage.prompt_tokens_details.cached_tokens (absent or null give 0). A body
// that is not JSON or has no choices is InvalidArgument naming the JSON path.
// `attempts` and `endpoint` of the result are left for the caller.
[[nodiscard]] absl::StatusOr<CompletionResult> DecodeChatCompletionResponse(absl::string_view body);

// The server's explanation in an error reply, on one line and at most
// `max_chars` long: error.message (OpenAI, current vLLM), message (older
// vLLM), error when it is a string, else the body itself.
std::string ErrorMessageFromBody(absl::string_view body, size_t max_chars = 300);

}  // namespace codi
