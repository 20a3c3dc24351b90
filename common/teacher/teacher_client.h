// The teacher seam: one chat-completion call against an OpenAI/vLLM-compatible
// endpoint. The executor depends only on this interface; HttpTeacherClient
// (cpp-httplib inside) is the real implementation, tests use fakes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace codi {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

struct CompletionRequest {
  std::vector<ChatMessage> messages;
  std::string model;
  uint32_t max_tokens = 256;
  double temperature = 0.7;
  double top_p = 0.95;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  // Sent as the X-Request-Id header, e.g. "job/doc/sample/turn/attempt". Lets
  // a server's logs tie requests to turns; vLLM accepts and ignores it.
  std::string request_id;
  // Requests with the same affinity key go to the same endpoint while it is
  // healthy, so vLLM's prefix cache is reused across a conversation's turns.
  uint64_t affinity_key = 0;
};

struct CompletionResult {
  std::string text;
  std::string finish_reason;  // "stop", "length", ...
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  uint64_t cached_tokens = 0;  // usage.prompt_tokens_details.cached_tokens
  uint32_t attempts = 1;       // HTTP attempts made, the successful one included
  std::string endpoint;        // base URL that answered
};

// Why a Complete() call failed for good, as a short code ("http_400",
// "timeout", "retries_exhausted", ...). It travels in the status as a payload,
// so callers read it without parsing the message; the message starts with the
// same code for people.
[[nodiscard]] absl::Status WithTeacherFailureReason(absl::Status status, absl::string_view reason);
// The code set by WithTeacherFailureReason; empty when there is none.
std::string TeacherFailureReason(const absl::Status& status);

// Thread-safe: one client serves every conversation of a process.
class TeacherClient {
 public:
  virtual ~TeacherClient() = default;

  // Returns the completion, retrying retryable failures (429, 5xx, timeouts,
  // resets, malformed bodies) with backoff. Final failures (400, 401, 403,
  // 404, 422, or retries exhausted) come back as a non-OK status whose message
  // starts with a short reason such as "http_400:" or "retries_exhausted:".
  // `attempts_out`, when given, receives the number of HTTP attempts made,
  // also on failure.
  [[nodiscard]] virtual absl::StatusOr<CompletionResult> Complete(
      const CompletionRequest& request, uint32_t* attempts_out = nullptr) = 0;
};

}  // namespace codi
