#include "common/storage/proto_table.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace codi {
absl::Status CorruptValueError(std::string_view table, std::string_view key,
                               std::string_view type_name, size_t value_size) {
  return absl::DataLossError(
      absl::StrCat("table '", AsAbsl(table), "' key 0x", absl::BytesToHexString(AsAbsl(key)),
                   ": value (", value_size, " bytes) is not a valid ", AsAbsl(type_name)));
}

}  // namespace codi
