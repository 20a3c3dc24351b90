// Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace codi {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence,
// or nullopt when all of `s` is valid.
std::optional<size_t> FirstInvalidUtf8Byte(std::string_view s);

inline bool IsValidUtf8(std::string_view s) { return !FirstInvalidUtf8Byte(s).has_value(); }

// Length of the well-formed sequence starting at s[i], or 0 when none starts there.
size_t Utf8SequenceLength(std::string_view s, size_t i);

}  // namespace codi
