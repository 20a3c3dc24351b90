// The simulator over real loopback HTTP, started in-process on port 0.
#include "tools/teacher_sim/teacher_sim.h"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/tools/teacher_sim/prompt_fixture.h"

namespace codi {
namespace {

using nlohmann::json;
using testing::BuildMessages;
using testing::kVancouver;
using testing::PromptSpec;

TeacherSim::Options SmallOptions() {
  TeacherSim::Options o;
  o.threads = 8;
  o.keep_alive_s = 1;
  return o;
}

// A simulator on a free loopback port, stopped when the test ends.
class Sim {
 public:
  explicit Sim(TeacherSim::Options options = SmallOptions()) : sim_(std::move(options)) {
    absl::StatusOr<int> port = sim_.Start("127.0.0.1", 0);
    EXPECT_TRUE(port.ok()) << port.status();
    port_ = port.value_or(0);
  }
  ~Sim() { sim_.Stop(); }

  httplib::Client Client(int read_timeout_ms = 5000) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2);
    c.set_read_timeout(std::chrono::milliseconds(read_timeout_ms));
    return c;
  }
  TeacherSim& sim() { return sim_; }
  int port() const { return port_; }

 private:
  TeacherSim sim_;
  int port_ = 0;
};

json RequestBody(const PromptSpec& spec, uint64_t seed) {
  json messages = json::array();
  for (const ChatMessage& m : BuildMessages(spec)) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  return {{"model", "teacher"},
          {"messages", messages},
          {"seed", seed},
          {"max_tokens", 256},
          {"temperature", 0.7}};
}

httplib::Result Post(const httplib::Client& const_client, const json& body,
                     const httplib::Headers& headers = {}) {
  auto& client = const_cast<httplib::Client&>(const_client);
  return client.Post("/v1/chat/completions", headers, body.dump(), "application/json");
}

json ParseOrNull(const std::string& body) {
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string Content(const json& reply) {
  return reply["choices"][0]["message"]["content"].get<std::string>();
}

TEST(TeacherSim, AnswersAWellFormedRequestWithAVllmShapedCompletion) {
  Sim sim;
  auto res = Post(sim.Client(), RequestBody(PromptSpec{}, 1));
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(absl::StartsWith(res->get_header_value("Content-Type"), "application/json"));
  json r = ParseOrNull(res->body);
  ASSERT_FALSE(r.is_discarded()) << res->body;
  EXPECT_TRUE(absl::StartsWith(r["id"].get<std::string>(), "chatcmpl-"));
  EXPECT_EQ(r["object"], "chat.completion");
  EXPECT_TRUE(r["created"].is_number_integer());
  EXPECT_EQ(r["model"], "teacher");
  ASSERT_EQ(r["choices"].size(), 1u);
  EXPECT_EQ(r["choices"][0]["index"], 0);
  EXPECT_EQ(r["choices"][0]["message"]["role"], "assistant");
  EXPECT_FALSE(Content(r).empty());
  EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");
  const json& usage = r["usage"];
  EXPECT_GT(usage["prompt_tokens"].get<int>(), 100);
  EXPECT_GT(usage["completion_tokens"].get<int>(), 0);
  EXPECT_EQ(usage["total_tokens"].get<int>(),
            usage["prompt_tokens"].get<int>() + usage["completion_tokens"].get<int>());
  EXPECT_EQ(usage["prompt_tokens_details"]["cached_tokens"], 0);
}

TEST(TeacherSim, RepeatsTheReplyForTheSameRequestAndReportsCachedTokens) {
  Sim sim;
  auto client = sim.Client();
  auto first = Post(client, RequestBody(PromptSpec{}, 7));
  auto second = Post(client, RequestBody(PromptSpec{}, 7));
  ASSERT_TRUE(first && second);
  json a = ParseOrNull(first->body), b = ParseOrNull(second->body);
  EXPECT_EQ(Content(a), Content(b));
  const int prompt = b["usage"]["prompt_tokens"].get<int>();
  const int cached = b["usage"]["prompt_tokens_details"]["cached_tokens"].get<int>();
  EXPECT_GT(cached, 0);
  EXPECT_LT(cached, prompt);
  EXPECT_EQ(cached % 16, 0);  // whole blocks of --block-tokens
  EXPECT_GE(cached, prompt - 16);
}

TEST(TeacherSim, ReusesTheDocumentPrefixAcrossTurnsOfAConversation) {
  Sim sim;
  auto client = sim.Client();
  PromptSpec spec;
  auto first = Post(client, RequestBody(spec, 1));
  spec.turns = {{"USER", "What is Vancouver?"}};
  spec.role = "AGENT";
  auto second = Post(client, RequestBody(spec, 1));
  ASSERT_TRUE(first && second);
  // The system message (the document) is shared; the last message is not.
  const int cached = ParseOrNull(second->body)["usage"]["prompt_tokens_details"]["cached_tokens"];
  EXPECT_GE(cached, 100);
}

TEST(TeacherSim, UsuallyChangesTheReplyForAnotherSeed) {
  Sim sim;
  auto client = sim.Client();
  std::set<std::string> replies;
  for (uint64_t seed = 0; seed < 6; ++seed) {
    auto res = Post(client, RequestBody(PromptSpec{}, seed));
    ASSERT_TRUE(res);
    replies.insert(Content(ParseOrNull(res->body)));
  }
  EXPECT_GE(replies.size(), 3u);
}

TEST(TeacherSim, AnswersAnAgentTurnWithADocumentSpanOverlappingTheQuestion) {
  Sim sim;
  PromptSpec spec;
  spec.role = "AGENT";
  spec.instruction = "Answer the last question with a short span from the document.";
  spec.turns = {{"USER", "How many people did the 2016 census record?"}};
  auto res = Post(sim.Client(), RequestBody(spec, 2));
  ASSERT_TRUE(res);
  const std::string answer = Content(ParseOrNull(res->body));
  EXPECT_TRUE(absl::StrContains(kVancouver, answer)) << answer;
  EXPECT_TRUE(absl::StrContains(answer, "631,486") || absl::StrContains(answer, "census"))
      << answer;
}

TEST(TeacherSim, NeverRepeatsAQuestionFromTheHistory) {
  Sim sim;
  auto client = sim.Client();
  PromptSpec spec;
  auto res = Post(client, RequestBody(spec, 4));
  ASSERT_TRUE(res);
  const std::string first = Content(ParseOrNull(res->body));
  spec.turns = {{"USER", first}, {"AGENT", "Canada"}};
  res = Post(client, RequestBody(spec, 4));
  ASSERT_TRUE(res);
  const std::string second = Content(ParseOrNull(res->body));
  EXPECT_NE(second, first);
  EXPECT_TRUE(absl::EndsWith(second, "?")) << second;
}

void ExpectVllmError(const httplib::Result& res, int status, absl::string_view message_part) {
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, status) << res->body;
  json e = ParseOrNull(res->body);
  ASSERT_FALSE(e.is_discarded()) << res->body;
  EXPECT_EQ(e["object"], "error");
  EXPECT_EQ(e["code"], status);
  EXPECT_TRUE(e["param"].is_null());
  EXPECT_TRUE(absl::StrContains(e["message"].get<std::string>(), message_part)) << e["message"];
}

TEST(TeacherSim, RejectsBadRequestsWithVllmsErrorBody) {
  Sim sim;
  auto client = sim.Client();
  auto bad_json = client.Post("/v1/chat/completions", "{\"messages\": [", "application/json");
  ExpectVllmError(bad_json, 400, "not valid JSON");
  EXPECT_EQ(ParseOrNull(bad_json->body)["type"], "BadRequestError");
  ExpectVllmError(Post(client, json{{"model", "teacher"}}), 400, "messages");
  json streaming = RequestBody(PromptSpec{}, 1);
  streaming["stream"] = true;
  ExpectVllmError(Post(client, streaming), 400, "stream");
  json many = RequestBody(PromptSpec{}, 1);
  many["n"] = 3;
  ExpectVllmError(Post(client, many), 400, "n");
  json wrong_type = RequestBody(PromptSpec{}, 1);
  wrong_type["messages"][1]["content"] = 12;
  ExpectVllmError(Post(client, wrong_type), 400, "messages[1].content");
  EXPECT_EQ(sim.sim().counters().client_errors, 5u);
}

TEST(TeacherSim, RequiresTheApiKeyWhenOneIsSet) {
  TeacherSim::Options o = SmallOptions();
  o.api_key = "sekret";
  Sim sim(o);
  auto client = sim.Client();
  auto missing = Post(client, RequestBody(PromptSpec{}, 1));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  auto wrong = Post(client, RequestBody(PromptSpec{}, 1), {{"Authorization", "Bearer nope"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto right = Post(client, RequestBody(PromptSpec{}, 1), {{"Authorization", "Bearer sekret"}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  auto models = client.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 401);
  auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(TeacherSim, AnswersNotFoundForAnotherModel) {
  TeacherSim::Options o = SmallOptions();
  o.model = "llama-3-70b";
  Sim sim(o);
  auto client = sim.Client();
  ExpectVllmError(Post(client, RequestBody(PromptSpec{}, 1)), 404,
                  "The model `teacher` does not exist.");
  json right = RequestBody(PromptSpec{}, 1);
  right["model"] = "llama-3-70b";
  auto res = Post(client, right);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto models = client.Get("/v1/models");
  ASSERT_TRUE(models);
  json list = ParseOrNull(models->body);
  EXPECT_EQ(list["object"], "list");
  ASSERT_EQ(list["data"].size(), 1u);
  EXPECT_EQ(list["data"][0]["id"], "llama-3-70b");
  EXPECT_EQ(list["data"][0]["object"], "model");
}

TEST(TeacherSim, ServesHealthModelsAndMetrics) {
  Sim sim;
  auto client = sim.Client();
  auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto models = client.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(ParseOrNull(models->body)["data"][0]["id"], "codi-sim");
  ASSERT_TRUE(Post(client, RequestBody(PromptSpec{}, 1)));
  ASSERT_TRUE(Post(client, RequestBody(PromptSpec{}, 1)));
  ASSERT_TRUE(client.Post("/v1/chat/completions", "nope", "application/json"));
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  const std::string& text = metrics->body;
  EXPECT_TRUE(absl::StrContains(text, "codi_sim_requests_total{outcome=\"ok\"} 2")) << text;
  EXPECT_TRUE(absl::StrContains(text, "codi_sim_requests_total{outcome=\"bad_request\"} 1"));
  EXPECT_TRUE(absl::StrContains(text, "codi_sim_requests_total{outcome=\"429\"} 0"));
  const TeacherSim::Counters c = sim.sim().counters();
  EXPECT_TRUE(
      absl::StrContains(text, absl::StrCat("codi_sim_prompt_tokens_total ", c.prompt_tokens)));
  EXPECT_TRUE(
      absl::StrContains(text, absl::StrCat("codi_sim_cached_tokens_total ", c.cached_tokens)));
  EXPECT_TRUE(absl::StrContains(text, "codi_sim_completion_tokens_total"));
  EXPECT_TRUE(absl::StrContains(text, "codi_sim_running_requests 0"));
  EXPECT_TRUE(absl::StrContains(text, "codi_sim_waiting_requests 0"));
  EXPECT_EQ(c.requests, 3u);
  EXPECT_EQ(c.replies, 2u);
  EXPECT_GT(c.cached_tokens, 0u);
}

TEST(TeacherSim, HonoursMaxTokensAndStopStrings) {
  Sim sim;
  auto client = sim.Client();
  json body = RequestBody(PromptSpec{}, 1);
  auto full = Post(client, body);
  ASSERT_TRUE(full);
  const std::string content = Content(ParseOrNull(full->body));
  ASSERT_GT(ParseOrNull(full->body)["usage"]["completion_tokens"].get<int>(), 2) << content;

  body["max_tokens"] = 2;
  json cut = ParseOrNull(Post(client, body)->body);
  EXPECT_EQ(cut["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(cut["usage"]["completion_tokens"], 2);
  EXPECT_TRUE(absl::StartsWith(content, Content(cut))) << Content(cut);

  body["max_tokens"] = 256;
  const std::string stop = content.substr(content.find(' ') + 1, 3);
  body["stop"] = json::array({stop});
  json stopped = ParseOrNull(Post(client, body)->body);
  EXPECT_EQ(stopped["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(Content(stopped), content.substr(0, content.find(stop)));
}

TEST(TeacherSim, RejectsPromptsLongerThanTheModelLength) {
  TeacherSim::Options o = SmallOptions();
  o.max_model_len = 50;
  Sim sim(o);
  ExpectVllmError(Post(sim.Client(), RequestBody(PromptSpec{}, 1)), 400,
                  "maximum context length is 50 tokens");
}

TEST(TeacherSim, AnswersAWeirdButValidRequest) {
  Sim sim;
  auto client = sim.Client();
  for (const json& messages : {
           json::array({{{"role", "user"}, {"content", "hello"}}}),
           json::array({{{"role", "user"}, {"content", ""}}}),
           json::array({{{"role", "system"}, {"content", "Your task:"}},
                        {{"role", "user"}, {"content", "Your task:\nWrite the next turn"}}}),
           json::array({{{"role", "tool"}, {"content", "[X] y\n[Y]"}},
                        {{"role", "assistant"}, {"content", nullptr}}}),
       }) {
    auto res = Post(client, json{{"messages", messages}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << messages.dump() << " -> " << res->body;
    EXPECT_FALSE(ParseOrNull(res->body).is_discarded());
  }
}

// ---- faults ---------------------------------------------------------------

TeacherSim::Options WithFault(double FaultRates::*rate) {
  TeacherSim::Options o = SmallOptions();
  o.faults.*rate = 1.0;
  return o;
}

TEST(TeacherSimFaults, Fail500) {
  Sim sim(WithFault(&FaultRates::http_500));
  ExpectVllmError(Post(sim.Client(), RequestBody(PromptSpec{}, 1)), 500, "simulated");
  EXPECT_EQ(sim.sim().counters().faults, 1u);
}

TEST(TeacherSimFaults, Fail503) {
  Sim sim(WithFault(&FaultRates::http_503));
  ExpectVllmError(Post(sim.Client(), RequestBody(PromptSpec{}, 1)), 503, "simulated");
}

TEST(TeacherSimFaults, Fail429WithRetryAfter) {
  TeacherSim::Options o = WithFault(&FaultRates::http_429);
  o.retry_after_s = 7;
  Sim sim(o);
  auto res = Post(sim.Client(), RequestBody(PromptSpec{}, 1));
  ExpectVllmError(res, 429, "simulated");
  EXPECT_EQ(res->get_header_value("Retry-After"), "7");
}

TEST(TeacherSimFaults, HangOutlastsTheClientsReadTimeout) {
  TeacherSim::Options o = WithFault(&FaultRates::hang);
  o.hang_ms = 1000;
  Sim sim(o);
  const absl::Time start = absl::Now();
  auto res = Post(sim.Client(/*read_timeout_ms=*/150), RequestBody(PromptSpec{}, 1));
  EXPECT_FALSE(res);
  EXPECT_EQ(res.error(), httplib::Error::Read);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(900));
}

TEST(TeacherSimFaults, HangDropsTheConnectionWithoutAReply) {
  TeacherSim::Options o = WithFault(&FaultRates::hang);
  o.hang_ms = 200;
  Sim sim(o);
  const absl::Time start = absl::Now();
  auto res = Post(sim.Client(/*read_timeout_ms=*/5000), RequestBody(PromptSpec{}, 1));
  EXPECT_FALSE(res) << res->status;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(4000));
}

TEST(TeacherSimFaults, StopEndsAHangAtOnce) {
  TeacherSim::Options o = WithFault(&FaultRates::hang);
  o.hang_ms = 60000;
  auto sim = std::make_unique<Sim>(o);
  std::atomic<bool> failed{false};
  std::thread client([&, port = sim->port()] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20);
    auto res =
        c.Post("/v1/chat/completions", RequestBody(PromptSpec{}, 1).dump(), "application/json");
    failed = !res;
  });
  // Wait (bounded) until the request is in the hang.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (sim->sim().counters().hanging == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(sim->sim().counters().hanging, 1);
  const absl::Time stop_at = absl::Now();
  sim.reset();
  EXPECT_LT(absl::Now() - stop_at, absl::Seconds(3));
  client.join();
  EXPECT_TRUE(failed);
}

TEST(TeacherSimFaults, MalformedIsA200ThatIsNotJson) {
  Sim sim(WithFault(&FaultRates::malformed));
  auto res = Post(sim.Client(), RequestBody(PromptSpec{}, 1));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(ParseOrNull(res->body).is_discarded()) << res->body;
}

TEST(TeacherSimFaults, TruncatedIsA200WithHalfAJsonBody) {
  Sim sim;
  auto normal = Post(sim.Client(), RequestBody(PromptSpec{}, 1));
  Sim faulty(WithFault(&FaultRates::truncated));
  auto res = Post(faulty.Client(), RequestBody(PromptSpec{}, 1));
  ASSERT_TRUE(res && normal);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(ParseOrNull(res->body).is_discarded()) << res->body;
  EXPECT_TRUE(absl::StartsWith(res->body, "{\"id\":\"chatcmpl-"));
  EXPECT_NEAR(static_cast<double>(res->body.size()), normal->body.size() / 2.0, 20.0);
}

TEST(TeacherSimFaults, FinishLengthCutsTheReplyShort) {
  Sim sim;
  json normal = ParseOrNull(Post(sim.Client(), RequestBody(PromptSpec{}, 1))->body);
  Sim faulty(WithFault(&FaultRates::finish_length));
  json cut = ParseOrNull(Post(faulty.Client(), RequestBody(PromptSpec{}, 1))->body);
  EXPECT_EQ(cut["choices"][0]["finish_reason"], "length");
  EXPECT_LT(cut["usage"]["completion_tokens"].get<int>(),
            normal["usage"]["completion_tokens"].get<int>());
  EXPECT_TRUE(absl::StartsWith(Content(normal), Content(cut)));
}

TEST(TeacherSimFaults, RefuseAnswersWithARefusal) {
  Sim sim(WithFault(&FaultRates::refuse));
  json r = ParseOrNull(Post(sim.Client(), RequestBody(PromptSpec{}, 1))->body);
  EXPECT_EQ(Content(r), "As an AI language model, I cannot help with that.");
  EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");
}

TEST(TeacherSimFaults, EmptyAnswersWithNoContent) {
  Sim sim(WithFault(&FaultRates::empty));
  json r = ParseOrNull(Post(sim.Client(), RequestBody(PromptSpec{}, 1))->body);
  EXPECT_EQ(Content(r), "");
  EXPECT_EQ(r["usage"]["completion_tokens"], 0);
}

// ---- latency model ----------------------------------------------------------

absl::Duration TimeConcurrentRequests(const Sim& sim, int n) {
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      auto res = Post(sim.Client(), RequestBody(PromptSpec{}, static_cast<uint64_t>(i)));
      if (res && res->status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, n);
  return absl::Now() - start;
}

TEST(TeacherSimLatency, QueuesRequestsBeyondMaxBatch) {
  TeacherSim::Options o = SmallOptions();
  o.max_batch = 1;
  o.latency_ms = 100;
  Sim sim(o);
  const absl::Duration elapsed = TimeConcurrentRequests(sim, 2);
  EXPECT_GE(elapsed, absl::Milliseconds(200));
  EXPECT_EQ(sim.sim().counters().peak_running, 1);
  // Each request held the one slot for at least its latency; the slot cannot
  // be busier than the wall time that passed.
  const TeacherSim::Counters c = sim.sim().counters();
  EXPECT_EQ(c.max_batch, 1);
  EXPECT_GE(c.busy_slot_seconds, 0.2);
  EXPECT_LE(c.busy_slot_seconds, absl::ToDoubleSeconds(elapsed) + 0.05);
  auto metrics = sim.Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("codi_sim_max_batch 1"), std::string::npos) << metrics->body;
  const std::string name = "\ncodi_sim_busy_slot_seconds_total ";
  const size_t at = metrics->body.find(name);
  ASSERT_NE(at, std::string::npos) << metrics->body;
  EXPECT_GE(std::stod(metrics->body.substr(at + name.size())), 0.2);
}

TEST(TeacherSimOptions, ThreadsDefaultToTheBatchPlusHeadroom) {
  TeacherSim::Options o;
  EXPECT_EQ(o.threads, 0);
  o.max_batch = 32;
  EXPECT_EQ(TeacherSim::ThreadsFor(o), 2 * 32 + 1024);
  o.max_batch = 1024;
  EXPECT_EQ(TeacherSim::ThreadsFor(o), 2 * 1024 + 1024);
  o.threads = 10;
  EXPECT_EQ(TeacherSim::ThreadsFor(o), 10);
  EXPECT_TRUE(TeacherSim::Validate(o).ok());
  o.threads = -1;
  EXPECT_FALSE(TeacherSim::Validate(o).ok());
}

TEST(TeacherSimLatency, RunsUpToMaxBatchAtOnce) {
  TeacherSim::Options o = SmallOptions();
  o.max_batch = 3;
  o.latency_ms = 300;
  Sim sim(o);
  TimeConcurrentRequests(sim, 3);
  EXPECT_EQ(sim.sim().counters().peak_running, 3);
}

TEST(TeacherSimLatency, AddsTimePerCompletionToken) {
  TeacherSim::Options o = SmallOptions();
  o.per_token_ms = 20;
  Sim sim(o);
  const absl::Time start = absl::Now();
  json r = ParseOrNull(Post(sim.Client(), RequestBody(PromptSpec{}, 1))->body);
  const int tokens = r["usage"]["completion_tokens"].get<int>();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(20 * tokens));
}

// ---- request log ------------------------------------------------------------

TEST(TeacherSimLog, WritesOneJsonLinePerRequest) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("teacher_sim_log_", getpid());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "requests.jsonl").string();
  {
    TeacherSim::Options o = SmallOptions();
    o.request_log = path;
    Sim sim(o);
    auto client = sim.Client();
    ASSERT_TRUE(Post(client, RequestBody(PromptSpec{}, 9), {{"X-Request-Id", "job/doc/0/1/0"}}));
    ASSERT_TRUE(Post(client, RequestBody(PromptSpec{}, 9), {{"X-Request-Id", "job/doc/0/1/1"}}));
    ASSERT_TRUE(client.Post("/v1/chat/completions", "{", "application/json"));
    // Read while the server still runs: lines are flushed at once.
    std::ifstream in(path);
    std::vector<json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(ParseOrNull(line));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0]["request_id"], "job/doc/0/1/0");
    EXPECT_EQ(lines[0]["status"], 200);
    EXPECT_EQ(lines[0]["fault"], "none");
    EXPECT_GT(lines[0]["prompt_tokens"].get<int>(), 0);
    EXPECT_EQ(lines[0]["cached_tokens"], 0);
    EXPECT_EQ(lines[0]["seed"], 9);
    EXPECT_EQ(lines[1]["request_id"], "job/doc/0/1/1");
    EXPECT_GT(lines[1]["cached_tokens"].get<int>(), 0);
    EXPECT_EQ(lines[2]["request_id"], "");
    EXPECT_EQ(lines[2]["status"], 400);
  }
  {
    TeacherSim::Options o = WithFault(&FaultRates::hang);
    o.request_log = path;
    o.hang_ms = 50;
    Sim sim(o);
    EXPECT_FALSE(Post(sim.Client(), RequestBody(PromptSpec{}, 3), {{"X-Request-Id", "h"}}));
  }
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) last = line;
  json hang = ParseOrNull(last);
  EXPECT_EQ(hang["request_id"], "h");
  EXPECT_EQ(hang["status"], 0);
  EXPECT_EQ(hang["fault"], "hang");
  std::filesystem::remove_all(dir);
}

TEST(TeacherSimLog, RecordsTheTimeEachRequestSpentInsideTheSimulator) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("teacher_sim_log_ms_", getpid());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "requests.jsonl").string();
  {
    TeacherSim::Options o = SmallOptions();
    o.request_log = path;
    o.latency_ms = 40;
    Sim sim(o);
    ASSERT_TRUE(Post(sim.Client(), RequestBody(PromptSpec{}, 1), {{"X-Request-Id", "j/d/0/0/0"}}));
  }
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const json entry = ParseOrNull(line);
  ASSERT_TRUE(entry["ms"].is_number()) << line;
  // The simulated latency is a lower bound of the time inside the simulator.
  EXPECT_GE(entry["ms"].get<double>(), 40.0) << line;
  std::filesystem::remove_all(dir);
}

TEST(TeacherSimLog, FailsToStartWithAnUnwritableLog) {
  TeacherSim::Options o = SmallOptions();
  o.request_log = "/nonexistent-dir/requests.jsonl";
  TeacherSim sim(o);
  absl::StatusOr<int> port = sim.Start("127.0.0.1", 0);
  EXPECT_FALSE(port.ok());
}

TEST(TeacherSim, RejectsBadOptions) {
  TeacherSim::Options o = SmallOptions();
  o.faults.hang = 2;
  EXPECT_FALSE(TeacherSim::Validate(o).ok());
  o = SmallOptions();
  o.max_batch = 0;
  absl::Status s = TeacherSim::Validate(o);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "--max-batch")) << s.message();
  TeacherSim sim(o);
  EXPECT_FALSE(sim.Start("127.0.0.1", 0).ok());
}

}  // namespace
}  // namespace codi
