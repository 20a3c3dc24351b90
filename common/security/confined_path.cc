#include "common/security/confined_path.h"

#include <algorithm>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace codi {

absl::StatusOr<std::string> ConfinedPath(const std::string& root, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path canonical_root = fs::weakly_canonical(root, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot resolve --documents-root ", root, ": ", ec.message()));
  }
  const fs::path requested = fs::path(path).is_absolute() ? fs::path(path) : fs::path(root) / path;
  const fs::path resolved = fs::weakly_canonical(requested, ec);
  const auto outside = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("documents path ", path, " is outside --documents-root ", root));
  };
  if (ec) return outside();
  // Component-wise, so "/data2" is not inside "/data".
  fs::path base = canonical_root;
  if (!base.has_filename() && base.has_parent_path()) base = base.parent_path();  // "/data/"
  const fs::path relative = resolved.lexically_relative(base);
  if (relative.empty() || *relative.begin() == "..") return outside();
  return resolved.string();
}

}  // namespace codi
