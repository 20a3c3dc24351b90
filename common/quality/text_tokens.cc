#include "common/quality/text_tokens.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "common/base/stable_hash.h"

namespace codi {

std::string NormalizeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && (absl::ascii_isspace(u) || absl::ascii_ispunct(u) || absl::ascii_iscntrl(u))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(u < 0x80 ? absl::ascii_tolower(u) : c);
  }
  return out;
}

std::vector<std::string> NormalizedWords(std::string_view text) {
  return absl::StrSplit(NormalizeText(text), ' ', absl::SkipEmpty());
}

bool IsStopword(std::string_view word) {
  // Sorted, for binary search. Articles, auxiliaries, pronouns, prepositions
  // and conjunctions: words any answer may hold whatever the document says.
  static constexpr std::array<std::string_view, 72> kStopwords = {
      "a",     "about", "after", "all", "also",  "an",    "and",  "any",   "are",   "as",   "at",
      "be",    "been",  "but",   "by",  "can",   "could", "did",  "do",    "does",  "for",  "from",
      "had",   "has",   "have",  "he",  "her",   "his",   "i",    "if",    "in",    "into", "is",
      "it",    "its",   "me",    "my",  "no",    "not",   "of",   "on",    "or",    "our",  "she",
      "so",    "than",  "that",  "the", "their", "them",  "then", "there", "these", "they", "this",
      "those", "to",    "was",   "we",  "were",  "what",  "when", "where", "which", "who",  "why",
      "will",  "with",  "would", "yes", "you",   "your"};
  static_assert(std::is_sorted(kStopwords.begin(), kStopwords.end()));
  return std::binary_search(kStopwords.begin(), kStopwords.end(), word);
}

uint64_t WordHash(std::string_view word) { return StableHash(word, /*seed=*/0x0057'0ad5); }

}  // namespace codi
