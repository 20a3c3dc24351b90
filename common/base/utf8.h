// Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace codi {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence,
// or nullopt when all of `s` is valid.
std::optional<size_t> FirstInvalidUtf8Byte(std::string_view s);

inline bool IsValidUtf8(std::string_view s) { return !FirstInvalidUtf8Byte(s).has_value(); }

// Length of the well-formed sequence starting at s[i], or 0 when none starts there.
size_t Utf8SequenceLength(std::string_view s, size_t i);

// Appends `code_point` encoded as UTF-8 (1 to 4 bytes). The caller keeps it a
// scalar value (no surrogates, at most U+10FFFF).
void AppendUtf8(uint32_t code_point, std::string* out);

// `text` with every ASCII control character written as a C escape ("\n", "\t", "\x00"),
// so that a message quoting outside input (a JSON key, a YAML parser's message) stays on
// one line. Other bytes are kept as they are.
std::string EscapeControlCharacters(absl::string_view text);

}  // namespace codi
