// The one module that reads and writes the coordinator's RocksDB state.
//
// Column families (one per table) and keys, each key starting with the key
// format version byte (common/key_codec.h; strings escaped and terminated so
// that byte order is tuple order):
//
//   jobs           (job_id)                        -> JobRecord
//   documents      (job_id, doc_id)                -> Document
//   conversations  (job_id, doc_id, sample u32)    -> ConversationRecord
//   turns          (job_id, doc_id, sample, index) -> Turn   (checkpoints)
//   results        (job_id, doc_id, sample)        -> Conversation (finished)
//   skipped        (job_id, line u64)              -> SkippedDocument
//
// Every mutating call writes one WriteBatch: what must change together
// (a turn appended and its conversation's progress moved; a result written,
// the conversation marked done and its checkpoints deleted) lands atomically.
// Durability: when a call returns OK the batch is in the WAL (survives a
// process crash); with `sync` it is also fsynced (survives power loss).
// Thread-safe (RocksDB is); callers order writes to one conversation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "codi/v1/conversation.pb.h"
#include "codi/v1/state.pb.h"
#include "common/base/clock.h"
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
  // Called with the duration of every batch write (metrics). Set before use.
  void set_write_observer(std::function<void(absl::Duration)> observer) {
    write_observer_ = std::move(observer);
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
  // Finished conversations of one job in key order (doc_id, sample).
  absl::Status ScanResults(const std::string& job_id,
                           const std::function<bool(const codi::v1::Conversation&)>& visit) const;
  absl::Status ScanSkipped(
      const std::string& job_id,
      const std::function<bool(const codi::v1::SkippedDocument&)>& visit) const;

  [[nodiscard]] absl::Status PutJob(const codi::v1::JobRecord& job);
  // One document's worth of work: the document (or a skip record), its
  // conversations, and the job record with the advanced cursor.
  [[nodiscard]] absl::Status IngestDocument(
      const codi::v1::JobRecord& job, const codi::v1::Document* doc,
      const std::vector<std::pair<uint32_t, codi::v1::ConversationRecord>>& conversations,
      const codi::v1::SkippedDocument* skipped);
  // Lease grants, expiries, releases and failures: conversation records only.
  [[nodiscard]] absl::Status PutConversations(
      const std::vector<std::pair<ConversationId, codi::v1::ConversationRecord>>& records);
  // Checkpoint: the turn at `index` and the conversation's new progress.
  [[nodiscard]] absl::Status AppendTurn(const ConversationId& id, uint32_t index,
                                        const codi::v1::Turn& turn,
                                        const codi::v1::ConversationRecord& record);
  // The finished conversation, its record marked done, its checkpoints deleted.
  [[nodiscard]] absl::Status CompleteConversation(const ConversationId& id,
                                                  const codi::v1::ConversationRecord& record,
                                                  const codi::v1::Conversation& result);

 private:
  [[nodiscard]] absl::Status Commit(const WriteBatch& batch);

  KvStore* kv_;
  bool sync_;
  Clock* clock_;
  std::function<void(absl::Duration)> write_observer_;
  ProtoTable<codi::v1::JobRecord> jobs_;
  ProtoTable<codi::v1::Document> documents_;
  ProtoTable<codi::v1::ConversationRecord> conversations_;
  ProtoTable<codi::v1::Turn> turns_;
  ProtoTable<codi::v1::Conversation> results_;
  ProtoTable<codi::v1::SkippedDocument> skipped_;
};

}  // namespace codi
