#include "worker/teacher_factory.h"

#include "common/base/status_macros.h"
#include "common/teacher/http_teacher_client.h"

namespace codi {

absl::StatusOr<std::shared_ptr<TeacherClient>> MakeTeacherForJob(
    const codi::v1::JobSpec& spec, const std::vector<std::string>& override_endpoints,
    std::function<void(const std::string&, AttemptOutcome, absl::Duration, bool)> on_attempt,
    std::shared_ptr<LimiterRegistry> limiters) {
  const auto& t = spec.teacher();
  HttpTeacherOptions options;
  if (!override_endpoints.empty()) {
    options.endpoints = override_endpoints;
  } else {
    options.endpoints.assign(t.endpoints().begin(), t.endpoints().end());
  }
  if (options.endpoints.empty()) {
    return absl::InvalidArgumentError(
        "no teacher endpoint: set teacher.endpoints in the job or pass --teacher URL");
  }
  CODI_ASSIGN_OR_RETURN(options.api_key, LoadApiKey(t.api_key_env(), t.api_key_file()));
  options.connect_timeout_ms = static_cast<int>(t.connect_timeout_ms());
  options.read_timeout_ms = static_cast<int>(t.read_timeout_ms());
  options.max_attempts = t.max_attempts();
  options.backoff_base_ms = t.backoff_base_ms();
  options.backoff_max_ms = t.backoff_max_ms();
  options.on_attempt = std::move(on_attempt);
  options.limiters = std::move(limiters);
  CODI_ASSIGN_OR_RETURN(auto client, MakeHttpTeacherClient(std::move(options)));
  return std::shared_ptr<TeacherClient>(std::move(client));
}

}  // namespace codi
