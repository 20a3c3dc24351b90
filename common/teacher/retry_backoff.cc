#include "common/teacher/retry_backoff.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace codi {

absl::Duration BackoffCap(uint32_t retry, absl::Duration base, absl::Duration max) {
  if (base <= absl::ZeroDuration() || max <= absl::ZeroDuration()) return absl::ZeroDuration();
  absl::Duration cap = base;
  // Doubling stops as soon as the cap is reached, so huge retry numbers cannot overflow.
  for (uint32_t i = 0; i < retry && cap < max; ++i) cap *= 2;
  return std::min(cap, max);
}

absl::Duration FullJitterBackoff(uint32_t retry, absl::Duration base, absl::Duration max,
                                 std::mt19937_64& rng) {
  const int64_t cap_us = absl::ToInt64Microseconds(BackoffCap(retry, base, max));
  if (cap_us <= 0) return absl::ZeroDuration();
  std::uniform_int_distribution<int64_t> dist(0, cap_us);
  return absl::Microseconds(dist(rng));
}

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  const absl::string_view text = absl::StripAsciiWhitespace(value);
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); })) {
    int64_t seconds = 0;
    // More digits than an int64 holds: "a very long time", callers cap it anyway.
    if (!absl::SimpleAtoi(text, &seconds)) return absl::InfiniteDuration();
    return absl::Seconds(seconds);
  }
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT"}) {
    absl::Time when;
    std::string err;
    if (absl::ParseTime(format, std::string(text), absl::UTCTimeZone(), &when, &err)) {
      return std::max(absl::ZeroDuration(), when - now);
    }
  }
  return std::nullopt;
}

}  // namespace codi
