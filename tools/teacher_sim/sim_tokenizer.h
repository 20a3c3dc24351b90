// A deterministic stand-in for a BPE tokenizer, used for usage accounting,
// max_tokens truncation and prefix-cache blocks.
//
// A token is a maximal run of ASCII letters and digits, or of bytes >= 0x80
// (so a UTF-8 character is never split), or one other non-space ASCII
// character (punctuation). Whitespace separates tokens and is not one. Real
// tokenizers give a few more tokens per word; the simulator only needs counts
// that are stable and grow with the text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace codi {

// The tokens of `text`, as views into it, in order.
std::vector<absl::string_view> SplitTokens(absl::string_view text);

// SplitTokens(text).size() without building the vector.
size_t CountTokens(absl::string_view text);

// A stable 64-bit id for a token's text (FNV-1a), the same in every process.
uint64_t TokenId(absl::string_view token);

}  // namespace codi
