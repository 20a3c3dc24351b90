// The one module that reads and writes the coordinator's RocksDB state.
//
// Column families (one per table) and keys, each key starting with the key
// format version byte (common/key_codec.h; strings escaped and terminated so
// that byte order is tuple order):
//
//   jobs           (job_id)                        -> JobRecord
//   documents      (job_id, doc_id)                -> Document
//   conversations  (job_id, doc_id, sample u32)    -> ConversationRecord
//   turns          (job_id, doc_id, sample, index) -> Turn
//   results        (job_id, doc_id, sample)        -> Conversation (older state only)
//   skipped        (job_id, line u64)              -> SkippedDocument
//
// A finished conversation is its DONE record plus its turns rows, which are
// kept: it is assembled (document as CONTEXT turn, role weights) when it is
// exported, not rewritten when it finishes. State written before this layout
// has a `results` row instead, which export still reads.
//
// Every mutation is one WriteBatch: what must change together (a turn
// appended and its conversation's progress moved; a document, its
// conversations and the job's cursor) lands atomically.
//
// Group commit: concurrent Commit calls are merged into one KvStore write
// (one WAL write, one fsync with `sync`). The first caller to find no write in
// progress writes every batch queued by then; callers arriving meanwhile are
// written by the next leader, without any added wait. A call returns only
// once its own batch is durable (or with the error that refused the group).
// Durability: when a call returns OK the batch is in the WAL (survives a
// process crash); with `sync` it is also fsynced (survives power loss).
// Thread-safe (RocksDB is); callers order writes to one conversation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "codi/v1/conversation.pb.h"
#include "codi/v1/state.pb.h"
#include "common/base/clock.h"
#include "common/base/mutex.h"
#include "common/storage/kv_store.h"
#include "common/storage/proto_table.h"

namespace codi {

struct ConversationId {
  std::string job_id;
  std::string doc_id;
  uint32_t sample = 0;
  bool operator==(const ConversationId&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const ConversationId& c) {
    return H::combine(std::move(h), c.job_id, c.doc_id, c.sample);
  }
};

class StateStore {
 public:
  // The table names, for opening the KvStore.
  static const std::vector<std::string>& Tables();

  // `clock` times the writes for the write observer. Not owned.
  StateStore(KvStore* kv, bool sync_writes, Clock* clock = RealClock());

  KvStore* kv() const { return kv_; }
  // Called with the duration of every store write (one per group; metrics).
  // Set before use.
  void set_write_observer(std::function<void(absl::Duration)> observer) {
    write_observer_ = std::move(observer);
  }
  // Called after every Commit with its operation name and result (store
  // health, error metrics). Set before use; must not call back into the store.
  void set_status_observer(
      std::function<void(std::string_view operation, const absl::Status&)> observer) {
    status_observer_ = std::move(observer);
  }

  absl::StatusOr<std::optional<codi::v1::JobRecord>> GetJob(const std::string& job_id) const;
  absl::Status ScanJobs(const std::function<bool(const codi::v1::JobRecord&)>& visit) const;
  absl::StatusOr<std::optional<codi::v1::Document>> GetDocument(const std::string& job_id,
                                                                const std::string& doc_id) const;
  absl::StatusOr<std::optional<codi::v1::ConversationRecord>> GetConversation(
      const ConversationId& id) const;
  // Conversations of one job in key order (doc_id, sample).
  absl::Status ScanConversations(
      const std::string& job_id,
      const std::function<bool(const ConversationId&, const codi::v1::ConversationRecord&)>& visit)
      const;
  // The first `count` checkpointed turns of a conversation, in order.
  absl::StatusOr<std::vector<codi::v1::Turn>> GetTurns(const ConversationId& id,
                                                       uint32_t count) const;
  // Finished conversations of one job in key order (doc_id, sample), as
  // exported: assembled from the DONE record, its document and its turns.
  absl::Status ScanResults(const std::string& job_id,
                           const std::function<bool(const codi::v1::Conversation&)>& visit) const;
  absl::Status ScanSkipped(
      const std::string& job_id,
      const std::function<bool(const codi::v1::SkippedDocument&)>& visit) const;

  [[nodiscard]] absl::Status PutJob(const codi::v1::JobRecord& job);
  // Lease expiries and releases: conversation records only.
  [[nodiscard]] absl::Status PutConversations(
      const std::vector<std::pair<ConversationId, codi::v1::ConversationRecord>>& records);
  // A write that changes nothing (a key put and deleted in one batch), to
  // learn whether the store takes writes again after a failure.
  [[nodiscard]] absl::Status Probe();

  // Building blocks for callers that gather several changes into one batch.
  void AddTurn(WriteBatch& batch, const ConversationId& id, uint32_t index,
               const codi::v1::Turn& turn) const;
  void AddConversation(WriteBatch& batch, const ConversationId& id,
                       const codi::v1::ConversationRecord& record) const;
  void AddDocument(WriteBatch& batch, const std::string& job_id,
                   const codi::v1::Document& doc) const;
  void AddSkipped(WriteBatch& batch, const std::string& job_id,
                  const codi::v1::SkippedDocument& skipped) const;
  void AddJob(WriteBatch& batch, const codi::v1::JobRecord& job) const;
  // Writes `batch` durably (group commit, see above). `operation` names it
  // for the status observer ("report", "lease", "ingest", ...).
  [[nodiscard]] absl::Status Commit(WriteBatch batch, std::string_view operation);

  // The exported form of a finished conversation.
  static codi::v1::Conversation Assemble(const codi::v1::JobRecord& job,
                                         const codi::v1::Document& doc, const ConversationId& id,
                                         const codi::v1::ConversationRecord& record,
                                         std::vector<codi::v1::Turn> turns);

 private:
  struct PendingWrite;
  [[nodiscard]] absl::Status WriteGroup(std::vector<PendingWrite*>& group);

  KvStore* kv_;
  bool sync_;
  Clock* clock_;
  std::function<void(absl::Duration)> write_observer_;
  std::function<void(std::string_view, const absl::Status&)> status_observer_;
  Mutex commit_mu_;
  // Batches waiting for the next group, and whether a group is being written.
  std::vector<PendingWrite*> queue_ ABSL_GUARDED_BY(commit_mu_);
  bool writing_ ABSL_GUARDED_BY(commit_mu_) = false;
  ProtoTable<codi::v1::JobRecord> jobs_;
  ProtoTable<codi::v1::Document> documents_;
  ProtoTable<codi::v1::ConversationRecord> conversations_;
  ProtoTable<codi::v1::Turn> turns_;
  ProtoTable<codi::v1::Conversation> results_;
  ProtoTable<codi::v1::SkippedDocument> skipped_;
};

}  // namespace codi
