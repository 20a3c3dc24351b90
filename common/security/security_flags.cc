#include "common/security/security_flags.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"

namespace codi {
namespace {

// The whole of `path`, given as --`flag`; the error names both.
absl::StatusOr<std::string> ReadFlagFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read --", flag, " ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::InvalidArgumentError(absl::StrCat("cannot read --", flag, " ", path));
  if (text.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " ", path, " is empty"));
  }
  return text.str();
}

// Both or neither of a certificate and its key.
absl::Status CheckPair(const std::string& cert, const std::string& key) {
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  return absl::OkStatus();
}

void LogNoAuthentication() {
  Log(LogLevel::kWarning, "no_authentication",
      {{"why", "no --auth-tokens: every caller that reaches the port may call anything"}});
}

// The files of --tls-cert and --tls-key.
absl::Status ReadCertAndKey(const std::string& cert_path, const std::string& key_path,
                            std::string* cert, std::string* key) {
  CODI_ASSIGN_OR_RETURN(*cert, ReadFlagFile("tls-cert", cert_path));
  CODI_ASSIGN_OR_RETURN(*key, ReadFlagFile("tls-key", key_path));
  return absl::OkStatus();
}

}  // namespace

void AddServerSecurityFlags(FlagSet* flags, ServerSecurityOptions* options) {
  flags->String("tls-cert", "CODI_TLS_CERT", &options->tls_cert,
                "PEM certificate (chain) to serve TLS with; with --tls-key (empty: plain text, "
                "for loopback demos only)");
  flags->String("tls-key", "CODI_TLS_KEY", &options->tls_key, "PEM private key of --tls-cert");
  flags->String("tls-client-ca", "CODI_TLS_CLIENT_CA", &options->tls_client_ca,
                "PEM CA bundle: require and verify client certificates signed by it (mutual TLS)");
  flags->String("auth-tokens", "CODI_AUTH_TOKENS", &options->auth_tokens,
                "token file, one 'ROLE SHA256_HEX [NAME]' line per token, reloaded on SIGHUP; "
                "needs TLS (empty: no authentication)");
}

absl::StatusOr<ServerSecurity> LoadServerSecurity(const ServerSecurityOptions& options) {
  if (absl::Status s = CheckPair(options.tls_cert, options.tls_key); !s.ok()) return s;
  ServerSecurity security;
  if (options.tls_cert.empty()) {
    if (!options.tls_client_ca.empty() || !options.auth_tokens.empty()) {
      return absl::InvalidArgumentError(
          "--tls-client-ca and --auth-tokens need --tls-cert and --tls-key (tokens and client "
          "certificates would cross the network in the clear)");
    }
    Log(LogLevel::kWarning, "plaintext_grpc",
        {{"why",
          "no --tls-cert/--tls-key: calls are neither encrypted nor authenticated; use "
          "only on loopback"}});
    LogNoAuthentication();
    security.credentials = grpc::InsecureServerCredentials();
    return security;
  }
  grpc::SslServerCredentialsOptions ssl(
      options.tls_client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                    : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  CODI_RETURN_IF_ERROR(
      ReadCertAndKey(options.tls_cert, options.tls_key, &pair.cert_chain, &pair.private_key));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca.empty()) {
    CODI_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFlagFile("tls-client-ca", options.tls_client_ca));
  }
  security.credentials = grpc::SslServerCredentials(ssl);
  if (options.auth_tokens.empty()) {
    LogNoAuthentication();
  } else {
    auto table = TokenTable::Load(options.auth_tokens);
    if (!table.ok()) return table.status();
    Log(LogLevel::kInfo, "auth_tokens_loaded",
        {{"file", options.auth_tokens}, {"tokens", std::to_string(table->size())}});
    security.auth = std::make_shared<TokenAuthProcessor>(options.auth_tokens, *std::move(table));
    security.credentials->SetAuthMetadataProcessor(security.auth);
  }
  return security;
}

void AddClientSecurityFlags(FlagSet* flags, ClientSecurityOptions* options) {
  flags->String("tls-ca", "CODI_TLS_CA", &options->tls_ca,
                "PEM CA that signed the coordinator's certificate: connect with TLS (empty: plain "
                "text)");
  flags->String("tls-cert", "CODI_TLS_CERT", &options->tls_cert,
                "PEM client certificate for mutual TLS; with --tls-key");
  flags->String("tls-key", "CODI_TLS_KEY", &options->tls_key, "PEM private key of --tls-cert");
  flags->String("token-file", "CODI_TOKEN_FILE", &options->token_file,
                "file holding the bearer token sent on every call (else the CODI_TOKEN variable)");
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> LoadChannelCredentials(
    const ClientSecurityOptions& options, bool warn) {
  if (absl::Status s = CheckPair(options.tls_cert, options.tls_key); !s.ok()) return s;
  std::string token;
  if (!options.token_file.empty()) {
    CODI_ASSIGN_OR_RETURN(const std::string text, ReadFlagFile("token-file", options.token_file));
    token = std::string(absl::StripAsciiWhitespace(text));
  } else if (const char* env = std::getenv("CODI_TOKEN"); env != nullptr) {
    token = std::string(absl::StripAsciiWhitespace(env));
  }
  if (options.tls_ca.empty()) {
    if (!options.tls_cert.empty() || !token.empty()) {
      return absl::InvalidArgumentError(
          "a client certificate or a token (--token-file, CODI_TOKEN) needs --tls-ca: it would "
          "cross the network in the clear");
    }
    if (warn) {
      Log(LogLevel::kWarning, "plaintext_grpc",
          {{"why",
            "no --tls-ca: calls to the coordinator are not encrypted; use only on "
            "loopback"}});
    }
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;
  CODI_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFlagFile("tls-ca", options.tls_ca));
  if (!options.tls_cert.empty()) {
    CODI_RETURN_IF_ERROR(ReadCertAndKey(options.tls_cert, options.tls_key, &ssl.pem_cert_chain,
                                        &ssl.pem_private_key));
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::SslCredentials(ssl);
  if (token.empty()) return credentials;
  // AccessTokenCredentials sends 'authorization: Bearer TOKEN' on every call.
  return grpc::CompositeChannelCredentials(credentials, grpc::AccessTokenCredentials(token));
}

}  // namespace codi
