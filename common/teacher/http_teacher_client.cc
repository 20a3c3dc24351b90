#include "common/teacher/http_teacher_client.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/base/mutex.h"
#include "common/base/version.h"
#include "common/teacher/chat_completion_json.h"
#include "common/teacher/circuit_breaker.h"
#include "common/teacher/endpoint_url.h"
#include "common/teacher/http_connection.h"
#include "common/teacher/retry_backoff.h"
#include "httplib.h"

namespace codi {
namespace {

// A server may ask for a long Retry-After; one call never waits longer than this.
constexpr absl::Duration kMaxRetryAfter = absl::Seconds(60);
// Idle keep-alive connections kept per endpoint; more are closed on release.
constexpr size_t kMaxIdleConnections = 64;
// A read error after this fraction of the read timeout counts as a timeout,
// an earlier one as a reset (httplib reports both as Error::Read).
constexpr double kTimeoutFraction = 0.8;
constexpr size_t kMaxApiKeyFileBytes = 64 * 1024;

// The fixed part of a plain-http request's head: request line and the
// headers that do not change per request (those cpp-httplib sent, with codi
// as the User-Agent).
std::string PlainHeadPrefix(const EndpointUrl& url, const std::string& chat_path,
                            const std::string& api_key) {
  const std::string host =
      url.host.find(':') != std::string::npos ? absl::StrCat("[", url.host, "]") : url.host;
  std::string head = absl::StrCat("POST ", chat_path,
                                  " HTTP/1.1\r\nAccept: application/json\r\n"
                                  "Content-Type: application/json\r\nHost: ",
                                  host);
  if (url.port != 80) absl::StrAppend(&head, ":", url.port);
  absl::StrAppend(&head, "\r\nUser-Agent: codi/", Version(), "\r\n");
  if (!api_key.empty()) absl::StrAppend(&head, "Authorization: Bearer ", api_key, "\r\n");
  return head;
}

// One endpoint: its address, breaker and connection pool. Stable in memory
// (held by unique_ptr) because the breaker and pool hold mutexes.
struct Endpoint {
  Endpoint(EndpointUrl parsed, const HttpTeacherOptions& options)
      : url(std::move(parsed)),
        base(url.Base()),
        chat_path(url.path + "/chat/completions"),
        plain(url.scheme == "http"),
        head_prefix(plain ? PlainHeadPrefix(url, chat_path, options.api_key) : std::string()),
        breaker(options.breaker_failures, absl::Milliseconds(options.breaker_open_ms)) {}

  const EndpointUrl url;
  const std::string base;
  const std::string chat_path;
  // http: codi's own HttpConnection (one send and usually one receive per
  // request); https: cpp-httplib with OpenSSL.
  const bool plain;
  const std::string head_prefix;  // plain only
  CircuitBreaker breaker;
  ConcurrencyLimiter* limiter = nullptr;  // owned by the client's LimiterRegistry

  Mutex pool_mu;
  // Neither kind of connection is safe for concurrent requests: each one is
  // used by one request at a time, taken from and given back to a free list.
  std::vector<std::unique_ptr<httplib::Client>> idle ABSL_GUARDED_BY(pool_mu);
  std::vector<std::unique_ptr<HttpConnection>> idle_plain ABSL_GUARDED_BY(pool_mu);
};

// What an attempt's outcome says about the replica's load.
LimiterSample LimiterSampleOf(AttemptOutcome outcome, const absl::Status& status) {
  switch (outcome) {
    case AttemptOutcome::kOk:
      return LimiterSample::kOk;
    case AttemptOutcome::kHttp429:
    case AttemptOutcome::kTimeout:
      return LimiterSample::kDropped;
    case AttemptOutcome::kHttp5xx:
      // 503 is "overloaded"; other 5xx are faults, not load.
      return TeacherFailureReason(status) == "http_503" ? LimiterSample::kDropped
                                                        : LimiterSample::kIgnored;
    default:
      return LimiterSample::kIgnored;
  }
}

// How one HTTP attempt ended.
struct Attempt {
  AttemptOutcome outcome = AttemptOutcome::kOk;
  CompletionResult completion;                // kOk only
  absl::Status status;                        // otherwise: the reason, "http_503: ..." etc.
  std::optional<absl::Duration> retry_after;  // from a Retry-After header
};

bool IsRetryable(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kHttp429:
    case AttemptOutcome::kHttp5xx:
    case AttemptOutcome::kTimeout:
    case AttemptOutcome::kConnect:
    case AttemptOutcome::kReset:
    case AttemptOutcome::kMalformed:
      return true;
    case AttemptOutcome::kOk:
    case AttemptOutcome::kHttp4xx:
    case AttemptOutcome::kHttpOther:
      return false;
  }
  return false;
}

// The absl code of a final HTTP reply.
absl::StatusCode CodeForHttpStatus(int status) {
  switch (status) {
    case 400:
    case 413:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    default:
      return absl::StatusCode::kFailedPrecondition;
  }
}

// Header values must not carry CR/LF (header injection) or other controls.
std::string HeaderSafe(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out.push_back(c);
  }
  return out;
}

bool HasSpaceOrControl(absl::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

}  // namespace

class HttpTeacherClient::Impl {
 public:
  // `clock` paces backoff waits and drives the circuit breakers.
  Impl(HttpTeacherOptions options, Clock* clock, std::vector<std::unique_ptr<Endpoint>> endpoints)
      : options_(std::move(options)), clock_(clock), endpoints_(std::move(endpoints)) {
    limiters_ = options_.limiters != nullptr
                    ? options_.limiters
                    : std::make_shared<LimiterRegistry>(options_.limiter, clock_);
    for (const auto& endpoint : endpoints_) endpoint->limiter = &limiters_->For(endpoint->base);
    rng_.seed(options_.random_seed != 0
                  ? options_.random_seed
                  : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}());
    stats_.resize(endpoints_.size());
    for (size_t i = 0; i < endpoints_.size(); ++i) stats_[i].endpoint = endpoints_[i]->base;
  }

  absl::StatusOr<CompletionResult> Complete(const CompletionRequest& request,
                                            uint32_t* attempts_out) {
    const std::string body = EncodeChatCompletionRequest(request);
    const std::string request_id = HeaderSafe(request.request_id);

    const size_t n = endpoints_.size();
    size_t start = static_cast<size_t>(request.affinity_key % n);
    std::string last_reason;
    std::optional<absl::Duration> retry_after;
    for (uint32_t attempt = 1; attempt <= options_.max_attempts; ++attempt) {
      if (attempt > 1) clock_->SleepFor(BackoffWait(attempt - 2, retry_after));
      const auto [index, probe] = Choose(start);
      Endpoint& endpoint = *endpoints_[index];
      const LimiterSlot slot =
          endpoint.limiter->Acquire(clock_->Now() + absl::Milliseconds(options_.read_timeout_ms));
      const absl::Time sent = clock_->Now();
      Attempt result =
          slot ? SendOnce(endpoint, body, request_id)
               : Failure(AttemptOutcome::kTimeout, absl::StatusCode::kDeadlineExceeded,
                         "queue_timeout",
                         absl::StrCat("no free slot within ", options_.read_timeout_ms, " ms"),
                         endpoint);
      const absl::Duration elapsed = clock_->Now() - sent;
      endpoint.limiter->Release(slot, LimiterSampleOf(result.outcome, result.status), elapsed);
      const bool retryable = IsRetryable(result.outcome);
      if (options_.on_attempt) {
        options_.on_attempt(endpoint.base, result.outcome, elapsed,
                            retryable && attempt < options_.max_attempts);
      }
      if (!slot) {
        // Our own queue was full: nothing is known about the replica, but a
        // half-open probe that never went out must not hold the circuit.
        if (probe) endpoint.breaker.RecordFailure(clock_->Now(), probe);
      } else if (retryable) {
        endpoint.breaker.RecordFailure(clock_->Now(), probe);
      } else {
        endpoint.breaker.RecordSuccess();
      }
      if (attempts_out != nullptr) *attempts_out = attempt;
      if (result.outcome == AttemptOutcome::kOk) {
        Count(index, result.outcome, attempt > 1, Final::kOk);
        result.completion.attempts = attempt;
        result.completion.endpoint = endpoint.base;
        return std::move(result.completion);
      }
      if (!retryable) {
        Count(index, result.outcome, attempt > 1, Final::kFinal);
        return result.status;
      }
      const bool last = attempt == options_.max_attempts;
      Count(index, result.outcome, attempt > 1, last ? Final::kExhausted : Final::kNone);
      last_reason = std::string(result.status.message());
      retry_after = result.retry_after;
      start = (index + 1) % n;
    }
    return WithTeacherFailureReason(
        absl::UnavailableError(absl::StrCat("retries_exhausted: ", last_reason, " (",
                                            options_.max_attempts, " attempts)")),
        "retries_exhausted");
  }

  TeacherStats Stats() const {
    TeacherStats out;
    {
      MutexLock lock(&stats_mu_);
      out.endpoints = stats_;
      out.completions_ok = completions_ok_;
      out.completions_final = completions_final_;
      out.completions_exhausted = completions_exhausted_;
    }
    const absl::Time now = clock_->Now();
    for (size_t i = 0; i < endpoints_.size(); ++i) {
      const CircuitBreaker& breaker = endpoints_[i]->breaker;
      out.endpoints[i].circuit_opened = breaker.times_opened();
      out.endpoints[i].circuit_open = breaker.state(now) != CircuitBreaker::State::kClosed;
    }
    return out;
  }

  const std::shared_ptr<LimiterRegistry>& limiters() const { return limiters_; }

  std::vector<std::string> endpoint_bases() const {
    std::vector<std::string> out;
    for (const auto& e : endpoints_) out.push_back(e->base);
    return out;
  }

 private:
  enum class Final { kNone, kOk, kFinal, kExhausted };

  // The first endpoint from `start` on whose breaker admits a request, else
  // (every circuit open) the one that reopens soonest. `probe` is whether the
  // request is its endpoint's half-open probe.
  std::pair<size_t, bool> Choose(size_t start) {
    const absl::Time now = clock_->Now();
    const size_t n = endpoints_.size();
    for (size_t i = 0; i < n; ++i) {
      const size_t index = (start + i) % n;
      const CircuitBreaker::Admission admission = endpoints_[index]->breaker.Admit(now);
      if (admission != CircuitBreaker::Admission::kDenied) {
        return {index, admission == CircuitBreaker::Admission::kProbe};
      }
    }
    size_t soonest = start;
    absl::Time soonest_at = absl::InfiniteFuture();
    for (size_t i = 0; i < n; ++i) {
      const size_t index = (start + i) % n;
      const absl::Time at = endpoints_[index]->breaker.reopens_at();
      if (at < soonest_at) {
        soonest = index;
        soonest_at = at;
      }
    }
    return {soonest, false};
  }

  absl::Duration BackoffWait(uint32_t retry, std::optional<absl::Duration> retry_after) {
    absl::Duration wait;
    {
      MutexLock lock(&rng_mu_);
      wait = FullJitterBackoff(retry, absl::Milliseconds(options_.backoff_base_ms),
                               absl::Milliseconds(options_.backoff_max_ms), rng_);
    }
    if (retry_after.has_value()) wait = std::max(wait, std::min(*retry_after, kMaxRetryAfter));
    return wait;
  }

  std::unique_ptr<httplib::Client> AcquireConnection(Endpoint& endpoint) {
    {
      MutexLock lock(&endpoint.pool_mu);
      if (!endpoint.idle.empty()) {
        std::unique_ptr<httplib::Client> client = std::move(endpoint.idle.back());
        endpoint.idle.pop_back();
        return client;
      }
    }
    auto client = std::make_unique<httplib::Client>(endpoint.url.SchemeHostPort());
    client->set_connection_timeout(std::chrono::milliseconds(options_.connect_timeout_ms));
    client->set_read_timeout(std::chrono::milliseconds(options_.read_timeout_ms));
    client->set_write_timeout(std::chrono::milliseconds(options_.read_timeout_ms));
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    if (endpoint.url.scheme == "https") {
      client->enable_server_certificate_verification(options_.verify_tls);
    }
#endif
    return client;
  }

  void ReleaseConnection(Endpoint& endpoint, std::unique_ptr<httplib::Client> client) {
    MutexLock lock(&endpoint.pool_mu);
    if (endpoint.idle.size() < kMaxIdleConnections) endpoint.idle.push_back(std::move(client));
  }

  // An idle connection the server has not closed meanwhile (uvicorn drops
  // idle ones after 5 s), else a new one; null with `error` set when
  // connecting fails.
  std::unique_ptr<HttpConnection> AcquirePlainConnection(Endpoint& endpoint, std::string* error) {
    while (true) {
      std::unique_ptr<HttpConnection> connection;
      {
        MutexLock lock(&endpoint.pool_mu);
        if (endpoint.idle_plain.empty()) break;
        connection = std::move(endpoint.idle_plain.back());
        endpoint.idle_plain.pop_back();
      }
      if (connection->StillOpen()) return connection;
    }
    return HttpConnection::Connect(endpoint.url.host, endpoint.url.port,
                                   options_.connect_timeout_ms, options_.read_timeout_ms, error);
  }

  void ReleasePlainConnection(Endpoint& endpoint, std::unique_ptr<HttpConnection> connection) {
    MutexLock lock(&endpoint.pool_mu);
    if (endpoint.idle_plain.size() < kMaxIdleConnections) {
      endpoint.idle_plain.push_back(std::move(connection));
    }
  }

  // Removes the API key from text that a server sent back (some echo it).
  std::string Redact(std::string text) const {
    if (options_.api_key.empty()) return text;
    return absl::StrReplaceAll(text, {{options_.api_key, "[redacted]"}});
  }

  Attempt Failure(AttemptOutcome outcome, absl::StatusCode code, absl::string_view reason,
                  absl::string_view detail, const Endpoint& endpoint) const {
    Attempt out;
    out.outcome = outcome;
    out.status = WithTeacherFailureReason(
        absl::Status(code,
                     Redact(absl::StrCat(reason, ": ", detail, " [endpoint ", endpoint.base, "]"))),
        reason);
    return out;
  }

  Attempt SendOnce(Endpoint& endpoint, const std::string& body, const std::string& request_id) {
    if (endpoint.plain) return SendPlain(endpoint, body, request_id);
    httplib::Headers headers = {{"Accept", "application/json"}};
    if (!options_.api_key.empty()) {
      headers.emplace("Authorization", "Bearer " + options_.api_key);
    }
    if (!request_id.empty()) headers.emplace("X-Request-Id", request_id);
    std::unique_ptr<httplib::Client> client = AcquireConnection(endpoint);
    const auto started = std::chrono::steady_clock::now();
    httplib::Result reply = client->Post(endpoint.chat_path, headers, body, "application/json");
    const auto elapsed = std::chrono::steady_clock::now() - started;

    if (!reply) {
      // The connection is in an unknown state: drop it, the next request opens a fresh one.
      const httplib::Error error = reply.error();
      const std::string what = httplib::to_string(error);
      switch (error) {
        case httplib::Error::Connection:
        case httplib::Error::ConnectionTimeout:
        case httplib::Error::BindIPAddress:
        case httplib::Error::SSLConnection:
        case httplib::Error::SSLLoadingCerts:
        case httplib::Error::SSLServerVerification:
          return Failure(AttemptOutcome::kConnect, absl::StatusCode::kUnavailable, "connect", what,
                         endpoint);
        case httplib::Error::Read:
          if (elapsed >= std::chrono::duration<double, std::milli>(options_.read_timeout_ms *
                                                                   kTimeoutFraction)) {
            return Failure(AttemptOutcome::kTimeout, absl::StatusCode::kDeadlineExceeded, "timeout",
                           absl::StrCat("no reply within ", options_.read_timeout_ms, " ms"),
                           endpoint);
          }
          return Failure(AttemptOutcome::kReset, absl::StatusCode::kUnavailable, "reset",
                         "connection closed without a complete reply", endpoint);
        default:
          return Failure(AttemptOutcome::kReset, absl::StatusCode::kUnavailable, "reset", what,
                         endpoint);
      }
    }

    ReleaseConnection(endpoint, std::move(client));
    std::optional<absl::Duration> retry_after;
    if (reply->has_header("Retry-After")) {
      retry_after = ParseRetryAfter(reply->get_header_value("Retry-After"), clock_->Now());
    }
    return FromReply(endpoint, reply->status, reply->body, retry_after);
  }

  // A plain-http attempt over a pooled HttpConnection.
  Attempt SendPlain(Endpoint& endpoint, const std::string& body, const std::string& request_id) {
    std::string error;
    std::unique_ptr<HttpConnection> connection = AcquirePlainConnection(endpoint, &error);
    if (connection == nullptr) {
      return Failure(AttemptOutcome::kConnect, absl::StatusCode::kUnavailable, "connect", error,
                     endpoint);
    }
    std::string head = endpoint.head_prefix;
    absl::StrAppend(&head, "Content-Length: ", body.size(), "\r\n");
    if (!request_id.empty()) absl::StrAppend(&head, "X-Request-Id: ", request_id, "\r\n");
    head += "\r\n";
    HttpReply reply;
    std::string detail;
    switch (connection->RoundTrip(head, body, &reply, &detail)) {
      case HttpFailure::kNone:
        break;
      case HttpFailure::kTimeout:
        return Failure(AttemptOutcome::kTimeout, absl::StatusCode::kDeadlineExceeded, "timeout",
                       absl::StrCat("no reply within ", options_.read_timeout_ms, " ms"), endpoint);
      case HttpFailure::kConnect:
        return Failure(AttemptOutcome::kConnect, absl::StatusCode::kUnavailable, "connect", detail,
                       endpoint);
      case HttpFailure::kReset:
        // The connection is in an unknown state: dropped here, the next
        // request opens a fresh one.
        return Failure(AttemptOutcome::kReset, absl::StatusCode::kUnavailable, "reset", detail,
                       endpoint);
    }
    if (connection->reusable()) ReleasePlainConnection(endpoint, std::move(connection));
    std::optional<absl::Duration> retry_after;
    if (reply.has_retry_after) retry_after = ParseRetryAfter(reply.retry_after, clock_->Now());
    return FromReply(endpoint, reply.status, reply.body, retry_after);
  }

  // The attempt that a complete HTTP reply makes.
  Attempt FromReply(const Endpoint& endpoint, int status, const std::string& reply_body,
                    std::optional<absl::Duration> retry_after) {
    Attempt out;
    out.retry_after = retry_after;
    if (status >= 200 && status < 300) {
      absl::StatusOr<CompletionResult> completion = DecodeChatCompletionResponse(reply_body);
      if (!completion.ok()) {
        Attempt bad = Failure(AttemptOutcome::kMalformed, absl::StatusCode::kDataLoss, "malformed",
                              completion.status().message(), endpoint);
        bad.retry_after = out.retry_after;
        return bad;
      }
      out.completion = *std::move(completion);
      return out;
    }
    const std::string reason = absl::StrCat("http_", status);
    const std::string message = ErrorMessageFromBody(reply_body);
    AttemptOutcome outcome;
    absl::StatusCode code;
    if (status == 429) {
      outcome = AttemptOutcome::kHttp429;
      code = absl::StatusCode::kResourceExhausted;
    } else if (status >= 500 && status < 600) {
      outcome = AttemptOutcome::kHttp5xx;
      code = absl::StatusCode::kUnavailable;
    } else if (status >= 400 && status < 500) {
      outcome = AttemptOutcome::kHttp4xx;
      code = CodeForHttpStatus(status);
    } else {
      outcome = AttemptOutcome::kHttpOther;
      code = absl::StatusCode::kFailedPrecondition;
    }
    Attempt failed = Failure(outcome, code, reason, message, endpoint);
    failed.retry_after = out.retry_after;
    return failed;
  }

  void Count(size_t index, AttemptOutcome outcome, bool retry, Final final) {
    MutexLock lock(&stats_mu_);
    ++stats_[index].attempts_by_outcome[static_cast<size_t>(outcome)];
    if (retry) ++stats_[index].retries;
    switch (final) {
      case Final::kOk:
        ++completions_ok_;
        break;
      case Final::kFinal:
        ++completions_final_;
        break;
      case Final::kExhausted:
        ++completions_exhausted_;
        break;
      case Final::kNone:
        break;
    }
  }

  const HttpTeacherOptions options_;
  Clock* clock_;
  const std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::shared_ptr<LimiterRegistry> limiters_;

  Mutex rng_mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(rng_mu_);

  mutable Mutex stats_mu_;
  std::vector<EndpointStats> stats_ ABSL_GUARDED_BY(stats_mu_);
  uint64_t completions_ok_ ABSL_GUARDED_BY(stats_mu_) = 0;
  uint64_t completions_final_ ABSL_GUARDED_BY(stats_mu_) = 0;
  uint64_t completions_exhausted_ ABSL_GUARDED_BY(stats_mu_) = 0;
};

HttpTeacherClient::HttpTeacherClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpTeacherClient::~HttpTeacherClient() = default;

absl::StatusOr<CompletionResult> HttpTeacherClient::Complete(const CompletionRequest& request,
                                                             uint32_t* attempts_out) {
  return impl_->Complete(request, attempts_out);
}

TeacherStats HttpTeacherClient::Stats() const { return impl_->Stats(); }

std::vector<std::string> HttpTeacherClient::endpoints() const { return impl_->endpoint_bases(); }

const std::shared_ptr<LimiterRegistry>& HttpTeacherClient::limiters() const {
  return impl_->limiters();
}

absl::StatusOr<std::unique_ptr<HttpTeacherClient>> MakeHttpTeacherClient(HttpTeacherOptions options,
                                                                         Clock* clock) {
  if (options.endpoints.empty()) {
    return absl::InvalidArgumentError("teacher client: no endpoints given");
  }
  if (options.connect_timeout_ms <= 0 || options.read_timeout_ms <= 0) {
    return absl::InvalidArgumentError(
        "teacher client: connect_timeout_ms and read_timeout_ms must be positive");
  }
  if (options.max_attempts == 0) {
    return absl::InvalidArgumentError("teacher client: max_attempts must be at least 1");
  }
  if (HasSpaceOrControl(options.api_key)) {
    // Deliberately does not show the key.
    return absl::InvalidArgumentError(
        "teacher client: the API key contains whitespace or control characters");
  }
  std::vector<std::unique_ptr<Endpoint>> endpoints;
  for (const std::string& url : options.endpoints) {
    absl::StatusOr<EndpointUrl> parsed = ParseEndpointUrl(url);
    if (!parsed.ok()) return parsed.status();
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
    if (parsed->scheme == "https") {
      return absl::InvalidArgumentError(absl::StrCat(
          "teacher endpoint \"", url, "\": https is not supported by this build of cpp-httplib"));
    }
#endif
    endpoints.push_back(std::make_unique<Endpoint>(*std::move(parsed), options));
  }
  auto impl =
      std::make_unique<HttpTeacherClient::Impl>(std::move(options), clock, std::move(endpoints));
  return std::make_unique<HttpTeacherClient>(std::move(impl));
}

absl::StatusOr<std::string> LoadApiKey(const std::string& env_var, const std::string& file) {
  if (!file.empty()) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("api key file \"", file, "\": cannot open: ", std::strerror(errno)));
    }
    std::string text(kMaxApiKeyFileBytes + 1, '\0');
    const size_t got = std::fread(text.data(), 1, text.size(), f);
    const bool read_error = std::ferror(f) != 0;
    std::fclose(f);
    if (read_error) {
      return absl::FailedPreconditionError(absl::StrCat("api key file \"", file, "\": read error"));
    }
    if (got > kMaxApiKeyFileBytes) {
      return absl::InvalidArgumentError(absl::StrCat("api key file \"", file, "\": larger than ",
                                                     kMaxApiKeyFileBytes, " bytes, not a key"));
    }
    text.resize(got);
    const std::string key(absl::StripAsciiWhitespace(text));
    if (key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("api key file \"", file, "\": is empty"));
    }
    if (HasSpaceOrControl(key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "api key file \"", file, "\": holds whitespace or control characters inside the key"));
    }
    return key;
  }
  if (env_var.empty()) return std::string();
  const char* value = std::getenv(env_var.c_str());
  if (value == nullptr) return std::string();
  return std::string(absl::StripAsciiWhitespace(value));
}

}  // namespace codi
