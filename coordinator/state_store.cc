#include "coordinator/state_store.h"

#include "absl/time/clock.h"
#include "common/storage/key_codec.h"

namespace codi {
namespace {

constexpr char kJobs[] = "jobs";
constexpr char kDocuments[] = "documents";
constexpr char kConversations[] = "conversations";
constexpr char kTurns[] = "turns";
constexpr char kResults[] = "results";
constexpr char kSkipped[] = "skipped";

std::string JobKey(const std::string& job_id) { return KeyEncoder().String(job_id).data(); }

std::string DocumentKey(const std::string& job_id, const std::string& doc_id) {
  return KeyEncoder().String(job_id).String(doc_id).data();
}

std::string ConversationKey(const ConversationId& id) {
  return KeyEncoder().String(id.job_id).String(id.doc_id).U32(id.sample).data();
}

std::string TurnKey(const ConversationId& id, uint32_t index) {
  return KeyEncoder().String(id.job_id).String(id.doc_id).U32(id.sample).U32(index).data();
}

}  // namespace

const std::vector<std::string>& StateStore::Tables() {
  static const auto* tables =
      new std::vector<std::string>{kJobs, kDocuments, kConversations, kTurns, kResults, kSkipped};
  return *tables;
}

StateStore::StateStore(KvStore* kv, bool sync_writes, Clock* clock)
    : kv_(kv),
      sync_(sync_writes),
      clock_(clock),
      jobs_(kv, kJobs),
      documents_(kv, kDocuments),
      conversations_(kv, kConversations),
      turns_(kv, kTurns),
      results_(kv, kResults),
      skipped_(kv, kSkipped) {}

absl::Status StateStore::Commit(const WriteBatch& batch) {
  WriteOptions options;
  options.sync = sync_;
  const absl::Time start = clock_->Now();
  absl::Status status = kv_->Write(batch, options);
  if (write_observer_) write_observer_(clock_->Now() - start);
  return status;
}

absl::StatusOr<std::optional<codi::v1::JobRecord>> StateStore::GetJob(
    const std::string& job_id) const {
  return jobs_.Get(JobKey(job_id));
}

absl::Status StateStore::ScanJobs(
    const std::function<bool(const codi::v1::JobRecord&)>& visit) const {
  return jobs_.Scan(std::string(1, static_cast<char>(kKeyFormatVersion)), "",
                    [&](std::string_view, const codi::v1::JobRecord& job) { return visit(job); });
}

absl::StatusOr<std::optional<codi::v1::Document>> StateStore::GetDocument(
    const std::string& job_id, const std::string& doc_id) const {
  return documents_.Get(DocumentKey(job_id, doc_id));
}

absl::StatusOr<std::optional<codi::v1::ConversationRecord>> StateStore::GetConversation(
    const ConversationId& id) const {
  return conversations_.Get(ConversationKey(id));
}

absl::Status StateStore::ScanConversations(
    const std::string& job_id,
    const std::function<bool(const ConversationId&, const codi::v1::ConversationRecord&)>& visit)
    const {
  absl::Status decode_error;
  absl::Status status = conversations_.Scan(
      JobKey(job_id), "", [&](std::string_view key, const codi::v1::ConversationRecord& record) {
        KeyDecoder decoder(key);
        ConversationId id;
        auto job = decoder.String();
        auto doc = decoder.String();
        auto sample = decoder.U32();
        if (!job.ok() || !doc.ok() || !sample.ok()) {
          decode_error = absl::DataLossError("conversations: undecodable key");
          return false;
        }
        id.job_id = *job;
        id.doc_id = *doc;
        id.sample = *sample;
        return visit(id, record);
      });
  if (!status.ok()) return status;
  return decode_error;
}

absl::StatusOr<std::vector<codi::v1::Turn>> StateStore::GetTurns(const ConversationId& id,
                                                                 uint32_t count) const {
  std::vector<codi::v1::Turn> turns;
  if (count == 0) return turns;
  turns.reserve(count);
  absl::Status status =
      turns_.Scan(ConversationKey(id), "", [&](std::string_view, const codi::v1::Turn& turn) {
        turns.push_back(turn);
        return turns.size() < count;
      });
  if (!status.ok()) return status;
  if (turns.size() != count) {
    return absl::DataLossError("turns: conversation " + id.job_id + "/" + id.doc_id + "/" +
                               std::to_string(id.sample) + " has " + std::to_string(turns.size()) +
                               " checkpointed turns, expected " + std::to_string(count));
  }
  return turns;
}

absl::Status StateStore::ScanResults(
    const std::string& job_id,
    const std::function<bool(const codi::v1::Conversation&)>& visit) const {
  return results_.Scan(JobKey(job_id), "",
                       [&](std::string_view, const codi::v1::Conversation& c) { return visit(c); });
}

absl::Status StateStore::ScanSkipped(
    const std::string& job_id,
    const std::function<bool(const codi::v1::SkippedDocument&)>& visit) const {
  return skipped_.Scan(
      JobKey(job_id), "",
      [&](std::string_view, const codi::v1::SkippedDocument& s) { return visit(s); });
}

absl::Status StateStore::PutJob(const codi::v1::JobRecord& job) {
  WriteBatch batch;
  jobs_.Put(batch, JobKey(job.job_id()), job);
  return Commit(batch);
}

absl::Status StateStore::IngestDocument(
    const codi::v1::JobRecord& job, const codi::v1::Document* doc,
    const std::vector<std::pair<uint32_t, codi::v1::ConversationRecord>>& conversations,
    const codi::v1::SkippedDocument* skipped) {
  WriteBatch batch;
  if (doc != nullptr) {
    documents_.Put(batch, DocumentKey(job.job_id(), doc->id()), *doc);
    for (const auto& [sample, record] : conversations) {
      conversations_.Put(batch, ConversationKey({job.job_id(), doc->id(), sample}), record);
    }
  }
  if (skipped != nullptr) {
    skipped_.Put(batch, KeyEncoder().String(job.job_id()).U64(skipped->line()).data(), *skipped);
  }
  jobs_.Put(batch, JobKey(job.job_id()), job);
  return Commit(batch);
}

absl::Status StateStore::PutConversations(
    const std::vector<std::pair<ConversationId, codi::v1::ConversationRecord>>& records) {
  if (records.empty()) return absl::OkStatus();
  WriteBatch batch;
  for (const auto& [id, record] : records) conversations_.Put(batch, ConversationKey(id), record);
  return Commit(batch);
}

absl::Status StateStore::AppendTurn(const ConversationId& id, uint32_t index,
                                    const codi::v1::Turn& turn,
                                    const codi::v1::ConversationRecord& record) {
  WriteBatch batch;
  turns_.Put(batch, TurnKey(id, index), turn);
  conversations_.Put(batch, ConversationKey(id), record);
  return Commit(batch);
}

absl::Status StateStore::CompleteConversation(const ConversationId& id,
                                              const codi::v1::ConversationRecord& record,
                                              const codi::v1::Conversation& result) {
  WriteBatch batch;
  results_.Put(batch, ConversationKey(id), result);
  conversations_.Put(batch, ConversationKey(id), record);
  for (uint32_t i = 0; i < record.turns_done(); ++i) turns_.Delete(batch, TurnKey(id, i));
  return Commit(batch);
}

}  // namespace codi
