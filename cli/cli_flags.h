// The flags several `codi` commands share, each declared here once with its
// environment variable and help line. A command may add a note to the help
// line (its own default, say).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/base/flags.h"
#include "common/quality/deduplicator.h"
#include "common/security/security_flags.h"

namespace codi {

// How a command reaches a coordinator: its address, TLS and token, and how
// long a call may take.
struct CoordinatorFlags {
  std::string address;
  ClientSecurityOptions security;
  int64_t timeout_s = 0;  // 0: the command's own default
};

// --coordinator HOST:PORT (CODI_COORDINATOR), the client TLS and token flags
// (security_flags.h) and --timeout-s (CODI_TIMEOUT_S).
void AddCoordinatorFlags(FlagSet* flags, CoordinatorFlags* coordinator,
                         const std::string& note = "");

// --state DIR (CODI_STATE): the RocksDB state directory of `codi run`.
void AddStateFlag(FlagSet* flags, std::string* dir, const std::string& note = "");

// --out DIR (CODI_OUT): the directory a job's output files go to.
void AddOutDirFlag(FlagSet* flags, std::string* dir, const std::string& note = "");

// --dedup off|exact|near and --near-threshold J of the commands that export.
struct DedupFlags {
  std::string mode = "exact";
  DedupOptions options;
};
void AddDedupFlags(FlagSet* flags, DedupFlags* dedup);
// The options the parsed flags ask for; InvalidArgument naming the flag.
[[nodiscard]] absl::StatusOr<DedupOptions> DedupOptionsFrom(const DedupFlags& dedup);

}  // namespace codi
