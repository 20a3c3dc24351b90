// The worker side's main loop: `concurrency` threads each lease one
// conversation at a time from a WorkSource and execute it; a heartbeat thread
// keeps the held leases alive. A thread with nothing to do waits inside its
// Lease call (a long poll) until work appears; nothing polls at an interval. Used in process by
// `codi run` and over gRPC by codi-worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "common/base/clock.h"
#include "common/base/mutex.h"
#include "common/service/work_source.h"
#include "common/teacher/teacher_client.h"
#include "worker/conversation_executor.h"

namespace codi {

class SmallStackThread;  // worker_runtime.cc

struct WorkerOptions {
  std::string worker_id = "worker";
  // The most conversations in flight at once (one thread each).
  int concurrency = 16;
  // When set, conversations in flight are kept at or below its value too
  // (re-read as conversations end and at least every quarter second): the
  // teacher limiters' InFlightTarget(), so that conversations follow the
  // limits without leasing work that would only wait for a slot.
  std::function<int()> in_flight_target;
  // Stack of each conversation thread: small, so that thousands fit in a
  // few hundred MiB of address space (only touched pages are resident).
  size_t thread_stack_bytes = 256 * 1024;
  // Return from Run() once the source says no job has work left (codi run).
  bool exit_when_idle = false;
  // How long one Lease call may wait for work to appear (LeaseRequest.wait_ms).
  absl::Duration lease_wait = absl::Seconds(10);
  absl::Duration heartbeat_interval = absl::Seconds(10);
  // Heartbeat timing, turn timing, backoff. Not owned.
  Clock* clock = RealClock();
  // Makes the teacher client for a job (endpoints and keys from its spec, or
  // the worker's --teacher override).
  std::function<absl::StatusOr<std::shared_ptr<TeacherClient>>(const codi::v1::JobSpec&)>
      make_teacher;
  // Hooks for metrics; null: none. Not owned.
  WorkerObserver* observer = nullptr;
};

struct WorkerCounters {
  std::atomic<uint64_t> conversations_finished{0};
  std::atomic<uint64_t> conversations_failed{0};
  std::atomic<uint64_t> leases_lost{0};
  std::atomic<uint64_t> turns{0};
  std::atomic<uint64_t> in_flight{0};
};

class WorkerRuntime {
 public:
  WorkerRuntime(WorkSource* source, WorkerOptions options);
  ~WorkerRuntime();

  // Blocks until Stop() (and in-flight conversations are handed back) or,
  // with exit_when_idle, until no work is left. Returns the first fatal error
  // (e.g. a job whose spec this worker cannot run).
  absl::Status Run();
  // Stops leasing; in-flight conversations stop after their current teacher
  // call and are released. Safe from any thread (not from a signal handler).
  void Stop();
  // Hands every conversation still being executed back to the coordinator
  // (for a shutdown deadline that in-flight calls did not meet). Their
  // threads' later reports are refused: a release supersedes the lease.
  // Returns how many were handed back.
  int ReleaseHeld();

  const WorkerCounters& counters() const { return counters_; }

 private:
  void WorkLoop(int index);
  // Waits until thread `index` may lease (under the in-flight target) or stop.
  void EnterGate(int index);
  void RefreshGate();
  // Starts work threads until `count` (at most `concurrency`) exist.
  void SpawnUpTo(int count);
  void HeartbeatLoop();
  absl::StatusOr<std::shared_ptr<const JobContext>> ContextFor(const std::string& job_id);

  WorkSource* source_;
  WorkerOptions options_;
  WorkerCounters counters_;
  std::atomic<bool> stop_{false};
  // exit_when_idle: a lease call said no work is left anywhere.
  std::atomic<bool> idle_{false};
  Mutex mu_;
  // Heartbeats go on after Stop() until the last conversation is done or
  // handed back, so a long drain does not let its leases expire.
  bool heartbeat_stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, std::shared_ptr<const JobContext>> contexts_
      ABSL_GUARDED_BY(mu_);
  // Leases being executed, for heartbeats: key text -> lease key and epoch.
  absl::flat_hash_map<std::string, std::pair<codi::v1::ConversationKey, uint64_t>> held_
      ABSL_GUARDED_BY(mu_);
  absl::Status fatal_ ABSL_GUARDED_BY(mu_);
  // With an in_flight_target, thread i leases only while i < gate_target_.
  // Threads re-read the target between conversations; it changes rarely, so
  // waiters are woken (and their cheap conditions checked) rarely.
  Mutex gate_mu_;
  int gate_target_ ABSL_GUARDED_BY(gate_mu_) = 0;
  std::atomic<int> gate_target_seen_{-1};
  Mutex threads_mu_;
  std::vector<std::unique_ptr<SmallStackThread>> threads_ ABSL_GUARDED_BY(threads_mu_);
};

}  // namespace codi
