// What the coordinator reports as it works, for metrics. The domain class
// calls these hooks; coordinator_metrics.h turns them into Prometheus series.
// Implementations must be thread-safe and must not call back into the
// coordinator (hooks run under its lock).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace codi {

class CoordinatorObserver {
 public:
  virtual ~CoordinatorObserver() = default;
  virtual void LeasesGranted(size_t n) {}
  virtual void LeasesExpired(size_t n) {}
  // A report or finish under a lease that is no longer held.
  virtual void ReportRefused() {}
  // Called once per job and report batch, with the batch's counts (a
  // metric label lookup per batch, not per turn).
  virtual void TurnsCheckpointed(const std::string& job, size_t n) {}
  virtual void ConversationsFinished(const std::string& job, size_t done, size_t failed) {}
  // The store refused a write of `operation` ("report", "lease", "probe", ...).
  virtual void StoreWriteFailed(std::string_view operation) {}
  // The store takes writes again (true), or stopped taking them (false).
  virtual void StoreHealthChanged(bool healthy) {}
};

}  // namespace codi
