// The simulator's stand-in for vLLM's max_num_seqs: at most `max_running`
// requests run at once; the rest wait, first come first served.
#pragma once

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace codi {

// Thread-safe.
class BatchGate {
 public:
  explicit BatchGate(int64_t max_running);

  BatchGate(const BatchGate&) = delete;
  BatchGate& operator=(const BatchGate&) = delete;

  // Blocks until this caller may run, in arrival order. Returns false, without
  // taking a slot, once Shutdown() was called.
  [[nodiscard]] bool Acquire();
  // Gives back a slot taken by a successful Acquire().
  void Release();
  // Wakes every waiter; later Acquire() calls fail at once.
  void Shutdown();

  int64_t running() const;
  int64_t waiting() const;
  // The most requests ever running at once.
  int64_t peak_running() const;

 private:
  const int64_t max_running_;
  mutable absl::Mutex mu_;
  int64_t running_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t peak_running_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t waiting_ ABSL_GUARDED_BY(mu_) = 0;
  // Tickets give FIFO order: a waiter runs when its ticket is next_to_run_.
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_to_run_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace codi
