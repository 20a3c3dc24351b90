#include "coordinator/grpc_services.h"

#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/base/logging.h"
#include "common/service/grpc_status.h"
#include "common/spec/job_defaults.h"
#include "common/spec/job_spec_validator.h"
#include "coordinator/job_report.h"

namespace codi {
namespace {

const char* StateName(codi::v1::JobState s) {
  switch (s) {
    case codi::v1::JOB_STATE_RUNNING:
      return "running";
    case codi::v1::JOB_STATE_SUCCEEDED:
      return "succeeded";
    case codi::v1::JOB_STATE_CANCELLED:
      return "cancelled";
    case codi::v1::JOB_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
  }
}

template <typename T>
grpc::Status Respond(const absl::StatusOr<T>& result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *result;
  return grpc::Status::OK;
}

}  // namespace

codi::v1::JobStatus ToJobStatus(const std::string& job_id, const JobProgress& p) {
  codi::v1::JobStatus s;
  s.set_job_id(job_id);
  s.set_state(StateName(p.state));
  s.set_failure(p.failure);
  s.set_conversations_created(p.created);
  s.set_conversations_done(p.done);
  s.set_conversations_failed(p.failed);
  s.set_conversations_in_flight(p.leased);
  s.set_conversations_estimated_total(p.estimated_total);
  s.set_turns(p.turns);
  s.set_documents_accepted(p.documents_accepted);
  s.set_documents_skipped(p.documents_skipped);
  s.set_documents_exhausted(p.documents_exhausted);
  *s.mutable_usage() = p.usage;
  s.set_created_unix_ms(p.created_unix_ms);
  s.set_finished_unix_ms(p.finished_unix_ms);
  return s;
}

CoordinatorServiceImpl::CoordinatorServiceImpl(JobCoordinator* coordinator, StateStore* store,
                                               std::string upload_dir)
    : coordinator_(coordinator), store_(store), upload_dir_(std::move(upload_dir)) {}

grpc::Status CoordinatorServiceImpl::Submit(const codi::v1::SubmitJobRequest& request,
                                            const std::string& documents_path,
                                            codi::v1::SubmitJobResponse* response) {
  // The same checks as a job file gets on the command line.
  if (absl::Status valid = ValidateJobSpec(request.spec()); !valid.ok()) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat("spec: ", valid.message())));
  }
  codi::v1::JobSpec spec = WithDefaults(request.spec());
  std::string path = documents_path.empty() ? spec.documents().path() : documents_path;
  if (path.empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        "no documents: set documents.path (a path the coordinator can read) or stream them"));
  }
  auto job_id = coordinator_->SubmitJob(spec, path, request.job_id());
  if (!job_id.ok()) return ToGrpcStatus(job_id.status());
  response->set_job_id(*job_id);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::SubmitJob(grpc::ServerContext*,
                                               const codi::v1::SubmitJobRequest* request,
                                               codi::v1::SubmitJobResponse* response) {
  return Submit(*request, request->documents_path(), response);
}

grpc::Status CoordinatorServiceImpl::SubmitJobWithDocuments(
    grpc::ServerContext*, grpc::ServerReader<codi::v1::SubmitJobChunk>* reader,
    codi::v1::SubmitJobResponse* response) {
  std::error_code ec;
  std::filesystem::create_directories(upload_dir_, ec);
  std::mt19937_64 rng(std::random_device{}());
  const std::string path = absl::StrFormat("%s/%016x.jsonl", upload_dir_, rng());
  const std::string tmp = path + ".partial";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return grpc::Status(grpc::StatusCode::INTERNAL, "cannot write " + tmp);
  codi::v1::SubmitJobChunk chunk;
  codi::v1::SubmitJobRequest submit;
  bool have_submit = false;
  uint64_t bytes = 0;
  while (reader->Read(&chunk)) {
    if (chunk.has_submit()) {
      submit = chunk.submit();
      have_submit = true;
    }
    out.write(chunk.documents().data(), static_cast<std::streamsize>(chunk.documents().size()));
    bytes += chunk.documents().size();
  }
  out.close();
  if (!out || !have_submit) {
    std::filesystem::remove(tmp, ec);
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        have_submit ? "cannot store the documents" : "the first chunk must carry the job spec");
  }
  // Durable before the job refers to it.
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return grpc::Status(grpc::StatusCode::INTERNAL, "cannot store " + path + ": " + ec.message());
  Log(LogLevel::kInfo, "documents_uploaded", {{"path", path}, {"bytes", std::to_string(bytes)}});
  response->set_documents_bytes(bytes);
  return Submit(submit, path, response);
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
  const absl::Duration interval = absl::Milliseconds(
      request->interval_ms() == 0 ? 1000 : std::max(100u, request->interval_ms()));
  // Rates are smoothed over the updates sent so far (exponential average).
  double conv_rate = 0, turn_rate = 0, token_rate = 0;
  std::optional<JobProgress> previous;
  absl::Time previous_time;
  while (!context->IsCancelled() && !stopping_.load()) {
    auto progress = coordinator_->Progress(request->job_id());
    if (!progress.ok()) return ToGrpcStatus(progress.status());
    const absl::Time now = absl::Now();
    codi::v1::JobStatus status = ToJobStatus(request->job_id(), *progress);
    if (previous.has_value()) {
      const double dt = std::max(absl::ToDoubleSeconds(now - previous_time), 1e-3);
      const double alpha = 0.3;
      auto smooth = [&](double& rate, double delta) {
        rate = rate == 0 ? delta / dt : alpha * (delta / dt) + (1 - alpha) * rate;
      };
      smooth(conv_rate, (progress->done + progress->failed) - (previous->done + previous->failed));
      smooth(turn_rate, progress->turns - previous->turns);
      smooth(token_rate, progress->usage.completion_tokens() - previous->usage.completion_tokens());
    }
    status.set_conversations_per_second(conv_rate);
    status.set_turns_per_second(turn_rate);
    status.set_tokens_per_second(token_rate);
    const double remaining = static_cast<double>(progress->estimated_total) -
                             static_cast<double>(progress->done + progress->failed);
    status.set_eta_seconds(conv_rate > 0 && remaining > 0 ? remaining / conv_rate : 0);
    if (!writer->Write(status)) return grpc::Status::OK;  // the client went away
    if (progress->state != codi::v1::JOB_STATE_RUNNING) return grpc::Status::OK;
    previous = *progress;
    previous_time = now;
    const absl::Time next = now + interval;
    while (absl::Now() < next && !context->IsCancelled() && !stopping_.load()) {
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  return grpc::Status::OK;
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
  auto report = BuildJobReport(*store_, request->job_id());
  if (!report.ok()) return ToGrpcStatus(report.status());
  response->set_report_json(report->dump(2));
  response->set_report_text(FormatJobReport(*report));
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
