#include "common/method/turn_validator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace codi {
namespace {

// Phrases that open or make up a refusal; matched case-insensitively.
const char* const kBuiltinRefusals[] = {
    "as an ai",           "as a language model", "i'm sorry, but i can", "i am sorry, but i can",
    "i cannot help with", "i can't help with",   "i cannot assist",      "i can't assist",
    "i'm unable to",      "i am unable to",
};

std::string StripRoleEcho(absl::string_view text, absl::string_view role) {
  text = absl::StripAsciiWhitespace(text);
  const std::string tag = absl::StrCat("[", role, "]");
  if (absl::StartsWithIgnoreCase(text, tag)) {
    text.remove_prefix(tag.size());
    const std::string close = absl::StrCat("[/", role, "]");
    text = absl::StripAsciiWhitespace(text);
    if (absl::EndsWithIgnoreCase(text, close)) text.remove_suffix(close.size());
  } else if (absl::StartsWithIgnoreCase(text, absl::StrCat(role, ":"))) {
    text.remove_prefix(role.size() + 1);
  }
  return std::string(absl::StripAsciiWhitespace(text));
}

}  // namespace

std::string NormaliseForRepeat(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()))) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

TurnValidator::TurnValidator(const codi::v1::ValidationSettings& settings) : settings_(settings) {
  for (const char* p : kBuiltinRefusals) refusal_phrases_.emplace_back(p);
  for (const auto& p : settings.refusal_phrases())
    refusal_phrases_.push_back(absl::AsciiStrToLower(p));
}

TurnVerdict TurnValidator::Check(std::string_view reply, std::string_view finish_reason,
                                 std::string_view role,
                                 const std::vector<codi::v1::Turn>& history) const {
  TurnVerdict v;
  v.text = StripRoleEcho(absl::string_view(reply.data(), reply.size()),
                         absl::string_view(role.data(), role.size()));
  if (finish_reason == "length") {
    v.reason = "truncated";
    return v;
  }
  if (v.text.empty()) {
    v.reason = "empty";
    return v;
  }
  const std::string norm = NormaliseForRepeat(v.text);
  for (const auto& phrase : refusal_phrases_) {
    // A refusal opens the reply; deep inside a long grounded answer the
    // phrase is more likely quoted text than a refusal.
    if (norm.find(phrase) != std::string::npos && norm.find(phrase) < 40) {
      v.reason = "refusal";
      return v;
    }
  }
  if (v.text.size() < settings_.min_chars()) {
    v.reason = "too_short";
    return v;
  }
  if (settings_.max_chars() > 0 && v.text.size() > settings_.max_chars()) {
    v.reason = "too_long";
    return v;
  }
  if (!settings_.has_reject_repeats() || settings_.reject_repeats()) {
    for (const auto& turn : history) {
      if (NormaliseForRepeat(turn.text()) == norm) {
        v.reason = "repeat";
        return v;
      }
    }
  }
  v.ok = true;
  return v;
}

}  // namespace codi
