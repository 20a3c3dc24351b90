#include "common/teacher/chat_completion_json.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

TEST(EncodeChatCompletionRequest, KeepsTheSeedInVllmsInt64Range) {
  CompletionRequest request;
  request.seed = 0xFFFFFFFFFFFFFFFFull;
  const Json body = Json::parse(EncodeChatCompletionRequest(request));
  EXPECT_EQ(body["seed"].get<uint64_t>(), 0x7FFFFFFFFFFFFFFFull);
}

TEST(EncodeChatCompletionRequest, ReplacesInvalidUtf8InsteadOfFailing) {
  CompletionRequest request;
  request.messages = {{"user", std::string("caf\xC3", 4)}};
  const Json body = Json::parse(EncodeChatCompletionRequest(request));
  EXPECT_EQ(body["messages"][0]["content"], "caf\xEF\xBF\xBD");
}

TEST(DecodeChatCompletionResponse, NamesTheJsonPathOfWhatIsMissing) {
  struct Case {
    std::string body;
    std::string path;
  };
  for (const Case& c : std::vector<Case>{
           {"", "$"},
           {"[1]", "$"},
           {R"({"choices": {}})", "choices"},
           {R"({"choices": [7]})", "choices[0]"},
           {R"({"choices": [{"text": "legacy"}]})", "choices[0].message"},
           {R"({"choices": [{"message": {"content": 5}}]})", "choices[0].message.content"},
       }) {
    SCOPED_TRACE(c.body);
    absl::StatusOr<CompletionResult> result = DecodeChatCompletionResponse(c.body);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(c.path + ":"));
  }
}

TEST(DecodeChatCompletionResponse, ToleratesOddTokenCounts) {
  absl::StatusOr<CompletionResult> result = DecodeChatCompletionResponse(
      R"({"choices": [{"message": {"content": "x"}, "finish_reason": null}],
          "usage": {"prompt_tokens": -3, "completion_tokens": "7",
                    "prompt_tokens_details": {"cached_tokens": 12.0}}})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->prompt_tokens, 0u);
  EXPECT_EQ(result->completion_tokens, 0u);
  EXPECT_EQ(result->cached_tokens, 12u);
  EXPECT_EQ(result->finish_reason, "");
}

TEST(ErrorMessageFromBody, ReadsOpenAiAndOlderVllmErrorShapes) {
  EXPECT_EQ(ErrorMessageFromBody(R"({"error": {"message": "bad\nthing", "code": 400}})"),
            "bad thing");
  EXPECT_EQ(ErrorMessageFromBody(R"({"object": "error", "message": "no model"})"), "no model");
  EXPECT_EQ(ErrorMessageFromBody(R"({"error": "Unauthorized"})"), "Unauthorized");
  EXPECT_EQ(ErrorMessageFromBody("Bad Gateway"), "Bad Gateway");
  EXPECT_EQ(ErrorMessageFromBody(""), "(empty body)");
  EXPECT_EQ(ErrorMessageFromBody(std::string(1000, 'x'), 10), "xxxxxxxxxx...");
}

}  // namespace
}  // namespace codi
