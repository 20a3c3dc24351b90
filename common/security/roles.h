// Who may call what on the coordinator: the roles a token carries and the one
// table from full gRPC method name ("/codi.v1.CoordinatorService/SubmitJob")
// to the roles allowed to call it. The table is the only place the policy is
// written; TokenAuthProcessor enforces it for every call.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace codi {

enum class Role {
  kAdmin,   // everything
  kClient,  // submit, cancel and everything a reader may do
  kReader,  // status, list, watch, export (and the job spec it reads), report
  kWorker,  // WorkService
};

[[nodiscard]] absl::StatusOr<Role> ParseRole(absl::string_view name);
const char* RoleName(Role role);

// Whether `role` may call `method` (a full method name). Admin may call
// anything; the other roles only the methods the table lists for them.
bool RoleMayCall(Role role, absl::string_view method);

// Methods anyone may call without a token: the gRPC health service, so that
// probes and load balancers need no credentials.
bool IsOpenMethod(absl::string_view method);

// Every method the table names, for tests that check it covers the services.
std::vector<std::string> MethodsWithRoles();

}  // namespace codi
