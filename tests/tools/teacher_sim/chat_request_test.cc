#include "tools/teacher_sim/chat_request.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(ChatRequest, ReadsTheFieldsCodiSends) {
  auto r = ParseChatRequest(R"({"model": "llama", "messages": [
      {"role": "system", "content": "doc"}, {"role": "user", "content": "hi"}],
      "max_tokens": 64, "temperature": 0.7, "top_p": 0.95, "seed": 12,
      "stop": ["\n\n", "[USER]"], "n": 1, "stream": false})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->model, "llama");
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[1].role, "user");
  EXPECT_EQ(r->messages[1].content, "hi");
  EXPECT_EQ(r->max_tokens, 64);
  EXPECT_EQ(r->seed, 12u);
  EXPECT_EQ(r->stop, (std::vector<std::string>{"\n\n", "[USER]"}));
}

TEST(ChatRequest, AcceptsTextPartsAStopStringAndNulls) {
  auto r = ParseChatRequest(R"({"messages": [{"role": "user", "content":
      [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
      {"role": "assistant", "content": null}], "stop": "END", "max_tokens": null, "seed": 3.0})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->messages[0].content, "a\nb");
  EXPECT_EQ(r->messages[1].content, "");
  EXPECT_EQ(r->stop, std::vector<std::string>{"END"});
  EXPECT_FALSE(r->max_tokens.has_value());
  EXPECT_EQ(r->seed, 3u);
}

// Each bad body is rejected with a message naming the JSON path.
TEST(ChatRequest, RejectsBadBodiesNamingThePath) {
  const std::pair<const char*, const char*> cases[] = {
      {"{not json", "not valid JSON"},
      {"[1, 2]", "$"},
      {R"({"model": "m"})", "messages"},
      {R"({"messages": []})", "messages"},
      {R"({"messages": "hi"})", "messages"},
      {R"({"messages": [{"content": "x"}]})", "messages[0].role"},
      {R"({"messages": [{"role": "user", "content": 5}]})", "messages[0].content"},
      {R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": "9"})", "max_tokens"},
      {R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0})", "max_tokens"},
      {R"({"messages": [{"role": "user", "content": "x"}], "temperature": -1})", "temperature"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stop": [1]})", "stop[0]"},
      {R"({"messages": [{"role": "user", "content": "x"}], "n": 2})", "n"},
      {R"({"messages": [{"role": "user", "content": "x"}], "stream": true})", "stream"},
      {R"({"messages": [{"role": "user", "content": "x"}], "seed": "a"})", "seed"},
  };
  for (const auto& [body, path] : cases) {
    auto r = ParseChatRequest(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(path), absl::string_view::npos)
        << body << " -> " << r.status().message();
  }
}

}  // namespace
}  // namespace codi
