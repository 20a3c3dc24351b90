#include "common/method/prompt_template.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace codi {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string AllowedList(const std::vector<std::string>& allowed) {
  if (allowed.empty()) return "none";
  return absl::StrJoin(allowed, ", ", [](std::string* out, const std::string& name) {
    absl::StrAppend(out, "{", name, "}");
  });
}

}  // namespace

absl::StatusOr<PromptTemplate> PromptTemplate::Parse(std::string_view text_in,
                                                     const std::vector<std::string>& allowed) {
  const absl::string_view text(text_in.data(), text_in.size());
  PromptTemplate result;
  std::string literal;
  auto flush_literal = [&] {
    if (!literal.empty()) result.pieces_.push_back({false, std::move(literal)});
    literal.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal.push_back('}');
        i += 2;
        continue;
      }
      return absl::InvalidArgumentError(
          absl::StrCat("unmatched '}' at offset ", i, "; write }} for a literal brace"));
    }
    if (c != '{') {
      literal.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal.push_back('{');
      i += 2;
      continue;
    }
    const size_t close = text.find('}', i + 1);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("unclosed '{' at offset ", i, "; write {{ for a literal brace"));
    }
    const absl::string_view name = text.substr(i + 1, close - i - 1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsNameChar)) {
      return absl::InvalidArgumentError(
          absl::StrCat("{", name, "} is not a placeholder (allowed: ", AllowedList(allowed),
                       "); write {{ and }} for literal braces"));
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown placeholder {", name, "} (allowed: ", AllowedList(allowed), ")"));
    }
    flush_literal();
    result.pieces_.push_back({true, std::string(name)});
    i = close + 1;
  }
  flush_literal();
  return result;
}

std::string PromptTemplate::Render(
    const absl::flat_hash_map<std::string, std::string>& values) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    if (!piece.is_placeholder) {
      out += piece.text;
    } else if (auto it = values.find(piece.text); it != values.end()) {
      out += it->second;
    }
  }
  return out;
}

bool PromptTemplate::Uses(std::string_view name) const {
  return std::any_of(pieces_.begin(), pieces_.end(), [&](const Piece& piece) {
    return piece.is_placeholder && piece.text == name;
  });
}

}  // namespace codi
