// Builds the HTTP teacher client for a job: endpoints from the job spec unless
// the process was given --teacher URLs, API key from the spec's env var or file.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "codi/v1/job.pb.h"
#include "common/teacher/concurrency_limiter.h"
#include "common/teacher/teacher_client.h"
#include "common/teacher/teacher_stats.h"

namespace codi {

// `on_attempt`, when set, sees every HTTP attempt (metrics). `limiters`, when
// set, are the process's per-replica concurrency limiters (shared by every
// job's client); null: the client has its own, adaptive with defaults.
[[nodiscard]] absl::StatusOr<std::shared_ptr<TeacherClient>> MakeTeacherForJob(
    const codi::v1::JobSpec& spec, const std::vector<std::string>& override_endpoints,
    std::function<void(const std::string&, AttemptOutcome, absl::Duration, bool)> on_attempt =
        nullptr,
    std::shared_ptr<LimiterRegistry> limiters = nullptr);

}  // namespace codi
