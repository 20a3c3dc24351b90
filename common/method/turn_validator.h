// Decides whether a teacher reply becomes the next turn. A rejected reply is
// asked for again with a new sampling seed (a bounded number of times); the
// reasons are stable short codes counted in reports and metrics.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codi/v1/conversation.pb.h"
#include "codi/v1/job.pb.h"

namespace codi {

struct TurnVerdict {
  bool ok = false;
  // "empty", "refusal", "repeat", "too_short", "too_long", "truncated".
  std::string reason;
  // The reply as it becomes the turn: trimmed, with an echoed "[ROLE]" tag
  // or "ROLE:" prefix removed.
  std::string text;
};

class TurnValidator {
 public:
  // `settings` with defaults applied.
  explicit TurnValidator(const codi::v1::ValidationSettings& settings);

  TurnVerdict Check(std::string_view reply, std::string_view finish_reason, std::string_view role,
                    const std::vector<codi::v1::Turn>& history) const;

 private:
  codi::v1::ValidationSettings settings_;
  std::vector<std::string> refusal_phrases_;  // lower case
};

// Lower case with runs of whitespace folded to one space and ends trimmed:
// what "a repeat of an earlier turn" compares.
std::string NormaliseForRepeat(std::string_view text);

}  // namespace codi
