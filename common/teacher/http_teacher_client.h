// HttpTeacherClient: the real TeacherClient, speaking the OpenAI
// chat-completions API (as vLLM serves it) over HTTP or HTTPS to one or more
// replicas, with retries, backoff, replica affinity and a circuit breaker per
// replica. http:// endpoints use HttpConnection (http_connection.h), https://
// ones cpp-httplib; both stay inside the .cc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/base/clock.h"
#include "common/teacher/concurrency_limiter.h"
#include "common/teacher/teacher_client.h"
#include "common/teacher/teacher_stats.h"

namespace codi {

struct HttpTeacherOptions {
  // Base URLs, http(s)://host[:port][/path], e.g. http://127.0.0.1:8000/v1;
  // requests go to {base}/chat/completions.
  std::vector<std::string> endpoints;
  std::string api_key;  // bearer token; empty: no Authorization header. Never logged.
  int connect_timeout_ms = 5000;
  int read_timeout_ms = 120000;
  uint32_t max_attempts = 6;  // attempts per Complete() for retryable failures, first included
  uint32_t backoff_base_ms = 200;
  uint32_t backoff_max_ms = 10000;
  uint32_t breaker_failures = 5;  // consecutive failures that open an endpoint's circuit; 0: never
  uint32_t breaker_open_ms = 30000;  // how long it stays out of rotation before a probe
  bool verify_tls = true;            // https only
  uint64_t random_seed = 0;          // for jitter (0: from std::random_device)
  // The per-replica concurrency limiters (see concurrency_limiter.h), shared
  // by the process's clients; null: the client makes its own with
  // `limiter` options (adaptive, 1..1024, by default).
  std::shared_ptr<LimiterRegistry> limiters;
  ConcurrencyLimiterOptions limiter;
  // Called after every HTTP attempt (from the calling thread; must be
  // thread-safe and quick): the endpoint's base URL, the outcome, how long
  // the attempt took, and whether another attempt follows. For metrics.
  std::function<void(const std::string& endpoint, AttemptOutcome outcome, absl::Duration elapsed,
                     bool will_retry)>
      on_attempt;
};

// Thread-safe: any number of threads may call Complete() and Stats() at once.
// Each endpoint keeps a pool of keep-alive connections (one per concurrent
// request at most; idle ones are reused).
//
// Routing: the first attempt goes to endpoint affinity_key % n while its
// circuit is closed (so a conversation's turns reuse one replica's prefix
// cache), else to the next admitted one; a retry starts from the endpoint after
// the one that failed. When every circuit is open, the endpoint that reopens
// soonest is used rather than failing.
//
// Concurrency: each replica has a limiter (adaptive by default); an attempt
// first waits for a slot there, at most read_timeout_ms (a wait that runs out
// is a retryable "queue_timeout" that does not count against the replica's
// circuit). 429, 5xx and timeouts cut the limit; round trips drive it.
//
// Retries (with full-jitter exponential backoff, Retry-After honoured up to
// 60 s): 429, 5xx, connect failures, timeouts, resets, malformed bodies.
// Final at once: other 4xx (and 1xx/3xx). Status messages start with a short
// reason ("http_400: ...", "retries_exhausted: ...") and never hold the key.
class HttpTeacherClient : public TeacherClient {
 public:
  class Impl;  // defined in the .cc; holds everything httplib touches

  explicit HttpTeacherClient(std::unique_ptr<Impl> impl);
  ~HttpTeacherClient() override;

  [[nodiscard]] absl::StatusOr<CompletionResult> Complete(
      const CompletionRequest& request, uint32_t* attempts_out = nullptr) override;

  // A consistent snapshot of the cumulative counters.
  TeacherStats Stats() const;

  // The normalised base URLs, in configuration order.
  std::vector<std::string> endpoints() const;

  // The limiters this client uses (possibly shared with other clients).
  const std::shared_ptr<LimiterRegistry>& limiters() const;

 private:
  std::unique_ptr<Impl> impl_;
};

// Validates the options (every endpoint URL; a bad one is InvalidArgument
// naming it) and builds the client. No connection is made here.
[[nodiscard]] absl::StatusOr<std::unique_ptr<HttpTeacherClient>> MakeHttpTeacherClient(
    HttpTeacherOptions options, Clock* clock = RealClock());

// Reads the API key: from `file` when the path is non-empty (whitespace
// trimmed; an unreadable or empty file is an error naming the file), else
// from the environment variable `env_var` (unset or empty name: ""). The key
// itself never appears in an error.
[[nodiscard]] absl::StatusOr<std::string> LoadApiKey(const std::string& env_var,
                                                     const std::string& file);

}  // namespace codi
