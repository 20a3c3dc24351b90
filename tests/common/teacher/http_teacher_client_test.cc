#include "common/teacher/http_teacher_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Json = nlohmann::json;

constexpr char kVllmCompletion[] = R"({
  "id": "chatcmpl-3f1c", "object": "chat.completion", "created": 1718000000,
  "model": "meta-llama/Meta-Llama-3-70B-Instruct",
  "choices": [{"index": 0,
               "message": {"role": "assistant", "content": "Canada", "tool_calls": []},
               "logprobs": null, "finish_reason": "stop", "stop_reason": null}],
  "usage": {"prompt_tokens": 120, "total_tokens": 121, "completion_tokens": 1,
            "prompt_tokens_details": {"cached_tokens": 96}},
  "prompt_logprobs": null})";

// One scripted reply of the test server.
struct Reply {
  int status = 200;
  std::string body = kVllmCompletion;
  std::vector<std::pair<std::string, std::string>> headers;
  absl::Duration delay = absl::ZeroDuration();  // sleep before answering (a hang)
  bool cut_off = false;  // promise a body, send a few bytes, close the connection
  bool hang = false;     // answer only when the server shuts down
};

// A request as the test server saw it.
struct Seen {
  std::string path;
  std::string body;
  httplib::Headers headers;
  int remote_port = 0;
};

// An OpenAI-shaped server on 127.0.0.1 (any free port) that answers from a
// queue of scripted replies, then with `fallback`. Thread-safe.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::unique_ptr<httplib::Server> server = nullptr,
                          std::string scheme = "http", int keep_alive_timeout_s = 2)
      : server_(server ? std::move(server) : std::make_unique<httplib::Server>()),
        scheme_(std::move(scheme)) {
    // More workers than the tests' concurrency, so idle keep-alive connections
    // held by the client's pool never starve new ones.
    server_->new_task_queue = [] { return new httplib::ThreadPool(40); };
    server_->set_keep_alive_timeout(keep_alive_timeout_s);
    server_->set_tcp_nodelay(true);
    // cpp-httplib 0.11 listens with a backlog of 5: a burst of new connections
    // overflows it and the kernel drops SYNs (the client retries after 1 s).
    // Capture the listening socket and listen again with a real backlog.
    int listen_fd = -1;
    server_->set_socket_options([&listen_fd](int fd) {
      int yes = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      listen_fd = fd;
    });
    server_->Post("/v1/chat/completions", [this](const httplib::Request& req,
                                                 httplib::Response& res) { Handle(req, res); });
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (listen_fd >= 0) listen(listen_fd, 256);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  ~ScriptedServer() {
    end_hangs_.Notify();
    server_->stop();
    thread_.join();
  }

  void Push(Reply reply) {
    MutexLock lock(&mu_);
    script_.push_back(std::move(reply));
  }
  void SetFallback(Reply reply) {
    MutexLock lock(&mu_);
    fallback_ = std::move(reply);
  }
  std::vector<Seen> seen() const {
    MutexLock lock(&mu_);
    return seen_;
  }
  size_t requests() const {
    MutexLock lock(&mu_);
    return seen_.size();
  }
  int port() const { return port_; }
  std::string base_url() const { return absl::StrCat(scheme_, "://127.0.0.1:", port_, "/v1"); }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    Reply reply;
    {
      MutexLock lock(&mu_);
      seen_.push_back({req.path, req.body, req.headers, req.remote_port});
      if (script_.empty()) {
        reply = fallback_;
      } else {
        reply = std::move(script_.front());
        script_.pop_front();
      }
    }
    if (reply.delay > absl::ZeroDuration()) absl::SleepFor(reply.delay);
    if (reply.hang) end_hangs_.WaitForNotificationWithTimeout(absl::Minutes(2));
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    if (reply.cut_off) {
      res.set_content_provider(1000, "application/json",
                               [](size_t, size_t, httplib::DataSink& sink) {
                                 sink.write("{\"cho", 5);
                                 return false;  // abort: the connection closes mid-body
                               });
      return;
    }
    res.set_content(reply.body, "application/json");
  }

  std::unique_ptr<httplib::Server> server_;
  const std::string scheme_;
  int port_ = -1;
  std::thread thread_;
  mutable Mutex mu_;
  Notification end_hangs_;  // releases replies with .hang
  std::deque<Reply> script_ ABSL_GUARDED_BY(mu_);
  Reply fallback_ ABSL_GUARDED_BY(mu_);
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
};

// Records backoff waits instead of sleeping; time moves only when told.
class TeacherTestClock : public FakeClock {
 public:
  TeacherTestClock() : FakeClock(absl::FromUnixSeconds(1700000000)) { set_sleep_advances(false); }
};

HttpTeacherOptions Options(std::vector<std::string> endpoints) {
  HttpTeacherOptions options;
  options.endpoints = std::move(endpoints);
  options.connect_timeout_ms = 1000;
  options.read_timeout_ms = 5000;
  options.random_seed = 7;
  return options;
}

std::unique_ptr<HttpTeacherClient> MakeClient(HttpTeacherOptions options, TeacherTestClock& clock) {
  absl::StatusOr<std::unique_ptr<HttpTeacherClient>> client =
      MakeHttpTeacherClient(std::move(options), &clock);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

CompletionRequest Request(uint64_t affinity_key = 0, std::string request_id = "") {
  CompletionRequest request;
  request.model = "meta-llama/Meta-Llama-3-70B-Instruct";
  request.messages = {{"system", "Answer from the CONTEXT."}, {"user", "Which country?"}};
  request.affinity_key = affinity_key;
  request.request_id = std::move(request_id);
  return request;
}

// A loopback port with nothing listening: bound, then closed.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string Header(const Seen& seen, const std::string& name) {
  auto it = seen.headers.find(name);
  return it == seen.headers.end() ? "<absent>" : it->second;
}

TEST(HttpTeacherClient, SendsTheOpenAiRequestBodyAndHeaders) {
  ScriptedServer server;
  TeacherTestClock clock;
  HttpTeacherOptions options = Options({server.base_url()});
  options.api_key = "sk-test-123";
  auto client = MakeClient(options, clock);
  CompletionRequest request = Request(0, "job/doc-7/0/3/1");
  request.max_tokens = 64;
  request.temperature = 0.5;
  request.top_p = 0.9;
  request.seed = 42;
  request.stop = {"\nUSER:"};
  ASSERT_TRUE(client->Complete(request).ok());

  ASSERT_EQ(server.requests(), 1u);
  const Seen seen = server.seen()[0];
  EXPECT_EQ(seen.path, "/v1/chat/completions");
  EXPECT_EQ(Header(seen, "Authorization"), "Bearer sk-test-123");
  EXPECT_EQ(Header(seen, "X-Request-Id"), "job/doc-7/0/3/1");
  EXPECT_THAT(Header(seen, "Content-Type"), StartsWith("application/json"));
  const Json body = Json::parse(seen.body);
  EXPECT_EQ(body["model"], "meta-llama/Meta-Llama-3-70B-Instruct");
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["content"], "Which country?");
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(body["top_p"].get<double>(), 0.9);
  EXPECT_EQ(body["seed"], 42);
  EXPECT_EQ(body["stop"], Json::array({"\nUSER:"}));
  EXPECT_EQ(body["stream"], false);
}

TEST(HttpTeacherClient, OmitsStopAuthorizationAndRequestIdWhenEmpty) {
  ScriptedServer server;
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  ASSERT_TRUE(client->Complete(Request()).ok());
  const Seen seen = server.seen().at(0);
  EXPECT_EQ(Header(seen, "Authorization"), "<absent>");
  EXPECT_EQ(Header(seen, "X-Request-Id"), "<absent>");
  EXPECT_FALSE(Json::parse(seen.body).contains("stop"));
}

TEST(HttpTeacherClient, StripsLineBreaksFromTheRequestIdHeader) {
  ScriptedServer server;
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  ASSERT_TRUE(client->Complete(Request(0, "a/b\r\nX-Evil: 1")).ok());
  const Seen seen = server.seen().at(0);
  EXPECT_EQ(Header(seen, "X-Request-Id"), "a/bX-Evil: 1");
  EXPECT_EQ(Header(seen, "X-Evil"), "<absent>");
}

TEST(HttpTeacherClient, ParsesAVllmShapedResponse) {
  ScriptedServer server;
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  uint32_t attempts = 0;
  absl::StatusOr<CompletionResult> result = client->Complete(Request(), &attempts);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->text, "Canada");
  EXPECT_EQ(result->finish_reason, "stop");
  EXPECT_EQ(result->prompt_tokens, 120u);
  EXPECT_EQ(result->completion_tokens, 1u);
  EXPECT_EQ(result->cached_tokens, 96u);
  EXPECT_EQ(result->attempts, 1u);
  EXPECT_EQ(attempts, 1u);
  EXPECT_EQ(result->endpoint, server.base_url());
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(HttpTeacherClient, AbsentOrNullCachedTokenDetailsGiveZero) {
  ScriptedServer server;
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  server.Push({.body = R"({"choices":[{"message":{"content":"a"},"finish_reason":"length"}],
                           "usage":{"prompt_tokens":5,"completion_tokens":2,
                                    "prompt_tokens_details":null}})"});
  server.Push({.body = R"({"choices":[{"message":{"content":null},"finish_reason":"stop"}],
                           "usage":{"prompt_tokens":5,"completion_tokens":0}})"});
  absl::StatusOr<CompletionResult> first = client->Complete(Request());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->cached_tokens, 0u);
  EXPECT_EQ(first->prompt_tokens, 5u);
  EXPECT_EQ(first->finish_reason, "length");
  absl::StatusOr<CompletionResult> second = client->Complete(Request());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->cached_tokens, 0u);
  EXPECT_EQ(second->text, "");
}

TEST(HttpTeacherClient, RetriesA500AndSucceedsOnTheSecondAttempt) {
  ScriptedServer server;
  server.Push({.status = 500, .body = R"({"error":{"message":"boom"}})"});
  TeacherTestClock clock;
  HttpTeacherOptions options = Options({server.base_url()});
  options.backoff_base_ms = 200;
  auto client = MakeClient(options, clock);
  uint32_t attempts = 0;
  absl::StatusOr<CompletionResult> result = client->Complete(Request(), &attempts);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->attempts, 2u);
  EXPECT_EQ(attempts, 2u);
  EXPECT_EQ(server.requests(), 2u);
  ASSERT_EQ(clock.sleeps().size(), 1u);
  EXPECT_GE(clock.sleeps()[0], absl::ZeroDuration());
  EXPECT_LE(clock.sleeps()[0], absl::Milliseconds(200));
  const TeacherStats stats = client->Stats();
  EXPECT_EQ(stats.attempts(AttemptOutcome::kHttp5xx), 1u);
  EXPECT_EQ(stats.attempts(AttemptOutcome::kOk), 1u);
  EXPECT_EQ(stats.retries(), 1u);
  EXPECT_EQ(stats.completions_ok, 1u);
}

TEST(HttpTeacherClient, HonoursRetryAfterSecondsOnA429) {
  ScriptedServer server;
  server.Push({.status = 429, .body = "slow down", .headers = {{"Retry-After", "3"}}});
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  absl::StatusOr<CompletionResult> result = client->Complete(Request());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(clock.sleeps().size(), 1u);
  EXPECT_GE(clock.sleeps()[0], absl::Seconds(3));
  EXPECT_EQ(client->Stats().attempts(AttemptOutcome::kHttp429), 1u);
}

TEST(HttpTeacherClient, HonoursRetryAfterDatesAndCapsLongWaits) {
  ScriptedServer server;
  TeacherTestClock clock;
  const std::string in_five_seconds = absl::FormatTime(
      "%a, %d %b %Y %H:%M:%S GMT", clock.Now() + absl::Seconds(5), absl::UTCTimeZone());
  server.Push({.status = 503, .headers = {{"Retry-After", in_five_seconds}}});
  server.Push({.status = 429, .headers = {{"Retry-After", "86400"}}});
  HttpTeacherOptions options = Options({server.base_url()});
  options.backoff_base_ms = 10;
  options.backoff_max_ms = 10;
  auto client = MakeClient(options, clock);
  ASSERT_TRUE(client->Complete(Request()).ok());
  ASSERT_EQ(clock.sleeps().size(), 2u);
  EXPECT_EQ(clock.sleeps()[0], absl::Seconds(5));
  EXPECT_EQ(clock.sleeps()[1], absl::Seconds(60));
}

struct FinalCase {
  int status;
  absl::StatusCode code;
  std::string body;
};

TEST(HttpTeacherClient, ReturnsClientErrorsAtOnceWithTheirReason) {
  const std::vector<FinalCase> cases = {
      {400, absl::StatusCode::kInvalidArgument,
       R"({"error":{"message":"max_tokens is too large","type":"BadRequestError","code":400}})"},
      {401, absl::StatusCode::kUnauthenticated, R"({"error":{"message":"bad key"}})"},
      {403, absl::StatusCode::kPermissionDenied, R"({"error":{"message":"forbidden"}})"},
      {404, absl::StatusCode::kNotFound,
       R"({"object":"error","message":"The model `x` does not exist.","code":404})"},
      {422, absl::StatusCode::kInvalidArgument, R"({"detail":[{"msg":"field required"}]})"},
  };
  for (const FinalCase& c : cases) {
    SCOPED_TRACE(c.status);
    ScriptedServer server;
    server.SetFallback({.status = c.status, .body = c.body});
    TeacherTestClock clock;
    auto client = MakeClient(Options({server.base_url()}), clock);
    uint32_t attempts = 0;
    absl::StatusOr<CompletionResult> result = client->Complete(Request(), &attempts);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), c.code);
    EXPECT_THAT(std::string(result.status().message()),
                StartsWith(absl::StrCat("http_", c.status, ": ")));
    EXPECT_EQ(attempts, 1u);
    EXPECT_EQ(server.requests(), 1u);
    EXPECT_TRUE(clock.sleeps().empty());
    EXPECT_EQ(client->Stats().completions_final, 1u);
  }
}

TEST(HttpTeacherClient, CarriesTheServersMessageInAFinalError) {
  ScriptedServer server;
  server.SetFallback(
      {.status = 404, .body = R"({"object":"error","message":"The model `x` does not exist."})"});
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  absl::StatusOr<CompletionResult> result = client->Complete(Request());
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()),
              StartsWith("http_404: The model `x` does not exist."));
  EXPECT_EQ(TeacherFailureReason(result.status()), "http_404");
}

TEST(HttpTeacherClient, RetriesMalformedJsonAndBodiesWithoutChoices) {
  ScriptedServer server;
  server.Push({.body = "<html>gateway</html>"});
  server.Push({.body = R"({"id":"x","object":"chat.completion","choices":[]})"});
  server.Push({.body = R"({"id":"x"})"});
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  absl::StatusOr<CompletionResult> result = client->Complete(Request());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->attempts, 4u);
  EXPECT_EQ(client->Stats().attempts(AttemptOutcome::kMalformed), 3u);
}

TEST(HttpTeacherClient, SaysRetriesExhaustedAfterMaxAttempts) {
  ScriptedServer server;
  server.SetFallback({.status = 503, .body = R"({"error":{"message":"overloaded"}})"});
  TeacherTestClock clock;
  HttpTeacherOptions options = Options({server.base_url()});
  options.max_attempts = 3;
  auto client = MakeClient(options, clock);
  uint32_t attempts = 0;
  absl::StatusOr<CompletionResult> result = client->Complete(Request(), &attempts);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(result.status().message()),
              StartsWith("retries_exhausted: http_503: overloaded"));
  EXPECT_EQ(TeacherFailureReason(result.status()), "retries_exhausted");
  EXPECT_EQ(attempts, 3u);
  EXPECT_EQ(server.requests(), 3u);
  EXPECT_EQ(clock.sleeps().size(), 2u);  // no wait after the last attempt
  EXPECT_EQ(client->Stats().completions_exhausted, 1u);
}

TEST(HttpTeacherClient, TimesOutOnAHangingServerAndRetries) {
  ScriptedServer server;
  // The first request hangs until the server shuts down, so a client that
  // waited for it would never get to a second attempt. The timeout is far
  // above what the good second reply needs even on a slow, loaded machine
  // (under ThreadSanitizer 200 ms was not: both attempts timed out).
  server.Push({.hang = true});
  TeacherTestClock clock;
  HttpTeacherOptions options = Options({server.base_url()});
  options.read_timeout_ms = 3000;
  auto client = MakeClient(options, clock);
  absl::StatusOr<CompletionResult> result = client->Complete(Request());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->attempts, 2u);
  EXPECT_EQ(server.requests(), 2u);
  EXPECT_EQ(client->Stats().attempts(AttemptOutcome::kTimeout), 1u);
}

TEST(HttpTeacherClient, ReportsATimeoutWhenEveryAttemptHangs) {
  ScriptedServer server;
  server.SetFallback({.delay = absl::Milliseconds(500)});
  TeacherTestClock clock;
  HttpTeacherOptions options = Options({server.base_url()});
  options.read_timeout_ms = 150;
  options.max_attempts = 2;
  auto client = MakeClient(options, clock);
  absl::StatusOr<CompletionResult> result = client->Complete(Request());
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), StartsWith("retries_exhausted: timeout: "));
}

TEST(HttpTeacherClient, RetriesAConnectionClosedMidReply) {
  ScriptedServer server;
  server.Push({.cut_off = true});
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  absl::StatusOr<CompletionResult> result = client->Complete(Request());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->attempts, 2u);
  EXPECT_EQ(client->Stats().attempts(AttemptOutcome::kReset), 1u);
}

TEST(HttpTeacherClient, FailsOverFromARefusedEndpointToAGoodOne) {
  ScriptedServer good;
  const std::string refused = absl::StrCat("http://127.0.0.1:", ClosedPort(), "/v1");
  TeacherTestClock clock;
  auto client = MakeClient(Options({refused, good.base_url()}), clock);
  absl::StatusOr<CompletionResult> result = client->Complete(Request(/*affinity_key=*/0));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->attempts, 2u);
  EXPECT_EQ(result->endpoint, good.base_url());
  const TeacherStats stats = client->Stats();
  ASSERT_EQ(stats.endpoints.size(), 2u);
  EXPECT_EQ(stats.endpoints[0].attempts(AttemptOutcome::kConnect), 1u);
  EXPECT_EQ(stats.endpoints[1].attempts(AttemptOutcome::kOk), 1u);
  EXPECT_EQ(stats.endpoints[1].retries, 1u);
}

TEST(HttpTeacherClient, KeepsEachAffinityKeyOnOneEndpoint) {
  ScriptedServer a;
  ScriptedServer b;
  TeacherTestClock clock;
  auto client = MakeClient(Options({a.base_url(), b.base_url()}), clock);
  for (int round = 0; round < 3; ++round) {
    for (uint64_t key = 0; key < 8; ++key) {
      absl::StatusOr<CompletionResult> result =
          client->Complete(Request(key, absl::StrCat("key-", key)));
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(result->endpoint, key % 2 == 0 ? a.base_url() : b.base_url());
    }
  }
  for (const auto& [server, parity] : {std::pair{&a, 0}, std::pair{&b, 1}}) {
    EXPECT_EQ(server->requests(), 12u);
    for (const Seen& seen : server->seen()) {
      const int key = std::stoi(Header(seen, "X-Request-Id").substr(4));
      EXPECT_EQ(key % 2, parity);
    }
  }
}

TEST(HttpTeacherClient, OpensTheBreakerAfterRepeatedFailuresAndProbesAfterTheOpenPeriod) {
  ScriptedServer flaky;
  ScriptedServer good;
  flaky.SetFallback({.status = 503});
  TeacherTestClock clock;
  HttpTeacherOptions options = Options({flaky.base_url(), good.base_url()});
  options.breaker_failures = 3;
  options.breaker_open_ms = 30000;
  auto client = MakeClient(options, clock);

  // Key 0 prefers `flaky`; each call fails there once, then succeeds on `good`.
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<CompletionResult> result = client->Complete(Request(0));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->attempts, 2u);
  }
  EXPECT_EQ(flaky.requests(), 3u);
  EXPECT_TRUE(client->Stats().endpoints[0].circuit_open);
  EXPECT_EQ(client->Stats().endpoints[0].circuit_opened, 1u);

  // Open: key 0 goes straight to `good`.
  clock.Advance(absl::Milliseconds(29999));
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<CompletionResult> result = client->Complete(Request(0));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->attempts, 1u);
    EXPECT_EQ(result->endpoint, good.base_url());
  }
  EXPECT_EQ(flaky.requests(), 3u);

  // Past the open period one probe goes through; it fails and reopens the circuit.
  clock.Advance(absl::Milliseconds(2));
  ASSERT_TRUE(client->Complete(Request(0)).ok());
  EXPECT_EQ(flaky.requests(), 4u);
  ASSERT_TRUE(client->Complete(Request(0)).ok());
  EXPECT_EQ(flaky.requests(), 4u);
  EXPECT_EQ(client->Stats().endpoints[0].circuit_opened, 2u);

  // The replica recovers: the next probe succeeds and closes the circuit.
  flaky.SetFallback({});
  clock.Advance(absl::Seconds(31));
  absl::StatusOr<CompletionResult> probe = client->Complete(Request(0));
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_EQ(probe->endpoint, flaky.base_url());
  EXPECT_FALSE(client->Stats().endpoints[0].circuit_open);
  absl::StatusOr<CompletionResult> after = client->Complete(Request(0));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->endpoint, flaky.base_url());
}

TEST(HttpTeacherClient, UsesTheSoonestReopeningEndpointWhenEveryCircuitIsOpen) {
  ScriptedServer a;
  ScriptedServer b;
  a.SetFallback({.status = 500});
  b.SetFallback({.status = 500});
  TeacherTestClock clock;
  HttpTeacherOptions options = Options({a.base_url(), b.base_url()});
  options.breaker_failures = 1;
  options.max_attempts = 1;
  auto client = MakeClient(options, clock);
  EXPECT_FALSE(client->Complete(Request(0)).ok());  // opens a until now + 30 s
  clock.Advance(absl::Seconds(1));
  EXPECT_FALSE(client->Complete(Request(1)).ok());  // opens b until now + 31 s
  ASSERT_TRUE(client->Stats().endpoints[0].circuit_open);
  ASSERT_TRUE(client->Stats().endpoints[1].circuit_open);

  // Both open: key 1 would prefer b, but a reopens first, so it gets the request.
  a.SetFallback({});
  b.SetFallback({});
  absl::StatusOr<CompletionResult> result = client->Complete(Request(1));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->endpoint, a.base_url());
  EXPECT_EQ(a.requests(), 2u);
  EXPECT_EQ(b.requests(), 1u);
  EXPECT_FALSE(client->Stats().endpoints[0].circuit_open);  // its success closed it
  EXPECT_TRUE(client->Stats().endpoints[1].circuit_open);
}

// Mean and maximum wait before retry number r (0-based) over many calls.
TEST(HttpTeacherClient, BackoffWaitsStayUnderTheCapAndGrowWithTheRetryNumber) {
  ScriptedServer server;
  server.SetFallback({.status = 500});
  constexpr int kRetries = 5;
  std::vector<std::vector<absl::Duration>> waits(kRetries);
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    TeacherTestClock clock;
    HttpTeacherOptions options = Options({server.base_url()});
    options.random_seed = seed;
    options.max_attempts = kRetries + 1;
    options.backoff_base_ms = 100;
    options.backoff_max_ms = 1600;
    options.breaker_failures = 0;
    auto client = MakeClient(options, clock);
    for (int call = 0; call < 10; ++call) {
      clock.ClearSleeps();
      ASSERT_FALSE(client->Complete(Request()).ok());
      const std::vector<absl::Duration> sleeps = clock.sleeps();
      ASSERT_EQ(sleeps.size(), static_cast<size_t>(kRetries));
      for (int r = 0; r < kRetries; ++r) waits[r].push_back(sleeps[r]);
    }
  }
  absl::Duration previous_mean = absl::ZeroDuration();
  for (int r = 0; r < kRetries; ++r) {
    SCOPED_TRACE(r);
    const absl::Duration cap = absl::Milliseconds(100 << r);
    absl::Duration sum;
    for (absl::Duration w : waits[r]) {
      EXPECT_GE(w, absl::ZeroDuration());
      EXPECT_LE(w, cap);
      sum += w;
    }
    const absl::Duration mean = sum / static_cast<int64_t>(waits[r].size());
    EXPECT_GT(mean, cap / 4);  // full jitter: the expected mean is cap / 2
    EXPECT_GT(mean, previous_mean);
    previous_mean = mean;
  }
}

TEST(HttpTeacherClient, ReusesKeepAliveConnections) {
  ScriptedServer server;
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client->Complete(Request()).ok());
  std::set<int> ports;
  for (const Seen& seen : server.seen()) ports.insert(seen.remote_port);
  EXPECT_EQ(ports.size(), 1u);
}

// uvicorn (vLLM's server) closes idle keep-alive connections after 5 s; the
// pooled connection is then dead and must not cost the next request a retry.
TEST(HttpTeacherClient, ReconnectsWhenTheServerClosedAnIdleConnection) {
  ScriptedServer server(nullptr, "http", /*keep_alive_timeout_s=*/1);
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  ASSERT_TRUE(client->Complete(Request()).ok());
  absl::SleepFor(absl::Milliseconds(1300));  // the server drops the idle connection
  absl::StatusOr<CompletionResult> result = client->Complete(Request());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->attempts, 1u);
  EXPECT_EQ(server.requests(), 2u);
}

TEST(HttpTeacherClient, ServesManyThreadsAtOnce) {
  ScriptedServer server;
  server.SetFallback({.delay = absl::Milliseconds(2)});
  TeacherTestClock clock;
  auto client = MakeClient(Options({server.base_url()}), clock);
  constexpr int kThreads = 16;
  constexpr int kPerThread = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (client->Complete(Request(t, absl::StrCat(t, "/", i))).ok()) ++ok;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(server.requests(), static_cast<size_t>(kThreads * kPerThread));
  const TeacherStats stats = client->Stats();
  EXPECT_EQ(stats.completions_ok, static_cast<uint64_t>(kThreads * kPerThread));
  // No connection was shared by two requests at once: nothing needed a retry.
  EXPECT_EQ(stats.retries(), 0u);
}

TEST(HttpTeacherClient, NeverPutsTheApiKeyInAStatusMessage) {
  const std::string key = "sk-very-secret-key-0451";
  ScriptedServer server;
  server.Push({.status = 503, .body = absl::StrCat(R"({"error":{"message":"bad )", key, R"("}})")});
  server.Push({.status = 401,
               .body = absl::StrCat(R"({"error":{"message":"Incorrect API key: )", key, R"("}})")});
  server.SetFallback({.status = 500, .body = key});
  TeacherTestClock clock;
  HttpTeacherOptions options = Options({server.base_url()});
  options.api_key = key;
  options.max_attempts = 2;
  auto client = MakeClient(options, clock);
  absl::StatusOr<CompletionResult> unauthorized = client->Complete(Request());
  ASSERT_FALSE(unauthorized.ok());
  EXPECT_THAT(std::string(unauthorized.status().message()), StartsWith("http_401: "));
  EXPECT_THAT(std::string(unauthorized.status().message()), Not(HasSubstr(key)));
  EXPECT_THAT(std::string(unauthorized.status().message()), HasSubstr("[redacted]"));
  absl::StatusOr<CompletionResult> exhausted = client->Complete(Request());
  ASSERT_FALSE(exhausted.ok());
  EXPECT_THAT(std::string(exhausted.status().message()), Not(HasSubstr(key)));

  HttpTeacherOptions bad = options;
  bad.endpoints = {"ftp://example.com"};
  EXPECT_THAT(std::string(MakeHttpTeacherClient(bad).status().message()), Not(HasSubstr(key)));
  bad = options;
  bad.api_key = key + "\n";
  EXPECT_THAT(std::string(MakeHttpTeacherClient(bad).status().message()), Not(HasSubstr(key)));
}

TEST(HttpTeacherClient, RejectsBadEndpointUrlsNamingThem) {
  for (const std::string url :
       {"ftp://host/v1", "http://", "http://:80/v1", "http://host:0", "http://host:99999",
        "http://host:8a/v1", "127.0.0.1:8000", "http://host/v1?x=1"}) {
    SCOPED_TRACE(url);
    absl::StatusOr<std::unique_ptr<HttpTeacherClient>> client =
        MakeHttpTeacherClient(Options({"http://127.0.0.1:8000/v1", url}));
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(client.status().message()), HasSubstr(url));
  }
  EXPECT_FALSE(MakeHttpTeacherClient(Options({})).ok());
  HttpTeacherOptions zero_attempts = Options({"http://127.0.0.1:8000/v1"});
  zero_attempts.max_attempts = 0;
  EXPECT_FALSE(MakeHttpTeacherClient(zero_attempts).ok());
}

TEST(HttpTeacherClient, ReportsEndpointsInNormalisedForm) {
  absl::StatusOr<std::unique_ptr<HttpTeacherClient>> client =
      MakeHttpTeacherClient(Options({"http://localhost/v1/", "HTTPS://example.com"}));
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->endpoints(),
            (std::vector<std::string>{"http://localhost:80/v1", "https://example.com:443"}));
}

TEST(LoadApiKey, ReadsAndTrimsTheKeyFile) {
  TempDir dir;
  const std::string file = dir.File("key");
  std::ofstream(file) << "  sk-from-file \n";
  setenv("CODI_TEST_API_KEY", "sk-from-env", 1);
  absl::StatusOr<std::string> key = LoadApiKey("CODI_TEST_API_KEY", file);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "sk-from-file");  // the file wins over the environment
  unsetenv("CODI_TEST_API_KEY");
}

TEST(LoadApiKey, ReadsTheEnvironmentWhenNoFileIsGiven) {
  setenv("CODI_TEST_API_KEY", "sk-from-env", 1);
  absl::StatusOr<std::string> key = LoadApiKey("CODI_TEST_API_KEY", "");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "sk-from-env");
  unsetenv("CODI_TEST_API_KEY");
  key = LoadApiKey("CODI_TEST_API_KEY", "");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "");
}

TEST(LoadApiKey, NamesAnUnreadableOrEmptyFile) {
  TempDir dir;
  const std::string missing = dir.File("missing");
  absl::StatusOr<std::string> key = LoadApiKey("", missing);
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(std::string(key.status().message()), HasSubstr(missing));
  const std::string empty = dir.File("empty");
  std::ofstream(empty) << "\n";
  key = LoadApiKey("", empty);
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(std::string(key.status().message()), HasSubstr(empty));
  const std::string two_lines = dir.File("two");
  std::ofstream(two_lines) << "sk-secret-a\nsk-secret-b\n";
  key = LoadApiKey("", two_lines);
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(std::string(key.status().message()), HasSubstr(two_lines));
  EXPECT_THAT(std::string(key.status().message()), Not(HasSubstr("sk-secret")));
}

// A throwaway self-signed certificate for 127.0.0.1, made with the OpenSSL API.
struct SelfSigned {
  SelfSigned() {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
  }
  ~SelfSigned() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

TEST(HttpTeacherClient, SpeaksHttpsToASelfSignedServerWhenVerificationIsOff) {
  SelfSigned credentials;
  ASSERT_NE(credentials.key, nullptr);
  auto tls = std::make_unique<httplib::SSLServer>(credentials.cert, credentials.key);
  ASSERT_TRUE(tls->is_valid());
  ScriptedServer server(std::move(tls), "https");
  TeacherTestClock clock;

  HttpTeacherOptions options = Options({server.base_url()});
  options.verify_tls = false;
  auto client = MakeClient(options, clock);
  absl::StatusOr<CompletionResult> result = client->Complete(Request());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->text, "Canada");

  // With verification on, the self-signed certificate is refused.
  options.verify_tls = true;
  options.max_attempts = 1;
  auto verifying = MakeClient(options, clock);
  absl::StatusOr<CompletionResult> refused = verifying->Complete(Request());
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()), StartsWith("retries_exhausted: connect: "));
}

}  // namespace
}  // namespace codi
