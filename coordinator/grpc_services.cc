#include "coordinator/grpc_services.h"

#include <algorithm>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/service/grpc_status.h"
#include "coordinator/job_report.h"
#include "coordinator/job_status.h"
#include "coordinator/progress_rates.h"

namespace codi {
namespace {

// Ended jobs whose reports GetReport keeps (a few KiB each).
constexpr size_t kCachedReports = 16;

// Moves the answer into gRPC's response (a lease carries its document).
template <typename T>
grpc::Status Respond(absl::StatusOr<T>&& result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

CoordinatorServiceImpl::CoordinatorServiceImpl(JobCoordinator* coordinator, StateStore* store,
                                               DocumentUploads* uploads, Clock* clock,
                                               size_t max_watches)
    : coordinator_(coordinator),
      store_(store),
      uploads_(uploads),
      clock_(clock),
      max_watches_(max_watches) {}

void CoordinatorServiceImpl::StopWatches() {
  MutexLock lock(&mu_);
  stopping_ = true;
}

grpc::Status CoordinatorServiceImpl::SubmitJob(grpc::ServerContext*,
                                               const codi::v1::SubmitJobRequest* request,
                                               codi::v1::SubmitJobResponse* response) {
  auto job_id =
      coordinator_->SubmitJob(request->spec(), request->documents_path(), request->job_id());
  if (!job_id.ok()) return ToGrpcStatus(job_id.status());
  response->set_job_id(*job_id);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::SubmitJobWithDocuments(
    grpc::ServerContext*, grpc::ServerReader<codi::v1::SubmitJobChunk>* reader,
    codi::v1::SubmitJobResponse* response) {
  auto upload = uploads_->Begin();
  if (!upload.ok()) return ToGrpcStatus(upload.status());
  codi::v1::SubmitJobChunk chunk;
  std::optional<codi::v1::SubmitJobRequest> submit;
  while (reader->Read(&chunk)) {
    if (chunk.has_submit()) submit = chunk.submit();
    if (absl::Status s = upload->Append(chunk.documents()); !s.ok()) return ToGrpcStatus(s);
  }
  if (!submit.has_value()) {
    return ToGrpcStatus(absl::InvalidArgumentError("the first chunk must carry the job spec"));
  }
  auto path = upload->Commit();
  if (!path.ok()) return ToGrpcStatus(path.status());
  response->set_documents_bytes(upload->bytes());
  auto job_id =
      coordinator_->SubmitJob(submit->spec(), *path, submit->job_id(), DocumentsOrigin::kUpload);
  if (!job_id.ok()) return ToGrpcStatus(job_id.status());
  response->set_job_id(*job_id);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::GetJob(grpc::ServerContext*, const codi::v1::JobRef* request,
                                            codi::v1::JobStatus* response) {
  auto progress = coordinator_->Progress(request->job_id());
  if (!progress.ok()) return ToGrpcStatus(progress.status());
  *response = ToJobStatus(request->job_id(), *progress);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::ListJobs(grpc::ServerContext*,
                                              const codi::v1::ListJobsRequest*,
                                              codi::v1::ListJobsResponse* response) {
  for (const auto& id : coordinator_->JobIds()) {
    auto progress = coordinator_->Progress(id);
    if (progress.ok()) *response->add_jobs() = ToJobStatus(id, *progress);
  }
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::CancelJob(grpc::ServerContext* context,
                                               const codi::v1::JobRef* request,
                                               codi::v1::JobStatus* response) {
  if (absl::Status s = coordinator_->Cancel(request->job_id()); !s.ok()) return ToGrpcStatus(s);
  return GetJob(context, request, response);
}

grpc::Status CoordinatorServiceImpl::WatchJob(grpc::ServerContext* context,
                                              const codi::v1::WatchJobRequest* request,
                                              grpc::ServerWriter<codi::v1::JobStatus>* writer) {
  {
    MutexLock lock(&mu_);
    if (max_watches_ > 0 && watches_ >= max_watches_) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          absl::StrCat(watches_,
                                       " watches are open, the most --max-watches "
                                       "allows; try again later or poll with status"));
    }
    ++watches_;
  }
  absl::Cleanup release = [this] {
    MutexLock lock(&mu_);
    --watches_;
  };
  const absl::Duration interval = absl::Milliseconds(
      request->interval_ms() == 0 ? 1000 : std::max(100u, request->interval_ms()));
  ProgressRates rates(clock_);
  while (true) {
    auto progress = coordinator_->Progress(request->job_id());
    if (!progress.ok()) return ToGrpcStatus(progress.status());
    codi::v1::JobStatus status = ToJobStatus(request->job_id(), *progress);
    rates.Update(&status);
    if (!writer->Write(status)) return grpc::Status::OK;  // the client went away
    if (progress->state != codi::v1::JOB_STATE_RUNNING) return grpc::Status::OK;
    // The next update is due after `interval`; server shutdown ends it early.
    MutexLock lock(&mu_);
    clock_->AwaitWithDeadline(&mu_, absl::Condition(&stopping_), clock_->Now() + interval);
    if (stopping_ || context->IsCancelled()) return grpc::Status::OK;
  }
}

grpc::Status CoordinatorServiceImpl::StreamConversations(
    grpc::ServerContext* context, const codi::v1::JobRef* request,
    grpc::ServerWriter<codi::v1::Conversation>* writer) {
  auto job = store_->GetJob(request->job_id());
  if (!job.ok()) return ToGrpcStatus(job.status());
  if (!job->has_value())
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown job " + request->job_id());
  bool client_gone = false;
  absl::Status status =
      store_->ScanResults(request->job_id(), [&](const codi::v1::Conversation& c) {
        if (context->IsCancelled() || !writer->Write(c)) {
          client_gone = true;
          return false;
        }
        return true;
      });
  if (client_gone) return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
  return ToGrpcStatus(status);
}

grpc::Status CoordinatorServiceImpl::GetReport(grpc::ServerContext*,
                                               const codi::v1::JobRef* request,
                                               codi::v1::ReportResponse* response) {
  // An ended job's report only changes if its counts do (a resumed job).
  auto progress = coordinator_->Progress(request->job_id());
  if (!progress.ok()) return ToGrpcStatus(progress.status());
  const bool ended = progress->state != codi::v1::JOB_STATE_RUNNING &&
                     progress->state != codi::v1::JOB_STATE_UNSPECIFIED;
  const std::string version = absl::StrCat(progress->state, "/", progress->done, "/",
                                           progress->failed, "/", progress->turns);
  if (ended) {
    MutexLock lock(&mu_);
    if (auto it = reports_.find(request->job_id());
        it != reports_.end() && it->second.version == version) {
      *response = it->second.response;
      return grpc::Status::OK;
    }
  }
  auto report = BuildJobReport(*store_, request->job_id());
  if (!report.ok()) return ToGrpcStatus(report.status());
  response->set_report_json(report->dump(2));
  response->set_report_text(FormatJobReport(*report));
  if (ended) {
    MutexLock lock(&mu_);
    if (reports_.size() >= kCachedReports) reports_.erase(reports_.begin());
    reports_[request->job_id()] = {version, *response};
  }
  return grpc::Status::OK;
}

grpc::Status WorkServiceImpl::Lease(grpc::ServerContext*, const codi::v1::LeaseRequest* request,
                                    codi::v1::LeaseResponse* response) {
  return Respond(source_->Lease(*request), response);
}

grpc::Status WorkServiceImpl::ReportTurn(grpc::ServerContext*, const codi::v1::TurnReport* request,
                                         codi::v1::Ack*) {
  return ToGrpcStatus(source_->ReportTurn(*request));
}

grpc::Status WorkServiceImpl::Finish(grpc::ServerContext*, const codi::v1::FinishReport* request,
                                     codi::v1::Ack*) {
  return ToGrpcStatus(source_->Finish(*request));
}

grpc::Status WorkServiceImpl::Report(grpc::ServerContext*, const codi::v1::ReportBatch* request,
                                     codi::v1::ReportBatchResponse* response) {
  std::vector<absl::Status> statuses;
  if (coordinator_ != nullptr) {
    statuses = coordinator_->Report(*request);
  } else {
    for (const auto& t : request->turns()) statuses.push_back(source_->ReportTurn(t));
    for (const auto& f : request->finishes()) statuses.push_back(source_->Finish(f));
  }
  for (size_t i = 0; i < statuses.size(); ++i) {
    codi::v1::ReportResult* result = i < static_cast<size_t>(request->turns_size())
                                         ? response->add_turns()
                                         : response->add_finishes();
    result->set_code(static_cast<int32_t>(statuses[i].code()));
    result->set_message(std::string(statuses[i].message()));
  }
  return grpc::Status::OK;
}

grpc::Status WorkServiceImpl::Release(grpc::ServerContext*, const codi::v1::ReleaseRequest* request,
                                      codi::v1::Ack*) {
  return ToGrpcStatus(source_->Release(*request));
}

grpc::Status WorkServiceImpl::Heartbeat(grpc::ServerContext*,
                                        const codi::v1::HeartbeatRequest* request,
                                        codi::v1::HeartbeatResponse* response) {
  return Respond(source_->Heartbeat(*request), response);
}

grpc::Status WorkServiceImpl::GetJobSpec(grpc::ServerContext*,
                                         const codi::v1::JobSpecRequest* request,
                                         codi::v1::JobSpecResponse* response) {
  return Respond(source_->GetJobSpec(*request), response);
}

}  // namespace codi
