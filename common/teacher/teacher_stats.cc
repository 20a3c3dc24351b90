#include "common/teacher/teacher_stats.h"

namespace codi {

absl::string_view AttemptOutcomeName(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kOk:
      return "ok";
    case AttemptOutcome::kHttp4xx:
      return "http_4xx";
    case AttemptOutcome::kHttp429:
      return "http_429";
    case AttemptOutcome::kHttp5xx:
      return "http_5xx";
    case AttemptOutcome::kHttpOther:
      return "http_other";
    case AttemptOutcome::kTimeout:
      return "timeout";
    case AttemptOutcome::kConnect:
      return "connect";
    case AttemptOutcome::kReset:
      return "reset";
    case AttemptOutcome::kMalformed:
      return "malformed";
  }
  return "unknown";
}

uint64_t EndpointStats::total_attempts() const {
  uint64_t total = 0;
  for (uint64_t n : attempts_by_outcome) total += n;
  return total;
}

uint64_t TeacherStats::attempts(AttemptOutcome outcome) const {
  uint64_t total = 0;
  for (const EndpointStats& e : endpoints) total += e.attempts(outcome);
  return total;
}

uint64_t TeacherStats::total_attempts() const {
  uint64_t total = 0;
  for (const EndpointStats& e : endpoints) total += e.total_attempts();
  return total;
}

uint64_t TeacherStats::retries() const {
  uint64_t total = 0;
  for (const EndpointStats& e : endpoints) total += e.retries;
  return total;
}

}  // namespace codi
