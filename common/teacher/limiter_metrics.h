// Reads the per-replica limiter gauges back from a process's Prometheus
// /metrics page (codi-worker), so that `codi watch` can show the limits the
// workers found next to the coordinator's progress.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/teacher/concurrency_limiter.h"

namespace codi {

// The limiter states in a Prometheus text page (codi_teacher_concurrency_limit
// and its siblings, one state per endpoint label). Lines it does not know are
// skipped; a page without them gives an empty list.
std::vector<LimiterState> ParseLimiterMetrics(absl::string_view text);

// GETs `url` (http://host:port/metrics) and parses it. Errors name the URL.
[[nodiscard]] absl::StatusOr<std::vector<LimiterState>> ScrapeLimiterStates(const std::string& url,
                                                                            absl::Duration timeout);

}  // namespace codi
