#include "tools/teacher_sim/sim_tokenizer.h"

#include <string_view>

#include "common/base/stable_hash.h"

namespace codi {
namespace {

enum class CharClass { kSpace, kWord, kPunct };

CharClass Classify(unsigned char c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
    return CharClass::kSpace;
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80) {
    return CharClass::kWord;
  }
  return CharClass::kPunct;
}

// Calls `fn(token)` for every token of `text` in order.
template <typename Fn>
void ForEachToken(absl::string_view text, Fn fn) {
  size_t i = 0;
  while (i < text.size()) {
    CharClass cls = Classify(static_cast<unsigned char>(text[i]));
    if (cls == CharClass::kSpace) {
      ++i;
      continue;
    }
    size_t start = i++;
    if (cls == CharClass::kWord) {
      while (i < text.size() && Classify(static_cast<unsigned char>(text[i])) == CharClass::kWord) {
        ++i;
      }
    }
    fn(text.substr(start, i - start));
  }
}

}  // namespace

std::vector<absl::string_view> SplitTokens(absl::string_view text) {
  std::vector<absl::string_view> tokens;
  ForEachToken(text, [&](absl::string_view t) { tokens.push_back(t); });
  return tokens;
}

size_t CountTokens(absl::string_view text) {
  size_t n = 0;
  ForEachToken(text, [&](absl::string_view) { ++n; });
  return n;
}

uint64_t TokenId(absl::string_view token) {
  return Fnv1a64(std::string_view(token.data(), token.size()));
}

}  // namespace codi
