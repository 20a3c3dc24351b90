#include "coordinator/state_store.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/spec/job_defaults.h"
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

struct StateStore::PendingWrite {
  WriteBatch batch;
  absl::Status status;
  bool done = false;
};

absl::Status StateStore::Commit(WriteBatch batch, std::string_view operation) {
  if (batch.empty()) return absl::OkStatus();
  PendingWrite me{std::move(batch), absl::OkStatus(), false};
  struct Ready {
    StateStore* self;
    PendingWrite* me;
  } ready{this, &me};
  commit_mu_.Lock();
  queue_.push_back(&me);
  while (true) {
    // Wait while another caller writes a group: it may not hold this batch
    // (it took the queue before this one joined), then this caller leads next.
    commit_mu_.Await(absl::Condition(
        +[](Ready* r) ABSL_NO_THREAD_SAFETY_ANALYSIS { return r->me->done || !r->self->writing_; },
        &ready));
    if (me.done) break;
    writing_ = true;
    std::vector<PendingWrite*> group;
    group.swap(queue_);
    commit_mu_.Unlock();
    absl::Status status = WriteGroup(group);
    commit_mu_.Lock();
    for (PendingWrite* p : group) {
      p->status = status;
      p->done = true;
    }
    writing_ = false;
  }
  commit_mu_.Unlock();
  if (status_observer_) status_observer_(operation, me.status);
  return me.status;
}

absl::Status StateStore::WriteGroup(std::vector<PendingWrite*>& group) {
  WriteOptions options;
  options.sync = sync_;
  WriteBatch merged;
  const WriteBatch* batch = &group.front()->batch;
  if (group.size() > 1) {
    for (PendingWrite* p : group) merged.Append(std::move(p->batch));
    batch = &merged;
  }
  const absl::Time start = clock_->Now();
  absl::Status status = kv_->Write(*batch, options);
  if (write_observer_) write_observer_(clock_->Now() - start);
  return status;
}

absl::Status StateStore::Probe() {
  WriteBatch batch;
  const std::string key = KeyEncoder().String("").String("store-probe").data();
  batch.Put(kJobs, key, "");
  batch.Delete(kJobs, key);
  return Commit(std::move(batch), "probe");
}

void StateStore::AddTurn(WriteBatch& batch, const ConversationId& id, uint32_t index,
                         const codi::v1::Turn& turn) const {
  turns_.Put(batch, TurnKey(id, index), turn);
}

void StateStore::AddConversation(WriteBatch& batch, const ConversationId& id,
                                 const codi::v1::ConversationRecord& record) const {
  conversations_.Put(batch, ConversationKey(id), record);
}

void StateStore::AddDocument(WriteBatch& batch, const std::string& job_id,
                             const codi::v1::Document& doc) const {
  documents_.Put(batch, DocumentKey(job_id, doc.id()), doc);
}

void StateStore::AddSkipped(WriteBatch& batch, const std::string& job_id,
                            const codi::v1::SkippedDocument& skipped) const {
  skipped_.Put(batch, KeyEncoder().String(job_id).U64(skipped.line()).data(), skipped);
}

void StateStore::AddJob(WriteBatch& batch, const codi::v1::JobRecord& job) const {
  jobs_.Put(batch, JobKey(job.job_id()), job);
}

codi::v1::Conversation StateStore::Assemble(const codi::v1::JobRecord& job,
                                            const codi::v1::Document& doc, const ConversationId& id,
                                            const codi::v1::ConversationRecord& record,
                                            std::vector<codi::v1::Turn> turns) {
  const auto& spec = job.spec();
  codi::v1::Conversation c;
  c.set_job(job.job_id());
  c.set_doc_id(id.doc_id);
  c.set_sample(id.sample);
  *c.mutable_graph() = record.graph();
  if (!spec.output().has_include_context_turn() || spec.output().include_context_turn()) {
    auto* context = c.add_turns();
    context->set_role("CONTEXT");
    context->set_text(doc.title().empty() ? doc.text()
                                          : absl::StrCat(doc.title(), "\n\n", doc.text()));
    context->set_weight(RoleWeight(spec, "CONTEXT"));
  }
  for (auto& t : turns) {
    t.set_weight(RoleWeight(spec, t.role()));
    *c.add_turns() = std::move(t);
  }
  *c.mutable_usage() = record.usage();
  return c;
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
  auto job = GetJob(job_id);
  if (!job.ok()) return job.status();
  if (!job->has_value()) return absl::NotFoundError("unknown job " + job_id);
  // Finished conversations are read in chunks: their records in key order,
  // then their turns in ONE forward scan from the chunk's first key (a
  // RocksDB iterator per conversation costs a seek through every level:
  // minutes at a million conversations).
  struct Pending {
    ConversationId id;
    std::string key;
    codi::v1::ConversationRecord rec;
    std::optional<codi::v1::Conversation> stored;  // assembled by older versions
    std::vector<codi::v1::Turn> turns;
  };
  constexpr size_t kChunk = 512;
  std::vector<Pending> chunk;
  chunk.reserve(kChunk);
  // Consecutive conversations share their document (key order is doc_id, sample).
  std::optional<codi::v1::Document> doc;
  absl::Status error;
  bool stopped = false;
  auto flush = [&]() -> bool {
    std::vector<Pending*> need;
    for (Pending& p : chunk) {
      if (!p.stored.has_value() && p.rec.turns_done() > 0) need.push_back(&p);
    }
    if (!need.empty()) {
      size_t j = 0;
      absl::Status scanned = turns_.Scan(
          JobKey(job_id), need.front()->key, [&](std::string_view key, const codi::v1::Turn& turn) {
            // Past conversation j (or it has all its turns): on to the next.
            while (j < need.size() && (need[j]->turns.size() >= need[j]->rec.turns_done() ||
                                       (!key.starts_with(need[j]->key) && key > need[j]->key))) {
              ++j;
            }
            if (j == need.size()) return false;
            if (key.starts_with(need[j]->key)) need[j]->turns.push_back(turn);
            return true;  // else: a turn of a conversation not in the chunk
          });
      if (!scanned.ok()) {
        error = scanned;
        return false;
      }
    }
    for (Pending& p : chunk) {
      if (p.stored.has_value()) {
        if (!visit(*p.stored)) return false;
        continue;
      }
      if (p.turns.size() != p.rec.turns_done()) {
        error = absl::DataLossError(absl::StrCat(
            "turns: conversation ", p.id.job_id, "/", p.id.doc_id, "/", p.id.sample, " has ",
            p.turns.size(), " checkpointed turns, expected ", p.rec.turns_done()));
        return false;
      }
      if (!doc.has_value() || doc->id() != p.id.doc_id) {
        auto read = GetDocument(job_id, p.id.doc_id);
        if (!read.ok() || !read->has_value()) {
          error = read.ok() ? absl::DataLossError(absl::StrCat("documents: ", job_id, "/",
                                                               p.id.doc_id, " is missing"))
                            : read.status();
          return false;
        }
        doc = **std::move(read);
      }
      if (!visit(Assemble(**job, *doc, p.id, p.rec, std::move(p.turns)))) return false;
    }
    chunk.clear();
    return true;
  };
  absl::Status status = ScanConversations(
      job_id, [&](const ConversationId& id, const codi::v1::ConversationRecord& rec) {
        if (rec.state() != codi::v1::CONVERSATION_STATE_DONE) return true;
        Pending p{.id = id, .key = ConversationKey(id), .rec = rec};
        // State written before the turns were kept holds the assembled result.
        auto stored = results_.Get(p.key);
        if (!stored.ok()) {
          error = stored.status();
          return false;
        }
        p.stored = *std::move(stored);
        chunk.push_back(std::move(p));
        if (chunk.size() < kChunk) return true;
        stopped = !flush();
        return !stopped;
      });
  if (!status.ok()) return status;
  if (!error.ok() || stopped) return error;
  flush();
  return error;
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
  AddJob(batch, job);
  return Commit(std::move(batch), "job");
}

absl::Status StateStore::PutConversations(
    const std::vector<std::pair<ConversationId, codi::v1::ConversationRecord>>& records) {
  if (records.empty()) return absl::OkStatus();
  WriteBatch batch;
  for (const auto& [id, record] : records) conversations_.Put(batch, ConversationKey(id), record);
  return Commit(std::move(batch), "conversations");
}

}  // namespace codi
