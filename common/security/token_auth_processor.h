// The coordinator's one check of who calls what: a gRPC AuthMetadataProcessor
// that runs before every call reaches a service. It reads the bearer token
// from the `authorization` metadata, finds its role in the TokenTable and
// checks the method against the role table (roles.h):
//   no token, or an unknown one       -> UNAUTHENTICATED
//   a token whose role may not call it -> PERMISSION_DENIED
// The health service is open. The token is consumed (services never see it)
// and never logged or echoed.
//
// gRPC calls an AuthMetadataProcessor only on secure (TLS) server
// credentials, which suits tokens: they must not cross a network in the clear.
//
// Thread-safe: Process runs on gRPC's threads while Reload (SIGHUP) swaps the
// table.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/base/mutex.h"
#include "common/security/token_table.h"
#include "grpcpp/security/auth_metadata_processor.h"

namespace codi {

class TokenAuthProcessor : public grpc::AuthMetadataProcessor {
 public:
  TokenAuthProcessor(std::string path, TokenTable table);

  // Reads the token file again. A bad file leaves the table in use as it was
  // and says why; either way one log line says which table is in use.
  [[nodiscard]] absl::Status Reload();

  // Not blocking: a lookup is a hash and a few comparisons in memory.
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  const std::string path_;
  Mutex mu_;
  std::shared_ptr<const TokenTable> table_ ABSL_GUARDED_BY(mu_);
};

}  // namespace codi
