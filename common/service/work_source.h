// The seam between the coordinator side (holds jobs and durable state) and the
// worker side (executes conversations against teachers). `codi run` wires a
// JobCoordinator to the workers in process; the distributed service puts the
// same calls, with the same messages (proto/codi/v1/work.proto), behind gRPC.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "codi/v1/work.pb.h"

namespace codi {

// "job/doc/sample": how logs and error messages name a conversation.
std::string ConversationKeyText(const codi::v1::ConversationKey& key);

// Thread-safe: many worker threads call it at once.
class WorkSource {
 public:
  virtual ~WorkSource() = default;

  // Up to request.max_conversations leases; none when no work is ready within
  // request.wait_ms (see LeaseRequest).
  [[nodiscard]] virtual absl::StatusOr<codi::v1::LeaseResponse> Lease(
      const codi::v1::LeaseRequest& request) = 0;
  // OK means the turn is durable. FAILED_PRECONDITION: the lease is expired or
  // superseded (stop working on it); the turn was not recorded.
  [[nodiscard]] virtual absl::Status ReportTurn(const codi::v1::TurnReport& report) = 0;
  // Ends a conversation (done, or failed with a reason). Same lease rules.
  [[nodiscard]] virtual absl::Status Finish(const codi::v1::FinishReport& report) = 0;
  // Hands leases back unfinished; they can be leased again at once.
  [[nodiscard]] virtual absl::Status Release(const codi::v1::ReleaseRequest& request) = 0;
  // Extends the given leases; lists those that are no longer held.
  [[nodiscard]] virtual absl::StatusOr<codi::v1::HeartbeatResponse> Heartbeat(
      const codi::v1::HeartbeatRequest& request) = 0;
  [[nodiscard]] virtual absl::StatusOr<codi::v1::JobSpecResponse> GetJobSpec(
      const codi::v1::JobSpecRequest& request) = 0;
  // Ends Lease calls that are waiting for work, now and from now on (the
  // caller is shutting down).
  virtual void CancelWaits() = 0;
};

}  // namespace codi
