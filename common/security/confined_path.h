// Paths a remote caller names (a job's documents.path) confined to a root
// directory the operator chose (--documents-root).
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace codi {

// `path` resolved (relative to `root` when relative; symlinks and '..'
// resolved first) if it lies inside `root`, else INVALID_ARGUMENT naming
// both. The returned canonical path is the one to open, so that what was
// checked is what gets read.
[[nodiscard]] absl::StatusOr<std::string> ConfinedPath(const std::string& root,
                                                       const std::string& path);

}  // namespace codi
