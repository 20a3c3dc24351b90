#include "common/storage/kv_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace codi {
namespace {

// Debian's Abseil is built with its own string_view, distinct from std's.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

absl::Status UnknownTableError(std::string_view table) {
  return absl::InvalidArgumentError(
      absl::StrCat("unknown table '", AsAbsl(table), "': the store was not opened with it"));
}

}  // namespace codi
