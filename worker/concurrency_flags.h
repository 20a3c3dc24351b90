// The concurrency flags shared by codi-worker and `codi run`, and how they
// turn into teacher limiters and the number of conversations in flight.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/base/clock.h"
#include "common/base/flags.h"
#include "common/teacher/concurrency_limiter.h"
#include "worker/worker_runtime.h"

namespace codi {

// Conversations in flight a process can hold (one small-stack thread each).
inline constexpr int64_t kMaxInFlight = 4096;

struct ConcurrencyFlags {
  int64_t concurrency = 0;  // > 0: fixed; 0: adaptive per replica
  int64_t min_concurrency = 1;
  int64_t max_concurrency = 1024;
  int64_t max_in_flight = 0;  // 0: from the replicas' maxima, at most kMaxInFlight

  void Add(FlagSet* flags);
  // An error names the flag.
  [[nodiscard]] absl::Status Validate() const;
  ConcurrencyLimiterOptions LimiterOptions() const;
  // Sets options->concurrency (threads) and options->in_flight_target for
  // `limiters`; `replicas` is the number of teacher replicas when known, 0
  // when not (a worker whose jobs name their endpoints).
  void Apply(int replicas, const std::shared_ptr<LimiterRegistry>& limiters,
             WorkerOptions* options) const;
  std::string Describe() const;  // for logs: "adaptive 1..1024" or "fixed 32"
};

}  // namespace codi
