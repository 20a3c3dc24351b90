// One gRPC call by method name, with raw bytes for request and reply, for
// tests that check the transport (health, TLS, roles) rather than a service.
#pragma once

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace codi::testing {

// Calls `method` ("/pkg.Service/Method") on `channel` with `request` as the
// message (a streaming method gets it as its one message), within 10 s. The
// reply's bytes go to `reply` when not null.
grpc::Status GenericUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& method, const std::string& request,
                              std::string* reply = nullptr);

}  // namespace codi::testing
