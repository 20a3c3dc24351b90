// A prompt template with "{name}" placeholders, checked once when a job is
// submitted and rendered for every turn.
//
//   auto t = PromptTemplate::Parse("Ask about {title}.", {"title", "doc_id"});
//   t->Render({{"title", "Vancouver"}});  // "Ask about Vancouver."
//
// "{{" and "}}" are literal braces. Anything else in braces, an unclosed or
// unmatched brace, or a name not in `allowed` is an error, e.g.
// `unknown placeholder {foo} (allowed: {role}, {seed})`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace codi {

// Immutable after Parse, so one instance may be rendered from many threads.
class PromptTemplate {
 public:
  // The empty template: renders "" and uses nothing.
  PromptTemplate() = default;

  [[nodiscard]] static absl::StatusOr<PromptTemplate> Parse(
      std::string_view text, const std::vector<std::string>& allowed);

  // Substitutes each placeholder; a placeholder without a value renders as "".
  std::string Render(const absl::flat_hash_map<std::string, std::string>& values) const;

  // Whether the template contains the placeholder {name}.
  bool Uses(std::string_view name) const;

 private:
  // The template as alternating pieces: literal text (braces unescaped) or a
  // placeholder name.
  struct Piece {
    bool is_placeholder = false;
    std::string text;
  };
  std::vector<Piece> pieces_;
};

}  // namespace codi
