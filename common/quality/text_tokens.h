// The text normalisation dedup and the quality signals share: lower case,
// ASCII punctuation as spaces, whitespace runs collapsed to one space. Bytes
// of multi-byte UTF-8 characters are kept as they are (they are letters of
// words in most scripts), so the result stays valid UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace codi {

// "Hello,  World!" -> "hello world".
std::string NormalizeText(std::string_view text);

// The words of NormalizeText(text), in order.
std::vector<std::string> NormalizedWords(std::string_view text);

// True for the English function words ("the", "is", "of", ...) that the
// grounding signal leaves out: an answer is not grounded by its articles.
bool IsStopword(std::string_view word);

// A stable 64-bit hash of a word (StableHash), for sets of words.
uint64_t WordHash(std::string_view word);

}  // namespace codi
