#include "worker/concurrency_flags.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace codi {

void ConcurrencyFlags::Add(FlagSet* flags) {
  flags->Int("concurrency", "CODI_CONCURRENCY", &concurrency,
             "fixed: at most N teacher requests per replica and N conversations in flight; 0 "
             "(default): an adaptive limit per replica that finds the teacher's knee from latency");
  flags->Int("min-concurrency", "CODI_MIN_CONCURRENCY", &min_concurrency,
             "adaptive mode: the lowest limit per replica");
  flags->Int("max-concurrency", "CODI_MAX_CONCURRENCY", &max_concurrency,
             "adaptive mode: the highest limit per replica (vLLM's max_num_seqs tops out near "
             "1,024 on one GPU)");
  flags->Int("max-in-flight", "CODI_MAX_IN_FLIGHT", &max_in_flight,
             "adaptive mode: most conversations in flight (0: the replicas' maxima plus a quarter, "
             "up to 4096; the limits decide how many are actually held)");
}

absl::Status ConcurrencyFlags::Validate() const {
  if (concurrency < 0 || concurrency > kMaxInFlight) {
    return absl::InvalidArgumentError("--concurrency must be 0 (adaptive) or 1..4096");
  }
  if (min_concurrency < 1 || max_concurrency < min_concurrency || max_concurrency > kMaxInFlight) {
    return absl::InvalidArgumentError(
        "--min-concurrency must be at least 1 and --max-concurrency between it and 4096");
  }
  if (max_in_flight < 0 || max_in_flight > kMaxInFlight) {
    return absl::InvalidArgumentError("--max-in-flight must be 0 (automatic) or 1..4096");
  }
  return absl::OkStatus();
}

ConcurrencyLimiterOptions ConcurrencyFlags::LimiterOptions() const {
  ConcurrencyLimiterOptions out;
  out.fixed = static_cast<int>(concurrency);
  out.min_limit = static_cast<int>(min_concurrency);
  out.max_limit = static_cast<int>(max_concurrency);
  return out;
}

void ConcurrencyFlags::Apply(int replicas, const std::shared_ptr<LimiterRegistry>& limiters,
                             WorkerOptions* options) const {
  if (concurrency > 0) {
    options->concurrency = static_cast<int>(concurrency);
    options->in_flight_target = nullptr;
    return;
  }
  int64_t threads = max_in_flight;
  if (threads == 0) {
    threads = replicas > 0 ? replicas * max_concurrency + replicas * max_concurrency / 4 + 4
                           : kMaxInFlight;
  }
  threads = std::clamp<int64_t>(threads, 1, kMaxInFlight);
  options->concurrency = static_cast<int>(threads);
  options->in_flight_target = [limiters] { return limiters->InFlightTarget(); };
}

std::string ConcurrencyFlags::Describe() const {
  return concurrency > 0 ? absl::StrCat("fixed ", concurrency)
                         : absl::StrCat("adaptive ", min_concurrency, "..", max_concurrency);
}

}  // namespace codi
