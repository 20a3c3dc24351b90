// absl::Status <-> grpc::Status, translated once at each gRPC edge.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace codi {

grpc::Status ToGrpcStatus(const absl::Status& status);
// DEADLINE_EXCEEDED becomes Unavailable too: to a caller both mean "the
// other side could not be reached in time, try again".
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace codi
