// The TLS and token flags of every gRPC process, declared once:
//   codi-coordinator:       --tls-cert, --tls-key, --tls-client-ca, --auth-tokens
//   codi-worker and `codi`: --tls-ca, --tls-cert, --tls-key, --token-file
//                           (or the token itself in CODI_TOKEN)
// and the gRPC credentials they make. Without TLS flags a process talks plain
// text (loopback demos) and says so in a warning at start. Files are read at
// start; an unreadable one is one error naming the flag and the file (exit 2).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/base/flags.h"
#include "common/security/token_auth_processor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace codi {

struct ServerSecurityOptions {
  std::string tls_cert;       // PEM certificate chain; with tls_key: serve TLS only
  std::string tls_key;        // PEM private key
  std::string tls_client_ca;  // PEM CA: clients must present a certificate it signed (mTLS)
  std::string auth_tokens;    // token file (token_table.h); empty: every caller may call anything
};

// Declares the coordinator's flags on `flags`.
void AddServerSecurityFlags(FlagSet* flags, ServerSecurityOptions* options);

struct ServerSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::shared_ptr<TokenAuthProcessor> auth;  // null without --auth-tokens
};

// Reads the files and builds the credentials; logs a warning for plain text
// and for a coordinator without tokens.
[[nodiscard]] absl::StatusOr<ServerSecurity> LoadServerSecurity(
    const ServerSecurityOptions& options);

struct ClientSecurityOptions {
  std::string tls_ca;      // PEM CA that signed the coordinator's certificate; set: TLS
  std::string tls_cert;    // client certificate for mTLS
  std::string tls_key;     // its key
  std::string token_file;  // a file holding the bearer token; else CODI_TOKEN
};

// Declares the worker's and the CLI's flags on `flags`.
void AddClientSecurityFlags(FlagSet* flags, ClientSecurityOptions* options);

// Channel credentials: TLS (and a client certificate) from the files, the
// bearer token from --token-file or CODI_TOKEN on every call. `warn` logs the
// plain-text warning (servers; the CLI stays quiet).
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> LoadChannelCredentials(
    const ClientSecurityOptions& options, bool warn);

}  // namespace codi
