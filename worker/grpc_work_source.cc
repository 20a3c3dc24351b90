#include "worker/grpc_work_source.h"

#include "common/base/clock.h"
#include "common/service/grpc_status.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace codi {

GrpcWorkSource::GrpcWorkSource(const std::string& target,
                               std::shared_ptr<grpc::ChannelCredentials> credentials,
                               absl::Duration deadline, absl::Duration linger)
    : deadline_(deadline), linger_(linger) {
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

namespace {

// Most reports or conversations one coalesced call carries.
constexpr size_t kMaxGroup = 256;

// Takes the group the next call carries: the oldest waiting entries.
template <typename T>
std::vector<T*> TakeGroup(std::vector<T*>& queue) {
  std::vector<T*> group;
  if (queue.size() <= kMaxGroup) {
    group.swap(queue);
  } else {
    group.assign(queue.begin(), queue.begin() + kMaxGroup);
    queue.erase(queue.begin(), queue.begin() + kMaxGroup);
  }
  return group;
}

}  // namespace

struct GrpcWorkSource::PendingReport {
  const codi::v1::TurnReport* turn = nullptr;
  const codi::v1::FinishReport* finish = nullptr;
  absl::Status status;
  bool done = false;
};

struct GrpcWorkSource::PendingLease {
  const codi::v1::LeaseRequest* request;
  absl::StatusOr<codi::v1::LeaseResponse> result;
  bool done = false;
};

absl::StatusOr<codi::v1::LeaseResponse> GrpcWorkSource::LeaseCall(
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

absl::StatusOr<codi::v1::LeaseResponse> GrpcWorkSource::Lease(
    const codi::v1::LeaseRequest& request) {
  if (request.max_conversations() > 1) {  // already batched
    auto result = LeaseCall(request);
    if (result.ok()) active_.fetch_add(result->leases_size());
    return result;
  }
  PendingLease me{&request, codi::v1::LeaseResponse(), false};
  struct Ready {
    GrpcWorkSource* self;
    PendingLease* me;
  } ready{this, &me};
  lease_mu_.Lock();
  lease_queue_.push_back(&me);
  while (true) {
    lease_mu_.Await(absl::Condition(
        +[](Ready* r) ABSL_NO_THREAD_SAFETY_ANALYSIS { return r->me->done || !r->self->leasing_; },
        &ready));
    if (me.done) break;
    leasing_ = true;
    if (linger_ > absl::ZeroDuration()) {
      // Let threads that end their conversations now ask in the same call.
      RealClock()->AwaitWithDeadline(&lease_mu_,
                                     absl::Condition(
                                         +[](GrpcWorkSource* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                           return s->lease_queue_.size() >= kMaxGroup;
                                         },
                                         this),
                                     RealClock()->Now() + linger_);
    }
    std::vector<PendingLease*> group = TakeGroup(lease_queue_);
    lease_mu_.Unlock();
    SendLeases(group);
    lease_mu_.Lock();
    for (PendingLease* p : group) p->done = true;
    leasing_ = false;
  }
  lease_mu_.Unlock();
  if (me.result.ok()) active_.fetch_add(me.result->leases_size());
  return std::move(me.result);
}

void GrpcWorkSource::SendLeases(const std::vector<PendingLease*>& group) {
  // The first caller's request, for as many conversations as callers wait.
  codi::v1::LeaseRequest request = *group.front()->request;
  request.set_max_conversations(static_cast<uint32_t>(group.size()));
  auto response = LeaseCall(request);
  if (!response.ok()) {
    for (PendingLease* p : group) p->result = response.status();
    return;
  }
  // One lease per caller, in arrival order; callers left without one get an
  // empty answer (not idle unless the coordinator said so) and ask again.
  auto* leases = response->mutable_leases();
  for (size_t i = 0; i < group.size(); ++i) {
    codi::v1::LeaseResponse mine;
    mine.set_idle(response->idle());
    if (i < static_cast<size_t>(leases->size())) *mine.add_leases() = std::move((*leases)[i]);
    group[i]->result = std::move(mine);
  }
}

void GrpcWorkSource::CancelWaits() {
  MutexLock lock(&mu_);
  cancelled_ = true;
  for (grpc::ClientContext* context : waiting_) context->TryCancel();
}

absl::Status GrpcWorkSource::SubmitReport(PendingReport* me) {
  if (batch_unsupported_.load()) {
    if (me->turn != nullptr) {
      return Call<codi::v1::TurnReport, codi::v1::Ack>(&codi::v1::WorkService::Stub::ReportTurn,
                                                       *me->turn)
          .status();
    }
    return Call<codi::v1::FinishReport, codi::v1::Ack>(&codi::v1::WorkService::Stub::Finish,
                                                       *me->finish)
        .status();
  }
  struct Ready {
    GrpcWorkSource* self;
    PendingReport* me;
  } ready{this, me};
  report_mu_.Lock();
  report_queue_.push_back(me);
  while (true) {
    report_mu_.Await(absl::Condition(
        +[](Ready* r)
             ABSL_NO_THREAD_SAFETY_ANALYSIS { return r->me->done || !r->self->reporting_; },
        &ready));
    if (me->done) break;
    reporting_ = true;
    if (linger_ > absl::ZeroDuration()) {
      // Wait for the reports of the other conversations in flight, unless
      // every one of them is queued already.
      RealClock()->AwaitWithDeadline(&report_mu_,
                                     absl::Condition(
                                         +[](GrpcWorkSource* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                           const size_t n = s->report_queue_.size();
                                           return n >= kMaxGroup ||
                                                  n >= static_cast<size_t>(s->active_.load());
                                         },
                                         this),
                                     RealClock()->Now() + linger_);
    }
    std::vector<PendingReport*> group = TakeGroup(report_queue_);
    report_mu_.Unlock();
    SendReports(group);
    report_mu_.Lock();
    for (PendingReport* p : group) p->done = true;
    reporting_ = false;
  }
  report_mu_.Unlock();
  return me->status;
}

void GrpcWorkSource::SendReports(const std::vector<PendingReport*>& group) {
  codi::v1::ReportBatch batch;
  std::vector<PendingReport*> turns, finishes;
  for (PendingReport* p : group) {
    if (p->turn != nullptr) {
      *batch.add_turns() = *p->turn;
      turns.push_back(p);
    } else {
      *batch.add_finishes() = *p->finish;
      finishes.push_back(p);
    }
  }
  auto response = Call<codi::v1::ReportBatch, codi::v1::ReportBatchResponse>(
      &codi::v1::WorkService::Stub::Report, batch);
  if (!response.ok() && response.status().code() == absl::StatusCode::kUnimplemented) {
    // An older coordinator: one call per report from now on.
    batch_unsupported_.store(true);
    for (PendingReport* p : group) {
      p->status = p->turn != nullptr ? Call<codi::v1::TurnReport, codi::v1::Ack>(
                                           &codi::v1::WorkService::Stub::ReportTurn, *p->turn)
                                           .status()
                                     : Call<codi::v1::FinishReport, codi::v1::Ack>(
                                           &codi::v1::WorkService::Stub::Finish, *p->finish)
                                           .status();
    }
    return;
  }
  auto answer = [&](const std::vector<PendingReport*>& reports,
                    const google::protobuf::RepeatedPtrField<codi::v1::ReportResult>& results) {
    for (size_t i = 0; i < reports.size(); ++i) {
      if (!response.ok()) {
        reports[i]->status = response.status();
      } else if (i >= static_cast<size_t>(results.size())) {
        reports[i]->status = absl::InternalError("the coordinator answered too few reports");
      } else {
        reports[i]->status =
            absl::Status(static_cast<absl::StatusCode>(results[i].code()), results[i].message());
      }
    }
  };
  static const codi::v1::ReportBatchResponse kEmpty;
  answer(turns, response.ok() ? response->turns() : kEmpty.turns());
  answer(finishes, response.ok() ? response->finishes() : kEmpty.finishes());
}

absl::Status GrpcWorkSource::ReportTurn(const codi::v1::TurnReport& report) {
  PendingReport me;
  me.turn = &report;
  absl::Status status = SubmitReport(&me);
  if (absl::IsFailedPrecondition(status) || absl::IsNotFound(status)) ConversationsEnded(1);
  return status;
}

absl::Status GrpcWorkSource::Finish(const codi::v1::FinishReport& report) {
  PendingReport me;
  me.finish = &report;
  absl::Status status = SubmitReport(&me);
  // Anything but a retryable error ends the conversation here.
  if (!absl::IsUnavailable(status) && !absl::IsDeadlineExceeded(status)) ConversationsEnded(1);
  return status;
}

absl::Status GrpcWorkSource::Release(const codi::v1::ReleaseRequest& request) {
  absl::Status status =
      Call<codi::v1::ReleaseRequest, codi::v1::Ack>(&codi::v1::WorkService::Stub::Release, request)
          .status();
  if (status.ok()) ConversationsEnded(request.keys_size());
  return status;
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
