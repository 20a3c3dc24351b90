// When to retry a failed HTTP call: exponential backoff with full jitter
// (wait = uniform(0, min(max, base * 2^retry))) and the Retry-After header.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace codi {

// The jitter ceiling before retry number `retry` (0 for the first retry):
// min(max, base * 2^retry), never negative.
absl::Duration BackoffCap(uint32_t retry, absl::Duration base, absl::Duration max);

// A full-jitter wait, uniform in [0, BackoffCap(retry, base, max)].
absl::Duration FullJitterBackoff(uint32_t retry, absl::Duration base, absl::Duration max,
                                 std::mt19937_64& rng);

// Parses a Retry-After value: delay-seconds ("3") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", the RFC 850 form too), the latter relative
// to `now`. A date in the past gives zero; anything else unparseable gives
// nullopt.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace codi
