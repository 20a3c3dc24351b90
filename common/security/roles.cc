#include "common/security/roles.h"

#include <array>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace codi {
namespace {

constexpr unsigned Bit(Role role) { return 1u << static_cast<unsigned>(role); }
constexpr unsigned kReaders = Bit(Role::kReader) | Bit(Role::kClient);
constexpr unsigned kClients = Bit(Role::kClient);
constexpr unsigned kWorkers = Bit(Role::kWorker);

// The policy, once. Admin is implied everywhere.
constexpr std::array<std::pair<const char*, unsigned>, 15> kMethodRoles = {{
    {"/codi.v1.CoordinatorService/SubmitJob", kClients},
    {"/codi.v1.CoordinatorService/SubmitJobWithDocuments", kClients},
    {"/codi.v1.CoordinatorService/CancelJob", kClients},
    {"/codi.v1.CoordinatorService/GetJob", kReaders},
    {"/codi.v1.CoordinatorService/ListJobs", kReaders},
    {"/codi.v1.CoordinatorService/WatchJob", kReaders},
    {"/codi.v1.CoordinatorService/StreamConversations", kReaders},
    {"/codi.v1.CoordinatorService/GetReport", kReaders},
    {"/codi.v1.WorkService/Lease", kWorkers},
    {"/codi.v1.WorkService/ReportTurn", kWorkers},
    {"/codi.v1.WorkService/Finish", kWorkers},
    {"/codi.v1.WorkService/Report", kWorkers},
    {"/codi.v1.WorkService/Release", kWorkers},
    {"/codi.v1.WorkService/Heartbeat", kWorkers},
    // `codi export` reads the stored spec (shards, chat roles, dataset card).
    {"/codi.v1.WorkService/GetJobSpec", kWorkers | kReaders},
}};

constexpr std::array<std::pair<Role, const char*>, 4> kRoleNames = {{
    {Role::kAdmin, "admin"},
    {Role::kClient, "client"},
    {Role::kReader, "reader"},
    {Role::kWorker, "worker"},
}};

}  // namespace

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (const auto& [role, role_name] : kRoleNames) {
    if (name == role_name) return role;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role '", name, "' (admin, client, reader or worker)"));
}

const char* RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "unknown";
}

bool RoleMayCall(Role role, absl::string_view method) {
  if (role == Role::kAdmin) return true;
  for (const auto& [name, roles] : kMethodRoles) {
    if (method == name) return (roles & Bit(role)) != 0;
  }
  return false;
}

bool IsOpenMethod(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.v1.Health/");
}

std::vector<std::string> MethodsWithRoles() {
  std::vector<std::string> out;
  for (const auto& [name, roles] : kMethodRoles) out.push_back(name);
  return out;
}

}  // namespace codi
