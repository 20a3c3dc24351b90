#include "common/security/token_auth_processor.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/base/logging.h"

namespace codi {
namespace {

absl::string_view View(const grpc::string_ref& ref) {
  return absl::string_view(ref.data(), ref.size());
}

constexpr absl::string_view kBearer = "Bearer ";

}  // namespace

TokenAuthProcessor::TokenAuthProcessor(std::string path, TokenTable table)
    : path_(std::move(path)), table_(std::make_shared<const TokenTable>(std::move(table))) {}

absl::Status TokenAuthProcessor::Reload() {
  auto table = TokenTable::Load(path_);
  if (!table.ok()) {
    Log(LogLevel::kError, "auth_tokens_reload_failed",
        {{"file", path_}, {"error", std::string(table.status().message())}, {"kept", "previous"}});
    return table.status();
  }
  const size_t tokens = table->size();
  {
    MutexLock lock(&mu_);
    table_ = std::make_shared<const TokenTable>(*std::move(table));
  }
  Log(LogLevel::kInfo, "auth_tokens_reloaded",
      {{"file", path_}, {"tokens", std::to_string(tokens)}});
  return absl::OkStatus();
}

grpc::Status TokenAuthProcessor::Process(const InputMetadata& auth_metadata, grpc::AuthContext*,
                                         OutputMetadata* consumed_auth_metadata, OutputMetadata*) {
  absl::string_view method;
  if (auto it = auth_metadata.find(":path"); it != auth_metadata.end()) method = View(it->second);
  if (IsOpenMethod(method)) return grpc::Status::OK;
  auto it = auth_metadata.find("authorization");
  if (it == auth_metadata.end() || !absl::StartsWith(View(it->second), kBearer)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "a bearer token is required (metadata 'authorization: Bearer TOKEN')");
  }
  const absl::string_view token = View(it->second).substr(kBearer.size());
  std::shared_ptr<const TokenTable> table;
  {
    MutexLock lock(&mu_);
    table = table_;
  }
  const TokenEntry* entry = table->Find(token);
  if (entry == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "the bearer token is not known");
  }
  if (!RoleMayCall(entry->role, method)) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("role ", RoleName(entry->role), " may not call ", method));
  }
  consumed_auth_metadata->insert(std::make_pair(std::string(it->first.data(), it->first.size()),
                                                std::string(it->second.data(), it->second.size())));
  return grpc::Status::OK;
}

}  // namespace codi
