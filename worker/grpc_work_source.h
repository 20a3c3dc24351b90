// WorkSource over gRPC: the worker's view of a remote codi-coordinator. Every
// call has a deadline; an unreachable coordinator comes back as Unavailable
// (the caller retries with backoff, gRPC reconnects by itself).
//
// Calls made by many worker threads at once are coalesced, transparently:
// turn reports and finishes waiting while a Report call is in flight go
// together in the next one (WorkService.Report), and single-conversation
// Lease calls waiting while one is in flight go together as one Lease for
// several conversations, handed out one per caller. With `linger` zero no
// call waits on a timer: the first caller sends at once. With a linger (the
// worker's --coalesce-ms) the first caller waits up to that long for others
// to join: a report call until every conversation leased through this source
// has its report queued, a lease call until the linger ends. Fewer, larger
// calls: each costs the coordinator tens of microseconds of CPU whatever it
// carries. Each caller returns when its own report is acknowledged (durable)
// or refused. Against a coordinator without Report (UNIMPLEMENTED) reports
// go one per call, as before.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "codi/v1/service.grpc.pb.h"
#include "common/base/mutex.h"
#include "common/service/work_source.h"
#include "grpcpp/security/credentials.h"

namespace codi {

class GrpcWorkSource : public WorkSource {
 public:
  // `credentials`: plain text, TLS, and the bearer token (security_flags.h).
  // `linger`: how long the first report or lease caller waits for others
  // to join its call (see above); zero sends at once.
  GrpcWorkSource(const std::string& target, std::shared_ptr<grpc::ChannelCredentials> credentials,
                 absl::Duration deadline = absl::Seconds(10),
                 absl::Duration linger = absl::ZeroDuration());

  absl::StatusOr<codi::v1::LeaseResponse> Lease(const codi::v1::LeaseRequest& request) override;
  absl::Status ReportTurn(const codi::v1::TurnReport& report) override;
  absl::Status Finish(const codi::v1::FinishReport& report) override;
  absl::Status Release(const codi::v1::ReleaseRequest& request) override;
  absl::StatusOr<codi::v1::HeartbeatResponse> Heartbeat(
      const codi::v1::HeartbeatRequest& request) override;
  absl::StatusOr<codi::v1::JobSpecResponse> GetJobSpec(
      const codi::v1::JobSpecRequest& request) override;
  // Cancels the Lease calls in flight; later ones do not wait.
  void CancelWaits() override;

 private:
  struct PendingReport;
  struct PendingLease;
  template <typename Request, typename Response, typename Method>
  absl::StatusOr<Response> Call(Method method, const Request& request);
  // Queues a report and returns its own answer, sending the queue when no
  // Report call is in flight.
  absl::Status SubmitReport(PendingReport* report);
  void SendReports(const std::vector<PendingReport*>& group);
  // One Lease call, cancellable by CancelWaits.
  absl::StatusOr<codi::v1::LeaseResponse> LeaseCall(const codi::v1::LeaseRequest& request);
  void SendLeases(const std::vector<PendingLease*>& group);

  // Conversations leased through this source and not yet finished,
  // released or lost: the most reports a call can expect to gather.
  void ConversationsEnded(int64_t n) {
    int64_t now = active_.load();
    while (!active_.compare_exchange_weak(now, std::max<int64_t>(0, now - n))) {
    }
  }

  std::unique_ptr<codi::v1::WorkService::Stub> stub_;
  absl::Duration deadline_;
  absl::Duration linger_;
  std::atomic<int64_t> active_{0};
  Mutex mu_;
  absl::flat_hash_set<grpc::ClientContext*> waiting_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;

  Mutex report_mu_;
  std::vector<PendingReport*> report_queue_ ABSL_GUARDED_BY(report_mu_);
  bool reporting_ ABSL_GUARDED_BY(report_mu_) = false;
  std::atomic<bool> batch_unsupported_{false};

  Mutex lease_mu_;
  std::vector<PendingLease*> lease_queue_ ABSL_GUARDED_BY(lease_mu_);
  bool leasing_ ABSL_GUARDED_BY(lease_mu_) = false;
};

}  // namespace codi
