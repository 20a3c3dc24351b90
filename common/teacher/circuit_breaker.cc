#include "common/teacher/circuit_breaker.h"

namespace codi {

CircuitBreaker::CircuitBreaker(uint32_t failure_threshold, absl::Duration open_for)
    : failure_threshold_(failure_threshold), open_for_(open_for) {}

CircuitBreaker::Admission CircuitBreaker::Admit(absl::Time now) {
  MutexLock lock(&mu_);
  if (!open_) return Admission::kAllowed;
  if (now < reopens_at_ || probe_in_flight_) return Admission::kDenied;
  probe_in_flight_ = true;
  return Admission::kProbe;
}

void CircuitBreaker::RecordSuccess() {
  MutexLock lock(&mu_);
  consecutive_failures_ = 0;
  open_ = false;
  probe_in_flight_ = false;
  reopens_at_ = absl::InfinitePast();
}

void CircuitBreaker::RecordFailure(absl::Time now, bool was_probe) {
  MutexLock lock(&mu_);
  if (consecutive_failures_ < UINT32_MAX) ++consecutive_failures_;
  if (was_probe) probe_in_flight_ = false;
  if (open_) {
    if (was_probe) ++times_opened_;  // half-open back to open
    reopens_at_ = now + open_for_;
    return;
  }
  if (failure_threshold_ > 0 && consecutive_failures_ >= failure_threshold_) {
    open_ = true;
    reopens_at_ = now + open_for_;
    ++times_opened_;
  }
}

CircuitBreaker::State CircuitBreaker::state(absl::Time now) const {
  MutexLock lock(&mu_);
  if (!open_) return State::kClosed;
  return now < reopens_at_ ? State::kOpen : State::kHalfOpen;
}

absl::Time CircuitBreaker::reopens_at() const {
  MutexLock lock(&mu_);
  return reopens_at_;
}

uint64_t CircuitBreaker::times_opened() const {
  MutexLock lock(&mu_);
  return times_opened_;
}

}  // namespace codi
