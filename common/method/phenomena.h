// The built-in linguistic phenomena: a link may list them without the job
// declaring them under `phenomena:`, and a job may override any instruction.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"

namespace codi {

// Phenomenon name -> the one-sentence instruction added to a turn's prompt
// when the phenomenon is chosen. Built once, never destroyed; thread-safe.
const absl::flat_hash_map<std::string, std::string>& BuiltinPhenomena();

}  // namespace codi
