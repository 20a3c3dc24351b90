#include "common/teacher/chat_completion_json.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

// ---- The nlohmann implementation the hand-written encoder and decoder
// replaced (kept here verbatim as the reference they must match). ----

std::string ReferenceEncode(const CompletionRequest& request) {
  Json messages = Json::array();
  for (const ChatMessage& m : request.messages) {
    messages.push_back(Json{{"role", m.role}, {"content", m.content}});
  }
  Json body = {
      {"model", request.model},
      {"messages", std::move(messages)},
      {"max_tokens", request.max_tokens},
      {"temperature", request.temperature},
      {"top_p", request.top_p},
      {"seed", request.seed & static_cast<uint64_t>(std::numeric_limits<int64_t>::max())},
      {"stream", false},
  };
  if (!request.stop.empty()) body["stop"] = request.stop;
  return body.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

absl::Status ReferenceMalformed(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed completion: ", path, ": ", why));
}

uint64_t ReferenceCountAt(const Json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) return std::max<int64_t>(0, it->get<int64_t>());
  if (it->is_number_float()) {
    const double v = it->get<double>();
    return v > 0 && v < 1.8e19 ? static_cast<uint64_t>(v) : 0;
  }
  return 0;
}

absl::StatusOr<CompletionResult> ReferenceDecode(absl::string_view body) {
  Json doc = Json::parse(body.begin(), body.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return ReferenceMalformed("$", "body is not JSON");
  if (!doc.is_object()) return ReferenceMalformed("$", "body is not a JSON object");
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array() || choices->empty()) {
    return ReferenceMalformed("choices", "missing or empty");
  }
  const Json& choice = (*choices)[0];
  if (!choice.is_object()) return ReferenceMalformed("choices[0]", "not an object");
  auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) {
    return ReferenceMalformed("choices[0].message", "missing or not an object");
  }
  CompletionResult result;
  auto content = message->find("content");
  if (content != message->end() && !content->is_null()) {
    if (!content->is_string()) {
      return ReferenceMalformed("choices[0].message.content", "not a string");
    }
    result.text = content->get<std::string>();
  }
  auto finish = choice.find("finish_reason");
  if (finish != choice.end() && finish->is_string())
    result.finish_reason = finish->get<std::string>();
  auto usage = doc.find("usage");
  if (usage != doc.end() && usage->is_object()) {
    result.prompt_tokens = ReferenceCountAt(*usage, "prompt_tokens");
    result.completion_tokens = ReferenceCountAt(*usage, "completion_tokens");
    auto details = usage->find("prompt_tokens_details");
    if (details != usage->end()) result.cached_tokens = ReferenceCountAt(*details, "cached_tokens");
  }
  return result;
}

// Texts that exercise every escaping rule and the invalid-UTF-8 replacement.
// A NUL inside, so the length comes from the array, not from strlen.
constexpr char kNulAndControls[] = "nul\0byte and \x01\x1f\x7f controls";

std::vector<std::string> TrickyTexts() {
  std::vector<std::string> texts = {
      "",
      "plain ascii",
      "quotes \" and backslashes \\ and slash /",
      "line\nbreak\r\ttab\bback\fform",
      std::string(kNulAndControls, sizeof(kNulAndControls) - 1),
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBB\xBF bom",
      "truncated \xC3",
      "\xC3 lone lead then ascii",
      "overlong \xC0\xAF and \xE0\x80\xAF",
      "surrogate \xED\xA0\x80 encoded",
      "above max \xF4\x90\x80\x80",
      "stray continuation \x80\xBF",
      "\xFF\xFE",
      "mixed \xE2\x82 cut then \xE2\x82\xAC whole",
      "\xF0\x9F\x98",
      "\\u0041 is not an escape here",
  };
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  texts.push_back(all_bytes);
  return texts;
}

TEST(EncodeChatCompletionRequest, MatchesTheNlohmannDumpByteForByte) {
  const std::vector<std::string> texts = TrickyTexts();
  for (size_t i = 0; i < texts.size(); ++i) {
    SCOPED_TRACE(i);
    CompletionRequest request;
    request.messages = {{"system", texts[i]},
                        {"user", "history " + texts[(i + 1) % texts.size()]},
                        {texts[(i + 2) % texts.size()], "odd role"}};
    request.model = texts[(i + 3) % texts.size()];
    request.max_tokens = static_cast<uint32_t>(i * 1000);
    request.seed = 0xFEDCBA9876543210ull + i;
    request.temperature = std::vector<double>{0.7, 0, 1, 1e-5, 123456789.125, 2.5e300, -0.0}[i % 7];
    request.top_p = std::vector<double>{0.95, 1, 0.1, 1e21, 0.3333333333333333}[i % 5];
    if (i % 2 == 1) request.stop = {texts[i], "\n\n", ""};
    EXPECT_EQ(EncodeChatCompletionRequest(request), ReferenceEncode(request));
  }
  CompletionRequest empty;
  EXPECT_EQ(EncodeChatCompletionRequest(empty), ReferenceEncode(empty));
}

// The system message's escaped form is reused while it repeats; a different
// one (or a request after it on the same thread) must never see a stale copy.
TEST(EncodeChatCompletionRequest, ReusesNoStaleSystemMessage) {
  const std::string doc_a(600, 'a');
  const std::string doc_b = std::string(599, 'a') + "\"";
  const std::string bad = std::string(599, 'a') + "\xC3";
  for (const std::string* doc : {&doc_a, &doc_a, &doc_b, &doc_a, &bad, &bad, &doc_b}) {
    CompletionRequest request;
    request.messages = {{"system", *doc}, {"user", *doc}};
    EXPECT_EQ(EncodeChatCompletionRequest(request), ReferenceEncode(request));
  }
}

void ExpectSameDecoding(const std::string& body) {
  const absl::StatusOr<CompletionResult> got = DecodeChatCompletionResponse(body);
  const absl::StatusOr<CompletionResult> want = ReferenceDecode(body);
  ASSERT_EQ(got.status(), want.status()) << body;
  if (!want.ok()) return;
  EXPECT_EQ(got->text, want->text) << body;
  EXPECT_EQ(got->finish_reason, want->finish_reason) << body;
  EXPECT_EQ(got->prompt_tokens, want->prompt_tokens) << body;
  EXPECT_EQ(got->completion_tokens, want->completion_tokens) << body;
  EXPECT_EQ(got->cached_tokens, want->cached_tokens) << body;
}

std::vector<std::string> DecodeSeeds() {
  return {
      R"({"id":"cmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Where is \"it\"?\n\u00e9\ud83d\ude00 \/ \b\f\r\t","tool_calls":[]},"logprobs":null,"finish_reason":"stop","stop_reason":null}],"usage":{"prompt_tokens":412,"total_tokens":420,"completion_tokens":8,"prompt_tokens_details":{"cached_tokens":384}}})",
      "\xEF\xBB\xBF {\"choices\": [{\"message\": {\"content\": null}}]}  \n",
      R"({"choices":[{"message":{"content":"a"},"finish_reason":"length"},{"message":7},[1,{"x":[true,false,null]}]],"usage":{"prompt_tokens":1e3,"completion_tokens":-0,"prompt_tokens_details":null}})",
      R"({"choices":[],"choices":[{"message":{"content":"last wins"}}],"usage":{"prompt_tokens":5,"prompt_tokens":6.5}})",
      R"({"cho\u0069ces":[{"message":{"content":"escaped key"},"message":{"content":"second"}}]})",
      R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":18446744073709551616,"prompt_tokens_details":{"cached_tokens":-9223372036854775809}}})",
      R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":1.8e19,"completion_tokens":1.7e19,"prompt_tokens_details":{"cached_tokens":1e400}}})",
      R"({"choices":[{"message":{"content":"\ud800"}}]})",
      R"({"choices":[{"message":{"content":"\udc00\ud800\udc00"}}]})",
      R"({"choices":[{"message":{"content":"x"}}]} trailing)",
      R"({"choices":[{"message":{"content":["deep",[[[[{}]]]]]}}]})",
      R"([{"choices":[]}])",
      R"("just a string")",
      R"({"choices":{"0":{}}})",
      R"({"choices":[{"message":{"content":"x","content":5}}]})",
      R"({"choices":[{"message":{"content":"x"},"finish_reason":7}],"usage":[1]})",
      R"({"choices" : [ { "message" : { "content" : "sp aced" } , "finish_reason" : "stop" } ] , "usage" : { } })",
      "{\"choices\":[{\"message\":{\"content\":\"raw\ttab\"}}]}",
      "{\"choices\":[{\"message\":{\"content\":\"bad utf8 \xC3\"}}]}",
      "{\"choices\":[{\"message\":{\"content\":\"good utf8 \xC3\xA9\"}}]}",
      R"({"choices":[{"message":{"content":"x"}}],"n":[01]})",
      R"({"choices":[{"message":{"content":"x"}}],"n":[1.]})",
      R"({"choices":[{"message":{"content":"x"}}],"n":[-]})",
      R"({"choices":[{"message":{"content":"x"}}],"n":[1e]})",
      R"({"choices":[{"message":{"content":"x"}}],"n":[.5]})",
      R"({"choices":[{"message":{"content":"x"}}],"n":[tru]})",
      R"({"choices":[{"message":{"content":"x"}}],"n":{"a" 1}})",
      R"({"choices":[{"message":{"content":"x"}}],"n":{"a":1,}})",
      R"({"choices":[{"message":{"content":"x"}}],"n":[1,]})",
      "",
      " ",
      "\xEF\xBB",
      "null",
  };
}

TEST(DecodeChatCompletionResponse, AgreesWithTheNlohmannDecoderOnTrickyBodies) {
  for (const std::string& body : DecodeSeeds()) ExpectSameDecoding(body);
}

// Deterministic mutations of the seeds (bounded: 20,000 bodies): whatever a
// server sends, the result is what the nlohmann decoder gave.
TEST(DecodeChatCompletionResponse, AgreesWithTheNlohmannDecoderOnMutatedBodies) {
  const std::vector<std::string> seeds = DecodeSeeds();
  const std::string alphabet = "{}[]\":,\\/ \n0123456789.-+eEtrufalsn\x80\xC3\xA9\xED\xF0u";
  std::mt19937_64 rng(20261203);
  for (int round = 0; round < 20000; ++round) {
    std::string body = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = body.empty() ? 0 : rng() % (body.size() + 1);
      switch (rng() % 3) {
        case 0:
          if (at < body.size()) body.erase(at, 1 + rng() % 3);
          break;
        case 1:
          body.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          if (at < body.size()) body[at] = alphabet[rng() % alphabet.size()];
      }
    }
    ExpectSameDecoding(body);
    if (testing::Test::HasFailure()) break;
  }
}

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
