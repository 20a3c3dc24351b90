// The gRPC edge of codi-coordinator: thin adapters that turn requests into
// calls on JobCoordinator / StateStore and results into replies. No domain
// logic lives here; errors are translated once (common/grpc_status.h).
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "codi/v1/service.grpc.pb.h"
#include "common/base/clock.h"
#include "common/base/mutex.h"
#include "coordinator/document_uploads.h"
#include "coordinator/job_coordinator.h"
#include "coordinator/state_store.h"

namespace codi {

class CoordinatorServiceImpl final : public codi::v1::CoordinatorService::Service {
 public:
  // Streamed documents go to `uploads`; `clock` paces WatchJob. Not owned.
  // At most `max_watches` WatchJob streams run at once (0: no limit); one
  // more is RESOURCE_EXHAUSTED, each stream holding a server thread.
  CoordinatorServiceImpl(JobCoordinator* coordinator, StateStore* store, DocumentUploads* uploads,
                         Clock* clock, size_t max_watches = 0);

  grpc::Status SubmitJob(grpc::ServerContext* context, const codi::v1::SubmitJobRequest* request,
                         codi::v1::SubmitJobResponse* response) override;
  grpc::Status SubmitJobWithDocuments(grpc::ServerContext* context,
                                      grpc::ServerReader<codi::v1::SubmitJobChunk>* reader,
                                      codi::v1::SubmitJobResponse* response) override;
  grpc::Status GetJob(grpc::ServerContext* context, const codi::v1::JobRef* request,
                      codi::v1::JobStatus* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context, const codi::v1::ListJobsRequest* request,
                        codi::v1::ListJobsResponse* response) override;
  grpc::Status CancelJob(grpc::ServerContext* context, const codi::v1::JobRef* request,
                         codi::v1::JobStatus* response) override;
  grpc::Status WatchJob(grpc::ServerContext* context, const codi::v1::WatchJobRequest* request,
                        grpc::ServerWriter<codi::v1::JobStatus>* writer) override;
  grpc::Status StreamConversations(grpc::ServerContext* context, const codi::v1::JobRef* request,
                                   grpc::ServerWriter<codi::v1::Conversation>* writer) override;
  grpc::Status GetReport(grpc::ServerContext* context, const codi::v1::JobRef* request,
                         codi::v1::ReportResponse* response) override;

  // Makes WatchJob streams end now (server shutdown).
  void StopWatches();

 private:
  JobCoordinator* coordinator_;
  StateStore* store_;
  DocumentUploads* uploads_;
  Clock* clock_;
  const size_t max_watches_;
  Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  size_t watches_ ABSL_GUARDED_BY(mu_) = 0;
  // Reports of ended jobs (a pass over every conversation: minutes at a
  // million), kept while the job's counts are what they were built from.
  struct CachedReport {
    std::string version;  // state and counts of the job when it was built
    codi::v1::ReportResponse response;
  };
  absl::flat_hash_map<std::string, CachedReport> reports_ ABSL_GUARDED_BY(mu_);
};

class WorkServiceImpl final : public codi::v1::WorkService::Service {
 public:
  // `coordinator` answers the batched Report; null: each report of a batch
  // goes to `source` on its own.
  explicit WorkServiceImpl(WorkSource* source, JobCoordinator* coordinator = nullptr)
      : source_(source), coordinator_(coordinator) {}

  grpc::Status Lease(grpc::ServerContext* context, const codi::v1::LeaseRequest* request,
                     codi::v1::LeaseResponse* response) override;
  grpc::Status ReportTurn(grpc::ServerContext* context, const codi::v1::TurnReport* request,
                          codi::v1::Ack* response) override;
  grpc::Status Finish(grpc::ServerContext* context, const codi::v1::FinishReport* request,
                      codi::v1::Ack* response) override;
  grpc::Status Report(grpc::ServerContext* context, const codi::v1::ReportBatch* request,
                      codi::v1::ReportBatchResponse* response) override;
  grpc::Status Release(grpc::ServerContext* context, const codi::v1::ReleaseRequest* request,
                       codi::v1::Ack* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* context, const codi::v1::HeartbeatRequest* request,
                         codi::v1::HeartbeatResponse* response) override;
  grpc::Status GetJobSpec(grpc::ServerContext* context, const codi::v1::JobSpecRequest* request,
                          codi::v1::JobSpecResponse* response) override;

 private:
  WorkSource* source_;
  JobCoordinator* coordinator_;
};

}  // namespace codi
