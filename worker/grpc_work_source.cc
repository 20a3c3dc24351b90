#include "worker/grpc_work_source.h"

#include "common/base/clock.h"
#include "common/service/grpc_status.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace codi {

GrpcWorkSource::GrpcWorkSource(const std::string& target,
                               std::shared_ptr<grpc::ChannelCredentials> credentials,
                               absl::Duration deadline)
    : deadline_(deadline) {
  grpc::ChannelArguments args;
  // Reconnect quickly after a coordinator restart.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  stub_ = codi::v1::WorkService::NewStub(
      grpc::CreateCustomChannel(target, std::move(credentials), args));
}

template <typename Request, typename Response, typename Method>
absl::StatusOr<Response> GrpcWorkSource::Call(Method method, const Request& request) {
  grpc::ClientContext context;
  // gRPC deadlines are wall-clock times: the real clock, whatever the tests'.
  context.set_deadline(absl::ToChronoTime(RealClock()->Now() + deadline_));
  Response response;
  grpc::Status status = (stub_.get()->*method)(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<codi::v1::LeaseResponse> GrpcWorkSource::Lease(
    const codi::v1::LeaseRequest& request_in) {
  codi::v1::LeaseRequest request = request_in;
  grpc::ClientContext context;
  {
    MutexLock lock(&mu_);
    if (cancelled_) request.set_wait_ms(0);
    waiting_.insert(&context);
  }
  context.set_deadline(
      absl::ToChronoTime(RealClock()->Now() + deadline_ + absl::Milliseconds(request.wait_ms())));
  codi::v1::LeaseResponse response;
  grpc::Status status = stub_->Lease(&context, request, &response);
  {
    MutexLock lock(&mu_);
    waiting_.erase(&context);
  }
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

void GrpcWorkSource::CancelWaits() {
  MutexLock lock(&mu_);
  cancelled_ = true;
  for (grpc::ClientContext* context : waiting_) context->TryCancel();
}

absl::Status GrpcWorkSource::ReportTurn(const codi::v1::TurnReport& report) {
  return Call<codi::v1::TurnReport, codi::v1::Ack>(&codi::v1::WorkService::Stub::ReportTurn, report)
      .status();
}

absl::Status GrpcWorkSource::Finish(const codi::v1::FinishReport& report) {
  return Call<codi::v1::FinishReport, codi::v1::Ack>(&codi::v1::WorkService::Stub::Finish, report)
      .status();
}

absl::Status GrpcWorkSource::Release(const codi::v1::ReleaseRequest& request) {
  return Call<codi::v1::ReleaseRequest, codi::v1::Ack>(&codi::v1::WorkService::Stub::Release,
                                                       request)
      .status();
}

absl::StatusOr<codi::v1::HeartbeatResponse> GrpcWorkSource::Heartbeat(
    const codi::v1::HeartbeatRequest& request) {
  return Call<codi::v1::HeartbeatRequest, codi::v1::HeartbeatResponse>(
      &codi::v1::WorkService::Stub::Heartbeat, request);
}

absl::StatusOr<codi::v1::JobSpecResponse> GrpcWorkSource::GetJobSpec(
    const codi::v1::JobSpecRequest& request) {
  return Call<codi::v1::JobSpecRequest, codi::v1::JobSpecResponse>(
      &codi::v1::WorkService::Stub::GetJobSpec, request);
}

}  // namespace codi
