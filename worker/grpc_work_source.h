// WorkSource over gRPC: the worker's view of a remote codi-coordinator. Every
// call has a deadline; an unreachable coordinator comes back as Unavailable
// (the caller retries with backoff, gRPC reconnects by itself).
#pragma once

#include <memory>
#include <string>

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
  GrpcWorkSource(const std::string& target, std::shared_ptr<grpc::ChannelCredentials> credentials,
                 absl::Duration deadline = absl::Seconds(10));

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
  template <typename Request, typename Response, typename Method>
  absl::StatusOr<Response> Call(Method method, const Request& request);

  std::unique_ptr<codi::v1::WorkService::Stub> stub_;
  absl::Duration deadline_;
  Mutex mu_;
  absl::flat_hash_set<grpc::ClientContext*> waiting_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace codi
