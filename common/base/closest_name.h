// "Did you mean" suggestions for misspelt field, link and pool names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace codi {

// Edit distance counting insertions, deletions, substitutions and swaps of
// adjacent characters as one edit each ("lenght" is one edit from "length").
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `name` if it is close enough to be a likely typo
// (at most 1 edit for names up to 3 characters, 2 up to 6, 3 beyond); the
// first such candidate on ties. Case is ignored in the comparison. Never
// returns `name` itself.
std::optional<std::string> ClosestName(std::string_view name,
                                       const std::vector<std::string>& candidates);

}  // namespace codi
