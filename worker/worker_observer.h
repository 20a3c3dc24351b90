// What a worker reports as it executes conversations, for metrics
// (worker_metrics.h). Thread-safe implementations; called from work threads.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "codi/v1/conversation.pb.h"

namespace codi {

class WorkerObserver {
 public:
  virtual ~WorkerObserver() = default;
  // A turn accepted and checkpointed; `usage` is what it cost.
  virtual void TurnFinished(absl::Duration elapsed, const codi::v1::Usage& usage) {}
  // A reply rejected by validation ("empty", "refusal", "repeat", ...).
  virtual void TurnRegenerated(const std::string& reason) {}
  // "done", "failed", "lost" (lease refused or coordinator unreachable) or
  // "released" (handed back on shutdown).
  virtual void ConversationEnded(const std::string& outcome) {}
  virtual void InFlightChanged(int delta) {}
};

}  // namespace codi
