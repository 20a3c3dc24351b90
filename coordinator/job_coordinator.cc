#include "coordinator/job_coordinator.h"

#include <filesystem>

#include "absl/algorithm/container.h"
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
            job->pending.emplace_back(id.doc_id, id.sample);
            break;
          default:
            job->pending.emplace_back(id.doc_id, id.sample);
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

absl::Status JobCoordinator::Refill(Job& job) {
  auto& rec = job.record;
  if (rec.documents_exhausted() || rec.state() != codi::v1::JOB_STATE_RUNNING) {
    return absl::OkStatus();
  }
  if (!job.reader.has_value()) {
    auto reader = DocumentJsonlReader::Open(rec.documents_path(), rec.documents_offset(),
                                            rec.documents_line(),
                                            rec.spec().documents().max_document_bytes());
    if (!reader.ok()) {
      rec.set_state(codi::v1::JOB_STATE_FAILED);
      rec.set_failure(std::string(reader.status().message()));
      rec.set_finished_unix_ms(ToUnixMs(clock_->Now()));
      Log(LogLevel::kError, "job_failed", {{"job", rec.job_id()}, {"reason", rec.failure()}});
      WorkChanged();
      return store_->PutJob(rec);
    }
    job.reader.emplace(*std::move(reader));
  }
  const uint64_t limit = rec.spec().documents().limit();
  const uint32_t samples = rec.spec().samples_per_document();
  while (job.pending.size() < options_.high_watermark) {
    if (limit > 0 && rec.documents_accepted() >= limit) {
      rec.set_documents_exhausted(true);
      return store_->PutJob(rec);
    }
    auto entry = job.reader->Next();
    if (!entry.has_value()) {
      rec.set_documents_exhausted(true);
      return store_->PutJob(rec);
    }
    rec.set_documents_offset(entry->end_offset);
    rec.set_documents_line(entry->line);
    if (!entry->document.ok()) {
      codi::v1::SkippedDocument skipped;
      skipped.set_line(entry->line);
      skipped.set_reason(std::string(entry->document.status().message()));
      rec.set_documents_skipped(rec.documents_skipped() + 1);
      Log(LogLevel::kWarning, "document_skipped",
          {{"job", rec.job_id()}, {"reason", skipped.reason()}});
      CODI_RETURN_IF_ERROR(store_->IngestDocument(rec, nullptr, {}, &skipped));
      continue;
    }
    const codi::v1::Document& doc = *entry->document;
    CODI_ASSIGN_OR_RETURN(auto existing, store_->GetDocument(rec.job_id(), doc.id()));
    if (existing.has_value()) {
      codi::v1::SkippedDocument skipped;
      skipped.set_line(entry->line);
      skipped.set_reason(absl::StrCat(rec.documents_path(), ":", entry->line,
                                      ": duplicate document id '", doc.id(), "'"));
      rec.set_documents_skipped(rec.documents_skipped() + 1);
      Log(LogLevel::kWarning, "document_skipped",
          {{"job", rec.job_id()}, {"reason", skipped.reason()}});
      CODI_RETURN_IF_ERROR(store_->IngestDocument(rec, nullptr, {}, &skipped));
      continue;
    }
    std::vector<std::pair<uint32_t, ConversationRecord>> convs;
    convs.reserve(samples);
    for (uint32_t s = 0; s < samples; ++s) {
      ConversationRecord conv;
      conv.set_state(codi::v1::CONVERSATION_STATE_PENDING);
      for (auto& link : job.sampler->RollOut(doc.id(), s)) conv.add_graph(std::move(link));
      convs.emplace_back(s, std::move(conv));
    }
    rec.set_documents_accepted(rec.documents_accepted() + 1);
    rec.set_conversations_created(rec.conversations_created() + samples);
    CODI_RETURN_IF_ERROR(store_->IngestDocument(rec, &doc, convs, nullptr));
    for (uint32_t s = 0; s < samples; ++s) job.pending.emplace_back(doc.id(), s);
  }
  return absl::OkStatus();
}

absl::Status JobCoordinator::ExpireLeases(Job& job, absl::Time now) {
  std::vector<std::pair<ConversationId, ConversationRecord>> expired;
  for (auto it = job.leased.begin(); it != job.leased.end();) {
    if (it->second.expires > now) {
      ++it;
      continue;
    }
    ConversationRecord rec = it->second.record;
    rec.set_state(codi::v1::CONVERSATION_STATE_PENDING);
    rec.set_epoch(rec.epoch() + 1);  // late reports under the old lease are refused
    rec.clear_worker_id();
    Log(LogLevel::kWarning, "lease_expired",
        {{"job", job.record.job_id()},
         {"doc", it->first.first},
         {"sample", std::to_string(it->first.second)},
         {"worker", it->second.record.worker_id()}});
    expired.emplace_back(ConversationId{job.record.job_id(), it->first.first, it->first.second},
                         std::move(rec));
    job.pending.push_front(it->first);
    job.leased.erase(it++);
  }
  if (!expired.empty()) {
    observer_->LeasesExpired(expired.size());
    WorkChanged();
  }
  return store_->PutConversations(expired);
}

absl::StatusOr<codi::v1::LeaseResponse> JobCoordinator::Lease(
    const codi::v1::LeaseRequest& request) {
  MutexLock lock(&mu_);
  const absl::Time deadline = clock_->Now() + absl::Milliseconds(request.wait_ms());
  while (true) {
    const uint64_t seen = work_generation_;
    CODI_ASSIGN_OR_RETURN(codi::v1::LeaseResponse response, LeaseReady(request));
    if (!response.leases().empty() || (response.idle() && !request.wait_when_idle()) ||
        stop_waits_ || clock_->Now() >= deadline) {
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
    for (const auto& [key, lease] : job->leased) next = std::min(next, lease.expires);
  }
  return next;
}

void JobCoordinator::CancelWaits() {
  MutexLock lock(&mu_);
  stop_waits_ = true;
}

absl::StatusOr<codi::v1::LeaseResponse> JobCoordinator::LeaseReady(
    const codi::v1::LeaseRequest& request) {
  codi::v1::LeaseResponse response;
  const absl::Time now = clock_->Now();
  if (!request.worker_id().empty()) workers_seen_[request.worker_id()] = now;
  const uint32_t want = std::max<uint32_t>(1, request.max_conversations());
  bool any_unfinished = false;
  for (size_t tried = 0;
       tried < job_order_.size() && response.leases_size() < static_cast<int>(want); ++tried) {
    Job& job = *jobs_[job_order_[next_job_ % job_order_.size()]];
    ++next_job_;
    if (job.record.state() != codi::v1::JOB_STATE_RUNNING) continue;
    CODI_RETURN_IF_ERROR(ExpireLeases(job, now));
    if (job.pending.size() < options_.low_watermark) CODI_RETURN_IF_ERROR(Refill(job));
    CODI_RETURN_IF_ERROR(MaybeComplete(job));
    if (job.record.state() != codi::v1::JOB_STATE_RUNNING) continue;
    any_unfinished = true;

    std::vector<std::pair<ConversationId, ConversationRecord>> granted;
    std::vector<codi::v1::Lease> leases;
    while (!job.pending.empty() && response.leases_size() + leases.size() < want) {
      DocSample ds = job.pending.front();
      // Keep a document's samples together on one worker (prefix-cache reuse):
      // stop before a new document once something is granted.
      if (!leases.empty() && ds.first != leases.back().key().doc_id()) break;
      job.pending.pop_front();
      ConversationId id{job.record.job_id(), ds.first, ds.second};
      CODI_ASSIGN_OR_RETURN(auto conv, store_->GetConversation(id));
      if (!conv.has_value()) return absl::DataLossError("missing conversation record " + ds.first);
      if (conv->state() == codi::v1::CONVERSATION_STATE_DONE ||
          conv->state() == codi::v1::CONVERSATION_STATE_FAILED) {
        continue;  // finished while queued (a late report within a recovered lease)
      }
      CODI_ASSIGN_OR_RETURN(auto doc, store_->GetDocument(id.job_id, id.doc_id));
      if (!doc.has_value()) return absl::DataLossError("missing document " + id.doc_id);
      CODI_ASSIGN_OR_RETURN(auto turns, store_->GetTurns(id, conv->turns_done()));
      conv->set_state(codi::v1::CONVERSATION_STATE_LEASED);
      conv->set_epoch(conv->epoch() + 1);
      conv->set_worker_id(request.worker_id());
      conv->set_leases(conv->leases() + 1);
      const absl::Time expires = now + options_.lease_ttl;
      conv->set_lease_expires_unix_ms(ToUnixMs(expires));
      codi::v1::Lease lease;
      lease.mutable_key()->set_job_id(id.job_id);
      lease.mutable_key()->set_doc_id(id.doc_id);
      lease.mutable_key()->set_sample(id.sample);
      lease.set_epoch(conv->epoch());
      lease.set_expires_unix_ms(conv->lease_expires_unix_ms());
      lease.set_ttl_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(options_.lease_ttl)));
      *lease.mutable_document() = *std::move(doc);
      *lease.mutable_graph() = conv->graph();
      for (auto& t : turns) *lease.add_turns() = std::move(t);
      *lease.mutable_usage() = conv->usage();
      job.leased[ds] = LiveLease{*conv, expires};
      granted.emplace_back(id, *conv);
      leases.push_back(std::move(lease));
    }
    CODI_RETURN_IF_ERROR(store_->PutConversations(granted));
    if (!granted.empty()) observer_->LeasesGranted(granted.size());
    for (auto& l : leases) *response.add_leases() = std::move(l);
  }
  response.set_idle(!any_unfinished);
  return response;
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
  if (!found.ok()) observer_->ReportRefused();
  return found;
}

absl::Status JobCoordinator::ReportTurn(const codi::v1::TurnReport& report) {
  MutexLock lock(&mu_);
  CODI_ASSIGN_OR_RETURN(auto found, FindReportedLease(report.key(), report.epoch()));
  auto [job, lease] = found;
  ConversationRecord& rec = lease->record;
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
  ConversationRecord next = rec;
  next.set_turns_done(rec.turns_done() + 1);
  AddUsage(report.usage(), next.mutable_usage());
  ConversationId id{report.key().job_id(), report.key().doc_id(), report.key().sample()};
  CODI_RETURN_IF_ERROR(store_->AppendTurn(id, report.index(), report.turn(), next));
  rec = std::move(next);
  lease->expires = clock_->Now() + options_.lease_ttl;
  ++job->turns;
  AddUsage(report.usage(), &job->usage);
  observer_->TurnCheckpointed(job->record.job_id());
  return absl::OkStatus();
}

codi::v1::Conversation JobCoordinator::Assemble(const Job& job, const codi::v1::Document& doc,
                                                const ConversationId& id,
                                                const ConversationRecord& record,
                                                std::vector<codi::v1::Turn> turns) const {
  const auto& spec = job.record.spec();
  codi::v1::Conversation c;
  c.set_job(job.record.job_id());
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

absl::Status JobCoordinator::Finish(const codi::v1::FinishReport& report) {
  MutexLock lock(&mu_);
  CODI_ASSIGN_OR_RETURN(auto found, FindReportedLease(report.key(), report.epoch()));
  auto [job, lease] = found;
  ConversationId id{report.key().job_id(), report.key().doc_id(), report.key().sample()};
  ConversationRecord rec = lease->record;
  AddUsage(report.usage(), rec.mutable_usage());
  rec.clear_worker_id();
  if (report.failed()) {
    rec.set_state(codi::v1::CONVERSATION_STATE_FAILED);
    rec.set_failure_reason(report.reason());
    rec.set_failure_detail(report.detail());
    CODI_RETURN_IF_ERROR(store_->PutConversations({{id, rec}}));
    ++job->failed;
    Log(LogLevel::kWarning, "conversation_failed",
        {{"conversation", ConversationKeyText(report.key())},
         {"reason", report.reason()},
         {"detail", report.detail()}});
  } else {
    if (rec.turns_done() != static_cast<uint32_t>(rec.graph_size())) {
      return absl::InvalidArgumentError(absl::StrCat(ConversationKeyText(report.key()),
                                                     " finished with ", rec.turns_done(), " of ",
                                                     rec.graph_size(), " turns"));
    }
    CODI_ASSIGN_OR_RETURN(auto doc, store_->GetDocument(id.job_id, id.doc_id));
    if (!doc.has_value()) return absl::DataLossError("missing document " + id.doc_id);
    CODI_ASSIGN_OR_RETURN(auto turns, store_->GetTurns(id, rec.turns_done()));
    rec.set_state(codi::v1::CONVERSATION_STATE_DONE);
    CODI_RETURN_IF_ERROR(
        store_->CompleteConversation(id, rec, Assemble(*job, *doc, id, rec, std::move(turns))));
    ++job->done;
  }
  AddUsage(report.usage(), &job->usage);
  job->leased.erase(DocSample{id.doc_id, id.sample});
  observer_->ConversationFinished(job->record.job_id(), report.failed());
  return MaybeComplete(*job);
}

absl::Status JobCoordinator::MaybeComplete(Job& job) {
  auto& rec = job.record;
  if (rec.state() != codi::v1::JOB_STATE_RUNNING || !rec.documents_exhausted() ||
      !job.pending.empty() || !job.leased.empty()) {
    return absl::OkStatus();
  }
  rec.set_state(codi::v1::JOB_STATE_SUCCEEDED);
  rec.set_finished_unix_ms(ToUnixMs(clock_->Now()));
  WorkChanged();
  Log(LogLevel::kInfo, "job_finished",
      {{"job", rec.job_id()},
       {"done", std::to_string(job.done)},
       {"failed", std::to_string(job.failed)}});
  return store_->PutJob(rec);
}

absl::Status JobCoordinator::Release(const codi::v1::ReleaseRequest& request) {
  MutexLock lock(&mu_);
  std::vector<std::pair<ConversationId, ConversationRecord>> released;
  for (int i = 0; i < request.keys_size(); ++i) {
    const uint64_t epoch = i < request.epochs_size() ? request.epochs(i) : 0;
    auto found = FindLease(request.keys(i), epoch);
    if (!found.ok()) continue;  // nothing to hand back
    auto [job, lease] = *found;
    ConversationRecord rec = lease->record;
    rec.set_state(codi::v1::CONVERSATION_STATE_PENDING);
    rec.set_epoch(rec.epoch() + 1);
    rec.clear_worker_id();
    DocSample ds{request.keys(i).doc_id(), request.keys(i).sample()};
    released.emplace_back(ConversationId{job->record.job_id(), ds.first, ds.second}, rec);
    job->leased.erase(ds);
    job->pending.push_front(ds);
  }
  if (!released.empty()) WorkChanged();
  return store_->PutConversations(released);
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
  if (job.record.state() != codi::v1::JOB_STATE_RUNNING) return absl::OkStatus();
  job.record.set_state(codi::v1::JOB_STATE_CANCELLED);
  job.record.set_finished_unix_ms(ToUnixMs(clock_->Now()));
  job.pending.clear();
  job.leased.clear();  // reports under these leases are refused from now on
  WorkChanged();
  Log(LogLevel::kInfo, "job_cancelled", {{"job", job_id}});
  return store_->PutJob(job.record);
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
