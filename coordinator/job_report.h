// The per-job report (SPEC section 3): counts, failures by reason, tokens,
// teacher calls and retries, link and phenomenon frequencies against the
// graph's expected ones, turn length statistics, distinct-n diversity, and
// the quality signals (common/quality/quality_signals.h) under "quality".
// Built by one pass over the job's stored results and conversation records.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "coordinator/state_store.h"
#include "nlohmann/json.hpp"

namespace codi {

[[nodiscard]] absl::StatusOr<nlohmann::ordered_json> BuildJobReport(const StateStore& store,
                                                                    const std::string& job_id);

// A human-readable summary of a report, a few dozen lines.
std::string FormatJobReport(const nlohmann::ordered_json& report);

}  // namespace codi
