#include "coordinator/job_coordinator.h"

#include <filesystem>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"
#include "common/security/confined_path.h"
#include "common/spec/job_defaults.h"
#include "common/spec/job_spec_validator.h"
#include "google/protobuf/util/message_differencer.h"

namespace codi {
namespace {

using codi::v1::ConversationRecord;

int64_t ToUnixMs(absl::Time t) { return absl::ToUnixMillis(t); }

absl::Status StaleLease(const codi::v1::ConversationKey& key, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("lease on ", ConversationKeyText(key), " is no longer held: ", why));
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobCoordinator>> JobCoordinator::Create(StateStore* store,
                                                                       CoordinatorOptions options) {
  std::unique_ptr<JobCoordinator> c(new JobCoordinator(store, std::move(options)));
  std::vector<codi::v1::JobRecord> records;
  CODI_RETURN_IF_ERROR(store->ScanJobs([&](const codi::v1::JobRecord& job) {
    records.push_back(job);
    return true;
  }));
  MutexLock lock(&c->mu_);
  for (const auto& record : records) CODI_RETURN_IF_ERROR(c->LoadJob(record));
  return c;
}

absl::Status JobCoordinator::LoadJob(const codi::v1::JobRecord& record) {
  auto job = std::make_unique<Job>();
  job->record = record;
  auto sampler = GraphSampler::Create(record.spec());
  if (!sampler.ok()) return sampler.status();
  job->sampler = std::make_unique<GraphSampler>(*std::move(sampler));
  std::error_code ec;
  job->source_bytes = std::filesystem::file_size(record.documents_path(), ec);
  if (ec) job->source_bytes = 0;

  // Rebuild the queue and counters from the conversation records.
  const absl::Time grace_end = clock_->Now() + options_.recovered_lease_grace;
  std::vector<std::pair<ConversationId, ConversationRecord>> requeued;
  CODI_RETURN_IF_ERROR(store_->ScanConversations(
      record.job_id(), [&](const ConversationId& id, const ConversationRecord& conv) {
        AddUsage(conv.usage(), &job->usage);
        job->turns += conv.turns_done();
        switch (conv.state()) {
          case codi::v1::CONVERSATION_STATE_DONE:
            ++job->done;
            break;
          case codi::v1::CONVERSATION_STATE_FAILED:
            ++job->failed;
            break;
          case codi::v1::CONVERSATION_STATE_LEASED:
            if (options_.recovered_lease_grace > absl::ZeroDuration()) {
              job->leased[{id.doc_id, id.sample}] = LiveLease{conv, grace_end};
              break;
            }
            job->pending.push_back(Queued{{id.doc_id, id.sample}, conv});
            break;
          default:
            job->pending.push_back(Queued{{id.doc_id, id.sample}, conv});
        }
        return true;
      }));
  if (record.state() == codi::v1::JOB_STATE_RUNNING) {
    Log(LogLevel::kInfo, "job_loaded",
        {{"job", record.job_id()},
         {"done", std::to_string(job->done)},
         {"failed", std::to_string(job->failed)},
         {"pending", std::to_string(job->pending.size())},
         {"leased", std::to_string(job->leased.size())}});
  }
  job_order_.push_back(record.job_id());
  jobs_[record.job_id()] = std::move(job);
  return absl::OkStatus();
}

absl::StatusOr<std::string> JobCoordinator::SubmitJob(const codi::v1::JobSpec& submitted,
                                                      const std::string& documents_path_in,
                                                      const std::string& job_id_in,
                                                      DocumentsOrigin origin) {
  if (options_.max_spec_bytes > 0 && submitted.ByteSizeLong() > options_.max_spec_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("spec: ", submitted.ByteSizeLong(),
                                                   " bytes, over the limit of ",
                                                   options_.max_spec_bytes, " (--max-spec-bytes)"));
  }
  if (absl::Status valid = ValidateJobSpec(submitted); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("spec: ", valid.message()));
  }
  const codi::v1::JobSpec spec = WithDefaults(submitted);
  std::string documents_path =
      documents_path_in.empty() ? spec.documents().path() : documents_path_in;
  if (documents_path.empty()) {
    return absl::InvalidArgumentError(
        "no documents: set documents.path (a path the coordinator can read) or stream them");
  }
  if (origin == DocumentsOrigin::kCaller && !options_.documents_root.empty()) {
    CODI_ASSIGN_OR_RETURN(documents_path, ConfinedPath(options_.documents_root, documents_path));
  }
  MutexLock lock(&mu_);
  std::string job_id = job_id_in;
  if (job_id.empty()) {
    job_id = absl::StrCat(spec.name(), "-",
                          absl::FormatTime("%Y%m%d-%H%M%S", clock_->Now(), absl::UTCTimeZone()));
    for (int i = 2; jobs_.contains(job_id); ++i) job_id = absl::StrCat(job_id, "-", i);
  }
  if (auto it = jobs_.find(job_id); it != jobs_.end()) {
    const auto& existing = it->second->record;
    // Compared field by field: the spec holds maps, whose serialised byte
    // order is not stable from one process to the next.
    if (!google::protobuf::util::MessageDifferencer::Equals(existing.spec(), spec) ||
        existing.documents_path() != documents_path) {
      return absl::AlreadyExistsError(absl::StrCat(
          "job '", job_id,
          "' already exists in this state directory with a different spec or documents; "
          "use another --state directory or the same spec to resume it"));
    }
    return job_id;  // resume
  }
  if (options_.max_running_jobs > 0) {
    const size_t running = absl::c_count_if(jobs_, [](const auto& entry) {
      return entry.second->record.state() == codi::v1::JOB_STATE_RUNNING;
    });
    if (running >= options_.max_running_jobs) {
      return absl::ResourceExhaustedError(
          absl::StrCat(running,
                       " jobs are running, the most --max-jobs allows; wait for one to "
                       "end or cancel one"));
    }
  }
  auto reader =
      DocumentJsonlReader::Open(documents_path, 0, 0, spec.documents().max_document_bytes());
  if (!reader.ok()) return reader.status();

  codi::v1::JobRecord record;
  record.set_job_id(job_id);
  *record.mutable_spec() = spec;
  record.set_state(codi::v1::JOB_STATE_RUNNING);
  record.set_documents_path(documents_path);
  record.set_created_unix_ms(ToUnixMs(clock_->Now()));
  CODI_RETURN_IF_ERROR(store_->PutJob(record));
  CODI_RETURN_IF_ERROR(LoadJob(record));
  WorkChanged();
  Log(LogLevel::kInfo, "job_submitted", {{"job", job_id}, {"documents", documents_path}});
  return job_id;
}

JobCoordinator::Job* JobCoordinator::JobToRefill() {
  for (const std::string& id : job_order_) {
    Job& job = *jobs_[id];
    if (job.record.state() == codi::v1::JOB_STATE_RUNNING && !job.refilling &&
        !job.record.documents_exhausted() && job.pending.size() < options_.low_watermark) {
      return &job;
    }
  }
  return nullptr;
}

absl::Status JobCoordinator::Refill(Job& job) {
  // The reader and a copy of the record travel with this call while the
  // mutex is released; `refilling` keeps every other writer of the job record
  // away (a cancel waits, the job cannot complete before the source ends).
  job.refilling = true;
  codi::v1::JobRecord rec = job.record;
  std::optional<DocumentJsonlReader> reader = std::move(job.reader);
  job.reader.reset();
  const size_t room = options_.high_watermark > job.pending.size()
                          ? options_.high_watermark - job.pending.size()
                          : 0;
  GraphSampler& sampler = *job.sampler;
  mu_.Unlock();

  std::vector<Queued> queued;
  WriteBatch batch;
  absl::Status error;
  if (!reader.has_value()) {
    auto opened = DocumentJsonlReader::Open(rec.documents_path(), rec.documents_offset(),
                                            rec.documents_line(),
                                            rec.spec().documents().max_document_bytes());
    if (opened.ok()) {
      reader.emplace(*std::move(opened));
    } else {
      rec.set_state(codi::v1::JOB_STATE_FAILED);
      rec.set_failure(std::string(opened.status().message()));
      rec.set_finished_unix_ms(ToUnixMs(clock_->Now()));
      Log(LogLevel::kError, "job_failed", {{"job", rec.job_id()}, {"reason", rec.failure()}});
    }
  }
  const uint64_t limit = rec.spec().documents().limit();
  const uint32_t samples = rec.spec().samples_per_document();
  absl::flat_hash_set<std::string> accepted;  // by this call, not yet in the store
  auto skip = [&](uint64_t line, std::string reason) {
    codi::v1::SkippedDocument skipped;
    skipped.set_line(line);
    skipped.set_reason(std::move(reason));
    rec.set_documents_skipped(rec.documents_skipped() + 1);
    Log(LogLevel::kWarning, "document_skipped",
        {{"job", rec.job_id()}, {"reason", skipped.reason()}});
    store_->AddSkipped(batch, rec.job_id(), skipped);
  };
  for (size_t added = 0; reader.has_value() && added < room;) {
    if (limit > 0 && rec.documents_accepted() >= limit) {
      rec.set_documents_exhausted(true);
      break;
    }
    auto entry = reader->Next();
    if (!entry.has_value()) {
      rec.set_documents_exhausted(true);
      break;
    }
    rec.set_documents_offset(entry->end_offset);
    rec.set_documents_line(entry->line);
    if (!entry->document.ok()) {
      skip(entry->line, std::string(entry->document.status().message()));
      continue;
    }
    const codi::v1::Document& doc = *entry->document;
    bool duplicate = accepted.contains(doc.id());
    if (!duplicate) {
      auto existing = store_->GetDocument(rec.job_id(), doc.id());
      if (!existing.ok()) {
        error = existing.status();
        break;
      }
      duplicate = existing->has_value();
    }
    if (duplicate) {
      skip(entry->line, absl::StrCat(rec.documents_path(), ":", entry->line,
                                     ": duplicate document id '", doc.id(), "'"));
      continue;
    }
    accepted.insert(doc.id());
    store_->AddDocument(batch, rec.job_id(), doc);
    for (uint32_t s = 0; s < samples; ++s) {
      ConversationRecord conv;
      conv.set_state(codi::v1::CONVERSATION_STATE_PENDING);
      for (auto& link : sampler.RollOut(doc.id(), s)) conv.add_graph(std::move(link));
      store_->AddConversation(batch, {rec.job_id(), doc.id(), s}, conv);
      queued.push_back(Queued{{doc.id(), s}, std::move(conv)});
    }
    rec.set_documents_accepted(rec.documents_accepted() + 1);
    rec.set_conversations_created(rec.conversations_created() + samples);
    added += samples;
  }
  if (error.ok()) {
    // The cursor moves in the same batch as the work it created.
    store_->AddJob(batch, rec);
    error = store_->Commit(std::move(batch), "ingest");
  }

  mu_.Lock();
  job.refilling = false;
  WorkChanged();
  if (!error.ok()) return error;  // nothing moved: the next refill reopens at the stored cursor
  job.record = std::move(rec);
  job.reader = std::move(reader);
  for (Queued& q : queued) job.pending.push_back(std::move(q));
  return absl::OkStatus();
}

absl::Status JobCoordinator::ExpireLeases(Job& job, absl::Time now) {
  std::vector<std::pair<ConversationId, ConversationRecord>> expired;
  for (const auto& [ds, lease] : job.leased) {
    if (lease.expires > now || lease.writing) continue;
    ConversationRecord rec = lease.record;
    rec.set_state(codi::v1::CONVERSATION_STATE_PENDING);
    rec.set_epoch(rec.epoch() + 1);  // late reports under the old lease are refused
    rec.clear_worker_id();
    expired.emplace_back(ConversationId{job.record.job_id(), ds.first, ds.second}, std::move(rec));
  }
  if (expired.empty()) return absl::OkStatus();
  // Rare (a worker vanished): written under the mutex, before memory moves.
  CODI_RETURN_IF_ERROR(store_->PutConversations(expired));
  for (auto& [id, rec] : expired) {
    DocSample ds{id.doc_id, id.sample};
    Log(LogLevel::kWarning, "lease_expired",
        {{"job", id.job_id},
         {"doc", id.doc_id},
         {"sample", std::to_string(id.sample)},
         {"worker", job.leased[ds].record.worker_id()}});
    job.leased.erase(ds);
    job.pending.push_front(Queued{std::move(ds), std::move(rec)});
  }
  observer_->LeasesExpired(expired.size());
  WorkChanged();
  return absl::OkStatus();
}

absl::StatusOr<codi::v1::LeaseResponse> JobCoordinator::Lease(
    const codi::v1::LeaseRequest& request) {
  MutexLock lock(&mu_);
  const absl::Time deadline = clock_->Now() + absl::Milliseconds(request.wait_ms());
  while (true) {
    const uint64_t seen = work_generation_;
    if (!request.worker_id().empty()) workers_seen_[request.worker_id()] = clock_->Now();
    if (Job* job = JobToRefill(); job != nullptr) {
      CODI_RETURN_IF_ERROR(Refill(*job));
      continue;
    }
    bool any_unfinished = false;
    CODI_ASSIGN_OR_RETURN(std::vector<Grant> grants, PlanGrants(request, &any_unfinished));
    codi::v1::LeaseResponse response;
    if (!grants.empty()) {
      CODI_RETURN_IF_ERROR(WriteGrants(grants));
      for (Grant& g : grants) {
        if (g.job != nullptr) *response.add_leases() = std::move(g.lease);
      }
      if (!response.leases().empty()) {
        observer_->LeasesGranted(response.leases_size());
        return response;
      }
      continue;  // every job granted from was cancelled meanwhile
    }
    response.set_idle(!any_unfinished);
    if ((response.idle() && !request.wait_when_idle()) || stop_waits_ ||
        clock_->Now() >= deadline) {
      return response;
    }
    // Wait for new work, or for the next lease to expire (its conversation
    // becomes leasable again), whichever comes first.
    struct Changed {
      const JobCoordinator* self;
      uint64_t seen;
    } changed{this, seen};
    clock_->AwaitWithDeadline(&mu_,
                              absl::Condition(
                                  +[](Changed* c) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                    return c->self->work_generation_ != c->seen ||
                                           c->self->stop_waits_;
                                  },
                                  &changed),
                              std::min(deadline, NextLeaseExpiry()));
  }
}

absl::Time JobCoordinator::NextLeaseExpiry() const {
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [id, job] : jobs_) {
    if (job->record.state() != codi::v1::JOB_STATE_RUNNING) continue;
    for (const auto& [key, lease] : job->leased) {
      if (!lease.writing) next = std::min(next, lease.expires);
    }
  }
  return next;
}

void JobCoordinator::CancelWaits() {
  MutexLock lock(&mu_);
  stop_waits_ = true;
}

absl::StatusOr<std::vector<JobCoordinator::Grant>> JobCoordinator::PlanGrants(
    const codi::v1::LeaseRequest& request, bool* any_unfinished) {
  std::vector<Grant> grants;
  const absl::Time now = clock_->Now();
  const size_t want = std::max<uint32_t>(1, request.max_conversations());
  for (size_t tried = 0; tried < job_order_.size() && grants.size() < want; ++tried) {
    Job& job = *jobs_[job_order_[next_job_ % job_order_.size()]];
    ++next_job_;
    if (job.record.state() != codi::v1::JOB_STATE_RUNNING) continue;
    CODI_RETURN_IF_ERROR(ExpireLeases(job, now));
    CODI_RETURN_IF_ERROR(MaybeComplete(job));
    if (job.record.state() != codi::v1::JOB_STATE_RUNNING) continue;
    *any_unfinished = true;
    const size_t first = grants.size();
    while (!job.pending.empty() && grants.size() < want) {
      Queued& next = job.pending.front();
      // Keep a document's samples together on one worker (prefix-cache reuse):
      // stop before a new document once something is granted.
      if (grants.size() > first && next.ds.first != grants.back().id.doc_id) break;
      DocSample ds = std::move(next.ds);
      Grant g{&job,
              ConversationId{job.record.job_id(), ds.first, ds.second},
              std::move(next.record),
              {}};
      job.pending.pop_front();
      ConversationRecord& conv = g.record;
      conv.set_state(codi::v1::CONVERSATION_STATE_LEASED);
      conv.set_epoch(conv.epoch() + 1);
      conv.set_worker_id(request.worker_id());
      conv.set_leases(conv.leases() + 1);
      const absl::Time expires = now + options_.lease_ttl;
      conv.set_lease_expires_unix_ms(ToUnixMs(expires));
      codi::v1::Lease& lease = g.lease;
      lease.mutable_key()->set_job_id(g.id.job_id);
      lease.mutable_key()->set_doc_id(g.id.doc_id);
      lease.mutable_key()->set_sample(g.id.sample);
      lease.set_epoch(conv.epoch());
      lease.set_expires_unix_ms(conv.lease_expires_unix_ms());
      lease.set_ttl_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(options_.lease_ttl)));
      *lease.mutable_graph() = conv.graph();
      *lease.mutable_usage() = conv.usage();
      job.leased[ds] = LiveLease{conv, expires, /*writing=*/true};
      grants.push_back(std::move(g));
    }
  }
  return grants;
}

absl::Status JobCoordinator::WriteGrants(std::vector<Grant>& grants) {
  mu_.Unlock();
  WriteBatch batch;
  absl::Status status;
  std::optional<codi::v1::Document> doc;  // grants come a document at a time
  const std::string* doc_job = nullptr;
  for (Grant& g : grants) {
    if (!doc.has_value() || doc->id() != g.id.doc_id || *doc_job != g.id.job_id) {
      doc_job = &g.id.job_id;
      auto read = store_->GetDocument(g.id.job_id, g.id.doc_id);
      if (!read.ok() || !read->has_value()) {
        status = read.ok() ? absl::DataLossError("missing document " + g.id.doc_id) : read.status();
        break;
      }
      doc = **std::move(read);
    }
    *g.lease.mutable_document() = *doc;
    if (g.record.turns_done() > 0) {
      auto turns = store_->GetTurns(g.id, g.record.turns_done());
      if (!turns.ok()) {
        status = turns.status();
        break;
      }
      for (auto& t : *turns) *g.lease.add_turns() = std::move(t);
    }
    store_->AddConversation(batch, g.id, g.record);
  }
  if (status.ok()) status = store_->Commit(std::move(batch), "lease");
  mu_.Lock();
  // Backwards, so that conversations put back keep their order at the front.
  for (auto g = grants.rbegin(); g != grants.rend(); ++g) {
    Job& job = *g->job;
    auto it = job.leased.find(DocSample{g->id.doc_id, g->id.sample});
    if (it == job.leased.end() || !it->second.writing) {
      g->job = nullptr;  // the job was cancelled meanwhile
      continue;
    }
    if (status.ok()) {
      it->second.writing = false;
      continue;
    }
    // Not written: the store still holds it queued; so does memory again.
    ConversationRecord rec = std::move(it->second.record);
    rec.set_state(codi::v1::CONVERSATION_STATE_PENDING);
    rec.clear_worker_id();
    job.leased.erase(it);
    job.pending.push_front(Queued{{g->id.doc_id, g->id.sample}, std::move(rec)});
    g->job = nullptr;
  }
  if (!status.ok()) WorkChanged();
  return status;
}

absl::StatusOr<std::pair<JobCoordinator::Job*, JobCoordinator::LiveLease*>>
JobCoordinator::FindLease(const codi::v1::ConversationKey& key, uint64_t epoch) {
  auto job_it = jobs_.find(key.job_id());
  if (job_it == jobs_.end()) return absl::NotFoundError("unknown job " + key.job_id());
  Job& job = *job_it->second;
  if (job.record.state() != codi::v1::JOB_STATE_RUNNING)
    return StaleLease(key, "the job is not running");
  auto it = job.leased.find(DocSample{key.doc_id(), key.sample()});
  if (it == job.leased.end()) return StaleLease(key, "not leased");
  if (it->second.record.epoch() != epoch) {
    return StaleLease(key,
                      absl::StrCat("epoch ", epoch, " superseded by ", it->second.record.epoch()));
  }
  if (it->second.expires <= clock_->Now()) return StaleLease(key, "expired");
  return std::make_pair(&job, &it->second);
}

absl::StatusOr<std::pair<JobCoordinator::Job*, JobCoordinator::LiveLease*>>
JobCoordinator::FindReportedLease(const codi::v1::ConversationKey& key, uint64_t epoch) {
  auto found = FindLease(key, epoch);
  if (!found.ok()) {
    observer_->ReportRefused();
    return found;
  }
  if (found->second->writing) {
    // A retry that overtook its own first attempt: ordered after it.
    return absl::UnavailableError(
        absl::StrCat("a report for ", ConversationKeyText(key), " is being written; retry"));
  }
  return found;
}

absl::Status JobCoordinator::StageTurn(const codi::v1::TurnReport& report, size_t slot,
                                       WriteBatch& batch, std::vector<Staged>& staged) {
  CODI_ASSIGN_OR_RETURN(auto found, FindReportedLease(report.key(), report.epoch()));
  auto [job, lease] = found;
  const ConversationRecord& rec = lease->record;
  if (report.index() < rec.turns_done())
    return absl::OkStatus();  // a retried report, already durable
  if (report.index() != rec.turns_done()) {
    return absl::InvalidArgumentError(absl::StrCat("turn index ", report.index(), " reported for ",
                                                   ConversationKeyText(report.key()), ", expected ",
                                                   rec.turns_done()));
  }
  if (report.index() >= static_cast<uint32_t>(rec.graph_size())) {
    return absl::InvalidArgumentError("turn index beyond the conversation's graph");
  }
  Staged s{slot,           job, DocSample{report.key().doc_id(), report.key().sample()},
           report.epoch(), rec, /*finish=*/false,
           report.usage()};
  s.next.set_turns_done(rec.turns_done() + 1);
  AddUsage(report.usage(), s.next.mutable_usage());
  const ConversationId id{report.key().job_id(), report.key().doc_id(), report.key().sample()};
  store_->AddTurn(batch, id, report.index(), report.turn());
  store_->AddConversation(batch, id, s.next);
  lease->writing = true;
  staged.push_back(std::move(s));
  return absl::OkStatus();
}

absl::Status JobCoordinator::StageFinish(const codi::v1::FinishReport& report, size_t slot,
                                         WriteBatch& batch, std::vector<Staged>& staged) {
  CODI_ASSIGN_OR_RETURN(auto found, FindReportedLease(report.key(), report.epoch()));
  auto [job, lease] = found;
  Staged s{slot,           job,           DocSample{report.key().doc_id(), report.key().sample()},
           report.epoch(), lease->record, /*finish=*/true,
           report.usage()};
  ConversationRecord& rec = s.next;
  AddUsage(report.usage(), rec.mutable_usage());
  rec.clear_worker_id();
  if (report.failed()) {
    rec.set_state(codi::v1::CONVERSATION_STATE_FAILED);
    rec.set_failure_reason(report.reason());
    rec.set_failure_detail(report.detail());
  } else {
    if (rec.turns_done() != static_cast<uint32_t>(rec.graph_size())) {
      return absl::InvalidArgumentError(absl::StrCat(ConversationKeyText(report.key()),
                                                     " finished with ", rec.turns_done(), " of ",
                                                     rec.graph_size(), " turns"));
    }
    // Done: the record alone. Its turns rows stay; export assembles them.
    rec.set_state(codi::v1::CONVERSATION_STATE_DONE);
  }
  store_->AddConversation(
      batch, {report.key().job_id(), report.key().doc_id(), report.key().sample()}, rec);
  lease->writing = true;
  staged.push_back(std::move(s));
  return absl::OkStatus();
}

void JobCoordinator::ApplyStaged(Staged& s, const absl::Status& written, Tally& tally) {
  Job& job = *s.job;
  auto it = job.leased.find(s.ds);
  // Absent only when the job was cancelled meanwhile: a writing lease
  // neither expires nor is released.
  LiveLease* lease = it != job.leased.end() ? &it->second : nullptr;
  if (lease != nullptr) lease->writing = false;
  if (!written.ok()) {
    WorkChanged();  // its expiry counts again
    return;
  }
  AddUsage(s.usage, &job.usage);
  if (!s.finish) {
    if (lease != nullptr) {
      lease->record = std::move(s.next);
      lease->expires = clock_->Now() + options_.lease_ttl;
    }
    ++job.turns;
    ++tally.turns;
    return;
  }
  const bool failed = s.next.state() == codi::v1::CONVERSATION_STATE_FAILED;
  if (failed) {
    ++job.failed;
    ++tally.failed;
    Log(LogLevel::kWarning, "conversation_failed",
        {{"conversation", absl::StrCat(job.record.job_id(), "/", s.ds.first, "/", s.ds.second)},
         {"reason", s.next.failure_reason()},
         {"detail", s.next.failure_detail()}});
  } else {
    ++job.done;
    ++tally.done;
  }
  if (lease != nullptr) job.leased.erase(it);
  // The finish itself is durable; a job record that cannot be written now is
  // written by a later Lease, which checks again.
  (void)MaybeComplete(job);
}

std::vector<absl::Status> JobCoordinator::ReportMany(
    const std::vector<const codi::v1::TurnReport*>& turns,
    const std::vector<const codi::v1::FinishReport*>& finishes) {
  std::vector<absl::Status> statuses(turns.size() + finishes.size());
  std::vector<Staged> staged;
  WriteBatch batch;
  {
    MutexLock lock(&mu_);
    for (size_t i = 0; i < turns.size(); ++i) {
      statuses[i] = StageTurn(*turns[i], i, batch, staged);
    }
    for (size_t i = 0; i < finishes.size(); ++i) {
      const size_t slot = turns.size() + i;
      statuses[slot] = StageFinish(*finishes[i], slot, batch, staged);
    }
  }
  if (staged.empty()) return statuses;
  const absl::Status written = store_->Commit(std::move(batch), "report");
  MutexLock lock(&mu_);
  std::vector<Tally> tallies;  // one per job in the batch: usually one
  for (Staged& s : staged) {
    statuses[s.slot] = written;
    auto tally = absl::c_find_if(tallies, [&](const Tally& t) { return t.job == s.job; });
    if (tally == tallies.end()) tally = tallies.insert(tallies.end(), Tally{s.job});
    ApplyStaged(s, written, *tally);
  }
  for (const Tally& t : tallies) {
    const std::string& job_id = t.job->record.job_id();
    if (t.turns > 0) observer_->TurnsCheckpointed(job_id, t.turns);
    if (t.done + t.failed > 0) observer_->ConversationsFinished(job_id, t.done, t.failed);
  }
  return statuses;
}

absl::Status JobCoordinator::ReportTurn(const codi::v1::TurnReport& report) {
  return ReportMany({&report}, {}).front();
}

absl::Status JobCoordinator::Finish(const codi::v1::FinishReport& report) {
  return ReportMany({}, {&report}).front();
}

std::vector<absl::Status> JobCoordinator::Report(const codi::v1::ReportBatch& batch) {
  std::vector<const codi::v1::TurnReport*> turns;
  std::vector<const codi::v1::FinishReport*> finishes;
  turns.reserve(batch.turns_size());
  finishes.reserve(batch.finishes_size());
  for (const auto& t : batch.turns()) turns.push_back(&t);
  for (const auto& f : batch.finishes()) finishes.push_back(&f);
  return ReportMany(turns, finishes);
}

absl::Status JobCoordinator::MaybeComplete(Job& job) {
  auto& rec = job.record;
  if (rec.state() != codi::v1::JOB_STATE_RUNNING || !rec.documents_exhausted() || job.refilling ||
      !job.pending.empty() || !job.leased.empty()) {
    return absl::OkStatus();
  }
  codi::v1::JobRecord done = rec;
  done.set_state(codi::v1::JOB_STATE_SUCCEEDED);
  done.set_finished_unix_ms(ToUnixMs(clock_->Now()));
  CODI_RETURN_IF_ERROR(store_->PutJob(done));
  rec = std::move(done);
  WorkChanged();
  Log(LogLevel::kInfo, "job_finished",
      {{"job", rec.job_id()},
       {"done", std::to_string(job.done)},
       {"failed", std::to_string(job.failed)}});
  return absl::OkStatus();
}

absl::Status JobCoordinator::Release(const codi::v1::ReleaseRequest& request) {
  MutexLock lock(&mu_);
  std::vector<std::pair<ConversationId, ConversationRecord>> released;
  std::vector<Job*> owners;
  for (int i = 0; i < request.keys_size(); ++i) {
    const uint64_t epoch = i < request.epochs_size() ? request.epochs(i) : 0;
    auto found = FindLease(request.keys(i), epoch);
    if (!found.ok() || found->second->writing) continue;  // nothing to hand back now
    auto [job, lease] = *found;
    ConversationRecord rec = lease->record;
    rec.set_state(codi::v1::CONVERSATION_STATE_PENDING);
    rec.set_epoch(rec.epoch() + 1);
    rec.clear_worker_id();
    released.emplace_back(
        ConversationId{job->record.job_id(), request.keys(i).doc_id(), request.keys(i).sample()},
        std::move(rec));
    owners.push_back(job);
  }
  if (released.empty()) return absl::OkStatus();
  // Rare (a worker stopping): written under the mutex, before memory moves.
  CODI_RETURN_IF_ERROR(store_->PutConversations(released));
  for (size_t i = 0; i < released.size(); ++i) {
    auto& [id, rec] = released[i];
    DocSample ds{id.doc_id, id.sample};
    owners[i]->leased.erase(ds);
    owners[i]->pending.push_front(Queued{std::move(ds), std::move(rec)});
  }
  WorkChanged();
  return absl::OkStatus();
}

absl::StatusOr<codi::v1::HeartbeatResponse> JobCoordinator::Heartbeat(
    const codi::v1::HeartbeatRequest& request) {
  MutexLock lock(&mu_);
  codi::v1::HeartbeatResponse response;
  if (!request.worker_id().empty()) workers_seen_[request.worker_id()] = clock_->Now();
  const absl::Time expires = clock_->Now() + options_.lease_ttl;
  for (int i = 0; i < request.keys_size(); ++i) {
    const uint64_t epoch = i < request.epochs_size() ? request.epochs(i) : 0;
    auto found = FindLease(request.keys(i), epoch);
    if (!found.ok()) {
      *response.add_lost() = request.keys(i);
      continue;
    }
    found->second->expires = expires;
  }
  return response;
}

absl::StatusOr<codi::v1::JobSpecResponse> JobCoordinator::GetJobSpec(
    const codi::v1::JobSpecRequest& request) {
  MutexLock lock(&mu_);
  auto it = jobs_.find(request.job_id());
  if (it == jobs_.end()) return absl::NotFoundError("unknown job " + request.job_id());
  codi::v1::JobSpecResponse response;
  *response.mutable_spec() = it->second->record.spec();
  return response;
}

absl::StatusOr<JobProgress> JobCoordinator::Progress(const std::string& job_id) {
  MutexLock lock(&mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return absl::NotFoundError("unknown job " + job_id);
  const Job& job = *it->second;
  JobProgress p;
  p.state = job.record.state();
  p.created = job.record.conversations_created();
  p.done = job.done;
  p.failed = job.failed;
  p.leased = job.leased.size();
  p.pending = job.pending.size();
  p.turns = job.turns;
  p.documents_accepted = job.record.documents_accepted();
  p.documents_skipped = job.record.documents_skipped();
  p.documents_exhausted = job.record.documents_exhausted();
  p.usage = job.usage;
  p.failure = job.record.failure();
  p.created_unix_ms = job.record.created_unix_ms();
  p.finished_unix_ms = job.record.finished_unix_ms();
  p.estimated_total = p.created;
  if (!p.documents_exhausted && job.record.documents_offset() > 0 && job.source_bytes > 0) {
    // Extrapolate from how much of the source file produced the work so far.
    double fraction = static_cast<double>(job.record.documents_offset()) / job.source_bytes;
    p.estimated_total = static_cast<uint64_t>(p.created / std::max(fraction, 1e-9));
    const uint64_t limit = job.record.spec().documents().limit();
    if (limit > 0) {
      p.estimated_total =
          std::min<uint64_t>(p.estimated_total, limit * job.record.spec().samples_per_document());
    }
  }
  return p;
}

absl::Status JobCoordinator::Cancel(const std::string& job_id) {
  MutexLock lock(&mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return absl::NotFoundError("unknown job " + job_id);
  Job& job = *it->second;
  // A refill in progress writes the job record too: let it land first.
  mu_.Await(absl::Condition(
      +[](Job* j) ABSL_NO_THREAD_SAFETY_ANALYSIS { return !j->refilling; }, &job));
  if (job.record.state() != codi::v1::JOB_STATE_RUNNING) return absl::OkStatus();
  codi::v1::JobRecord cancelled = job.record;
  cancelled.set_state(codi::v1::JOB_STATE_CANCELLED);
  cancelled.set_finished_unix_ms(ToUnixMs(clock_->Now()));
  CODI_RETURN_IF_ERROR(store_->PutJob(cancelled));
  job.record = std::move(cancelled);
  job.pending.clear();
  job.leased.clear();  // reports under these leases are refused from now on
  WorkChanged();
  Log(LogLevel::kInfo, "job_cancelled", {{"job", job_id}});
  return absl::OkStatus();
}

size_t JobCoordinator::WorkersSeenWithin(absl::Duration window) {
  MutexLock lock(&mu_);
  const absl::Time since = clock_->Now() - window;
  size_t n = 0;
  for (auto it = workers_seen_.begin(); it != workers_seen_.end();) {
    if (it->second < since) {
      workers_seen_.erase(it++);  // forget workers gone for good
      continue;
    }
    ++n;
    ++it;
  }
  return n;
}

std::vector<std::string> JobCoordinator::JobIds() {
  MutexLock lock(&mu_);
  return job_order_;
}

}  // namespace codi
