#include "tools/teacher_sim/batch_gate.h"

#include <algorithm>

namespace codi {

BatchGate::BatchGate(int64_t max_running, Clock* clock)
    : max_running_(std::max<int64_t>(max_running, 1)),
      clock_(clock),
      busy_(absl::ZeroDuration()),
      last_change_(clock->Now()) {}

void BatchGate::Accumulate() const {
  const absl::Time now = clock_->Now();
  busy_ += (now - last_change_) * running_;
  last_change_ = now;
}

double BatchGate::busy_slot_seconds() const {
  MutexLock lock(&mu_);
  Accumulate();
  return absl::ToDoubleSeconds(busy_);
}

bool BatchGate::Acquire() {
  MutexLock lock(&mu_);
  if (shutdown_) return false;
  const uint64_t ticket = next_ticket_++;
  auto may_run = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return shutdown_ || (ticket == next_to_run_ && running_ < max_running_);
  };
  ++waiting_;
  mu_.Await(absl::Condition(&may_run));
  --waiting_;
  // After Shutdown() the ticket order no longer matters: no one runs.
  if (shutdown_) return false;
  ++next_to_run_;
  Accumulate();
  ++running_;
  peak_running_ = std::max(peak_running_, running_);
  return true;
}

void BatchGate::Release() {
  MutexLock lock(&mu_);
  Accumulate();
  --running_;
}

void BatchGate::Shutdown() {
  MutexLock lock(&mu_);
  shutdown_ = true;
}

int64_t BatchGate::running() const {
  MutexLock lock(&mu_);
  return running_;
}

int64_t BatchGate::waiting() const {
  MutexLock lock(&mu_);
  return waiting_;
}

int64_t BatchGate::peak_running() const {
  MutexLock lock(&mu_);
  return peak_running_;
}

}  // namespace codi
