#include "common/storage/kv_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace codi {
absl::Status UnknownTableError(std::string_view table) {
  return absl::InvalidArgumentError(
      absl::StrCat("unknown table '", AsAbsl(table), "': the store was not opened with it"));
}

}  // namespace codi
