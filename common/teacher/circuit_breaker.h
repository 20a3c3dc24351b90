// A per-endpoint circuit breaker: `failure_threshold` consecutive failures
// open the circuit for `open_for`; then one probe request is let through
// (half-open) and its success closes the circuit, its failure reopens it.
#pragma once

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "common/base/mutex.h"

namespace codi {

// Thread-safe. Time comes from the caller, so tests drive it exactly.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  enum class Admission { kDenied, kAllowed, kProbe };

  // A threshold of 0 disables the breaker: the circuit never opens.
  CircuitBreaker(uint32_t failure_threshold, absl::Duration open_for);

  // Whether a request may use the endpoint now. kProbe: the open period has
  // passed and this request is the single half-open probe; the caller must
  // report its outcome with was_probe = true.
  Admission Admit(absl::Time now);

  // The endpoint answered (any HTTP reply that is not a retryable failure):
  // closes the circuit and resets the failure count.
  void RecordSuccess();
  // A retryable failure. Opens the circuit at the threshold; a failure while
  // open (a failed probe, or a request sent because every endpoint was open)
  // keeps it open for another `open_for` from `now`.
  void RecordFailure(absl::Time now, bool was_probe);

  State state(absl::Time now) const;
  // When an open circuit admits its probe; InfinitePast() while closed.
  absl::Time reopens_at() const;
  // How many times the circuit went from closed or half-open to open.
  uint64_t times_opened() const;

 private:
  const uint32_t failure_threshold_;
  const absl::Duration open_for_;
  mutable Mutex mu_;
  uint32_t consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  bool probe_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time reopens_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t times_opened_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace codi
