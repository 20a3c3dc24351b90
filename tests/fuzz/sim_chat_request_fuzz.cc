// Fuzzes the simulator's request handling (tools/teacher_sim): the
// chat-completion request body codi-teacher-sim parses for every POST, and on
// what parses, the prompt parser and reply writer the simulator runs on the
// request's messages.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "tests/fuzz/fuzz_check.h"
#include "tools/teacher_sim/chat_request.h"
#include "tools/teacher_sim/reply/prompt_parser.h"
#include "tools/teacher_sim/reply/reply_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<codi::ChatRequest> request = codi::ParseChatRequest(body);
  if (!request.ok()) {
    FUZZ_CHECK_CLEAR_ERROR(request.status());
    FUZZ_CHECK(request.status().code() == absl::StatusCode::kInvalidArgument, "code %d",
               static_cast<int>(request.status().code()));
    return 0;
  }
  FUZZ_CHECK(!request->messages.empty(), "a request without messages parsed");
  FUZZ_CHECK(!request->max_tokens.has_value() || *request->max_tokens >= 1, "max_tokens %lld",
             static_cast<long long>(*request->max_tokens));
  (void)codi::WriteReply(codi::ParsePrompt(request->messages), request->seed);
  return 0;
}
