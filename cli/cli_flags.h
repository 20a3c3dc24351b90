// The flags several `codi` commands share, each declared here once with its
// environment variable and help line. A command may add a note to the help
// line (its own default, say).
#pragma once

#include <string>

#include "common/base/flags.h"

namespace codi {

// --coordinator HOST:PORT (CODI_COORDINATOR): the coordinator's gRPC address.
void AddCoordinatorFlag(FlagSet* flags, std::string* address, const std::string& note = "");

// --state DIR (CODI_STATE): the RocksDB state directory of `codi run`.
void AddStateFlag(FlagSet* flags, std::string* dir, const std::string& note = "");

// --out DIR (CODI_OUT): the directory a job's output files go to.
void AddOutDirFlag(FlagSet* flags, std::string* dir, const std::string& note = "");

}  // namespace codi
