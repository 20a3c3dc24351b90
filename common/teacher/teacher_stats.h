// Cumulative counters of a teacher client, for job reports and metrics.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace codi {

// How one HTTP attempt ended.
enum class AttemptOutcome {
  kOk,         // 2xx with a well-formed completion
  kHttp4xx,    // a final client error (400, 401, 403, 404, 422, ...)
  kHttp429,    // rate limited, retried
  kHttp5xx,    // server error, retried
  kHttpOther,  // 1xx or 3xx: not an API reply, final
  kTimeout,    // no reply within the read timeout
  kConnect,    // connection refused, unreachable, connect timeout, TLS handshake
  kReset,      // connection reset or closed without a complete reply
  kMalformed,  // 2xx whose body is not a chat completion
};
inline constexpr size_t kAttemptOutcomeCount = 9;

// "ok", "http_4xx", "http_429", "http_5xx", "http_other", "timeout", "connect",
// "reset", "malformed": stable names for metrics labels and reports.
absl::string_view AttemptOutcomeName(AttemptOutcome outcome);

struct EndpointStats {
  std::string endpoint;  // the normalised base URL
  // Every HTTP attempt sent to this endpoint, by how it ended.
  std::array<uint64_t, kAttemptOutcomeCount> attempts_by_outcome{};
  uint64_t retries = 0;         // attempts here that retried an earlier failed attempt
  uint64_t circuit_opened = 0;  // times its circuit breaker opened
  bool circuit_open = false;    // whether the circuit was open (or half-open) at the snapshot

  uint64_t attempts(AttemptOutcome outcome) const {
    return attempts_by_outcome[static_cast<size_t>(outcome)];
  }
  uint64_t total_attempts() const;
};

// A consistent snapshot of a client's counters since it was made.
struct TeacherStats {
  std::vector<EndpointStats> endpoints;  // in the order the endpoints were configured
  uint64_t completions_ok = 0;           // Complete() calls that returned a completion
  uint64_t completions_final = 0;        // ... that failed at once (a final HTTP error)
  uint64_t completions_exhausted = 0;    // ... that failed after max_attempts

  uint64_t attempts(AttemptOutcome outcome) const;  // summed over endpoints
  uint64_t total_attempts() const;
  uint64_t retries() const;
};

}  // namespace codi
