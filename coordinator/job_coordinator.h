// The coordinator side of codi: holds jobs, turns documents into work as
// workers ask for it, leases conversations, checkpoints every reported turn
// and assembles finished conversations. `codi run` uses it in process;
// codi-coordinator serves it over gRPC.
//
// Memory stays bounded whatever the job size: documents are read from the
// source a few at a time (a cursor in the job record says how far), and only
// a bounded queue of pending conversation keys and the live leases are held.
//
// Thread-safe: one mutex guards the in-memory bookkeeping (queues, leases,
// counters). The hot paths (turn reports, finishes, lease grants, reading
// documents into work) decide under it, write their batch with it released
// (StateStore group-commits concurrent batches into one write), then apply
// the result under it: a reply is sent only after its batch is durable, and
// a write that fails changes nothing in memory. While a conversation's write
// is in flight its lease is marked `writing`: it neither expires nor takes
// another report (that one is answered UNAVAILABLE and retried), so writes
// to one conversation stay in order. Rare events (a lease expiring, a
// release, a job's end, a cancel) still write under the mutex.
// A Lease with wait_ms waits on that mutex for work to appear (a submitted
// job, a released or expired lease, a job's end), not by polling.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "codi/v1/state.pb.h"
#include "common/base/clock.h"
#include "common/base/mutex.h"
#include "common/format/document_jsonl.h"
#include "common/method/graph_sampler.h"
#include "common/method/usage.h"
#include "common/service/work_source.h"
#include "coordinator/coordinator_observer.h"
#include "coordinator/state_store.h"

namespace codi {

struct CoordinatorOptions {
  // A lease not heard from (turn report or heartbeat) for this long expires.
  absl::Duration lease_ttl = absl::Seconds(60);
  // Leases found in the store at start-up expire after this long (workers
  // that outlived the coordinator may still report within it). 0 for `codi
  // run`, where no other process can hold them.
  absl::Duration recovered_lease_grace = absl::Seconds(60);
  // Pending conversations kept ready per job; documents are read when fewer
  // than `low_watermark` are ready, until `high_watermark`.
  size_t low_watermark = 256;
  size_t high_watermark = 1024;
  // Lease expiry, timestamps and lease waits. Not owned.
  Clock* clock = RealClock();
  // Hooks for metrics; null: none. Not owned.
  CoordinatorObserver* observer = nullptr;
  // Documents paths that callers name must lie inside this directory (empty:
  // anywhere the process can read, as for `codi run`). Uploads are exempt:
  // the coordinator chose their path.
  std::string documents_root;
  // Jobs running at once; a submit beyond it is RESOURCE_EXHAUSTED. 0: no limit.
  size_t max_running_jobs = 0;
  // Largest job spec (serialised bytes) a submit may carry. 0: no limit.
  size_t max_spec_bytes = 0;
};

// Where a submitted job's documents path comes from.
enum class DocumentsOrigin {
  kCaller,  // named by whoever submitted: confined to documents_root
  kUpload,  // a file DocumentUploads wrote
};

struct JobProgress {
  codi::v1::JobState state = codi::v1::JOB_STATE_UNSPECIFIED;
  uint64_t created = 0;  // conversations created so far
  uint64_t done = 0;
  uint64_t failed = 0;
  uint64_t leased = 0;
  uint64_t pending = 0;
  uint64_t turns = 0;  // turns checkpointed, finished conversations included
  uint64_t documents_accepted = 0;
  uint64_t documents_skipped = 0;
  bool documents_exhausted = false;
  // Estimate of the conversations the job will have (exact once exhausted).
  uint64_t estimated_total = 0;
  codi::v1::Usage usage;
  std::string failure;
  int64_t created_unix_ms = 0;
  int64_t finished_unix_ms = 0;
};

class JobCoordinator : public WorkSource {
 public:
  // Loads every job from the store and rebuilds queues and counters.
  static absl::StatusOr<std::unique_ptr<JobCoordinator>> Create(StateStore* store,
                                                                CoordinatorOptions options);

  // Creates a job, for `codi run` and `codi submit` alike: checks `spec` as a
  // job file is checked (INVALID_ARGUMENT naming the field), applies the
  // defaults, and reads documents from `documents_path` (empty: the spec's
  // documents.path). With a non-empty `job_id` that already exists, the call
  // resumes it when the spec is the same and fails otherwise.
  [[nodiscard]] absl::StatusOr<std::string> SubmitJob(
      const codi::v1::JobSpec& spec, const std::string& documents_path, const std::string& job_id,
      DocumentsOrigin origin = DocumentsOrigin::kCaller);
  [[nodiscard]] absl::StatusOr<JobProgress> Progress(const std::string& job_id);
  [[nodiscard]] absl::Status Cancel(const std::string& job_id);
  std::vector<std::string> JobIds();
  // Workers that leased or sent a heartbeat within `window`.
  size_t WorkersSeenWithin(absl::Duration window);

  // WorkSource.
  absl::StatusOr<codi::v1::LeaseResponse> Lease(const codi::v1::LeaseRequest& request) override;
  absl::Status ReportTurn(const codi::v1::TurnReport& report) override;
  absl::Status Finish(const codi::v1::FinishReport& report) override;
  // Turn reports and finishes of several conversations in one store write;
  // one status per report, turns first, then finishes, as in the batch.
  std::vector<absl::Status> Report(const codi::v1::ReportBatch& batch);
  absl::Status Release(const codi::v1::ReleaseRequest& request) override;
  absl::StatusOr<codi::v1::HeartbeatResponse> Heartbeat(
      const codi::v1::HeartbeatRequest& request) override;
  absl::StatusOr<codi::v1::JobSpecResponse> GetJobSpec(
      const codi::v1::JobSpecRequest& request) override;
  // Ends every waiting Lease now and makes later ones answer at once (server
  // shutdown, or `codi run` interrupted).
  void CancelWaits() override;

 private:
  struct LiveLease {
    codi::v1::ConversationRecord record;
    absl::Time expires;
    // A write for this conversation is in flight (see the class comment).
    bool writing = false;
  };
  using DocSample = std::pair<std::string, uint32_t>;
  // A queued conversation and its record as stored (no read to lease it).
  struct Queued {
    DocSample ds;
    codi::v1::ConversationRecord record;
  };
  struct Job {
    codi::v1::JobRecord record;
    std::unique_ptr<GraphSampler> sampler;
    std::deque<Queued> pending;
    // Documents are being read into work with the mutex released; the reader
    // and the record's cursor belong to that reader until it ends.
    bool refilling = false;
    absl::flat_hash_map<DocSample, LiveLease> leased;
    std::optional<DocumentJsonlReader> reader;
    uint64_t source_bytes = 0;
    uint64_t done = 0, failed = 0, turns = 0;
    codi::v1::Usage usage;
  };

  JobCoordinator(StateStore* store, CoordinatorOptions options)
      : store_(store), options_(std::move(options)), clock_(options_.clock) {
    if (options_.observer != nullptr) observer_ = options_.observer;
  }

  absl::Status LoadJob(const codi::v1::JobRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads documents until the pending queue reaches the high watermark or the
  // source ends, with the mutex released while it reads and writes. A
  // document-source I/O error fails the job.
  absl::Status Refill(Job& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A job whose queue runs low and that nobody refills yet, or null.
  Job* JobToRefill() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  struct Grant {
    Job* job;
    ConversationId id;
    codi::v1::ConversationRecord record;
    codi::v1::Lease lease;
  };
  // Grants what is ready now (in memory, leases marked writing); the caller
  // writes them with WriteGrants.
  absl::StatusOr<std::vector<Grant>> PlanGrants(const codi::v1::LeaseRequest& request,
                                                bool* any_unfinished)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads what the grants' leases carry and writes their records, with the
  // mutex released; then applies the outcome under it.
  absl::Status WriteGrants(std::vector<Grant>& grants) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ExpireLeases(Job& job, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MaybeComplete(Job& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The live lease a report refers to, or FAILED_PRECONDITION.
  absl::StatusOr<std::pair<Job*, LiveLease*>> FindLease(const codi::v1::ConversationKey& key,
                                                        uint64_t epoch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // FindLease for a worker's report: a refusal is counted as one.
  absl::StatusOr<std::pair<Job*, LiveLease*>> FindReportedLease(
      const codi::v1::ConversationKey& key, uint64_t epoch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The earliest expiry of a live lease (InfiniteFuture when none).
  absl::Time NextLeaseExpiry() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Something a waiting Lease may now find: new work, or a job's end.
  void WorkChanged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { ++work_generation_; }
  // A report accepted for writing: what to apply once its batch is durable.
  struct Staged {
    size_t slot;  // index into the batch's statuses
    Job* job;
    DocSample ds;
    uint64_t epoch;
    codi::v1::ConversationRecord next;
    bool finish;
    codi::v1::Usage usage;
  };
  // Checks a report under the mutex: an error, OK for a retried report that
  // is already durable, or the ops to write (added to `batch`).
  absl::Status StageTurn(const codi::v1::TurnReport& report, size_t slot, WriteBatch& batch,
                         std::vector<Staged>& staged) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StageFinish(const codi::v1::FinishReport& report, size_t slot, WriteBatch& batch,
                           std::vector<Staged>& staged) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What one report batch changed in a job, for the observer (one call per
  // job and batch).
  struct Tally {
    Job* job;
    size_t turns = 0, done = 0, failed = 0;
  };
  void ApplyStaged(Staged& s, const absl::Status& written, Tally& tally)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<absl::Status> ReportMany(const std::vector<const codi::v1::TurnReport*>& turns,
                                       const std::vector<const codi::v1::FinishReport*>& finishes)
      ABSL_LOCKS_EXCLUDED(mu_);

  StateStore* store_;
  CoordinatorOptions options_;
  Clock* clock_;
  Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Job>> jobs_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> job_order_ ABSL_GUARDED_BY(mu_);  // round-robin leasing
  size_t next_job_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, absl::Time> workers_seen_ ABSL_GUARDED_BY(mu_);
  uint64_t work_generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_waits_ ABSL_GUARDED_BY(mu_) = false;
  CoordinatorObserver no_observer_;
  CoordinatorObserver* observer_ = &no_observer_;
};

}  // namespace codi
