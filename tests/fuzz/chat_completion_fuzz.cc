// Fuzzes the parsers of what a teacher server sends back
// (common/teacher/chat_completion_json.h): the chat-completion response body
// and the error body a failed call carries. A teacher endpoint is outside
// input: a misbehaving proxy or server must yield an error, not a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/teacher/chat_completion_json.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<codi::CompletionResult> result = codi::DecodeChatCompletionResponse(body);
  if (!result.ok()) {
    FUZZ_CHECK_CLEAR_ERROR(result.status());
    FUZZ_CHECK(result.status().code() == absl::StatusCode::kInvalidArgument, "code %d",
               static_cast<int>(result.status().code()));
  }

  // The message shown for an error reply: one line, at most max_chars plus "...".
  for (size_t max_chars : {size_t{0}, size_t{7}, size_t{300}}) {
    const std::string message = codi::ErrorMessageFromBody(body, max_chars);
    FUZZ_CHECK(message.size() <= max_chars + 3 || (size == 0 && message == "(empty body)"),
               "message of %zu bytes for max_chars %zu", message.size(), max_chars);
    for (char c : message) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(u >= 0x20 && u != 0x7f, "control byte 0x%02x in the message", u);
    }
  }
  return 0;
}
