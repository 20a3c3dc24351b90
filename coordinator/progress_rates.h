// Rates and ETA of a job from successive JobStatus snapshots: conversations,
// turns and tokens per second as an exponential average over the updates so
// far, and the seconds left at the current rate. One instance per watcher
// (`codi watch` through WatchJob, and `codi run`'s progress line). Time comes
// from the injected clock. Not thread-safe: one watcher, one thread.
#pragma once

#include <optional>

#include "absl/time/time.h"
#include "codi/v1/service.pb.h"
#include "common/base/clock.h"

namespace codi {

class ProgressRates {
 public:
  explicit ProgressRates(Clock* clock) : clock_(clock) {}

  // Fills status's conversations_per_second, turns_per_second,
  // tokens_per_second and eta_seconds from its counts and the previous call's.
  void Update(codi::v1::JobStatus* status);

 private:
  Clock* clock_;
  std::optional<codi::v1::JobStatus> previous_;
  absl::Time previous_time_;
  double conversations_ = 0, turns_ = 0, tokens_ = 0;
};

}  // namespace codi
