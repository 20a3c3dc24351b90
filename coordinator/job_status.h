// A job's progress as the API's JobStatus, and the one place that names job
// states the way users see them ("running", "succeeded", ...) in CLI output,
// JSON, reports and metric labels.
#pragma once

#include <string>

#include "codi/v1/job.pb.h"
#include "codi/v1/service.pb.h"
#include "coordinator/job_coordinator.h"

namespace codi {

// "running", "succeeded", "cancelled", "failed"; "unknown" for anything else.
const char* JobStateName(codi::v1::JobState state);

// JobProgress as the API's JobStatus (rates left at zero: ProgressRates fills
// them in).
codi::v1::JobStatus ToJobStatus(const std::string& job_id, const JobProgress& progress);

}  // namespace codi
