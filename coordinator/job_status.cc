#include "coordinator/job_status.h"

namespace codi {

const char* JobStateName(codi::v1::JobState state) {
  switch (state) {
    case codi::v1::JOB_STATE_RUNNING:
      return "running";
    case codi::v1::JOB_STATE_SUCCEEDED:
      return "succeeded";
    case codi::v1::JOB_STATE_CANCELLED:
      return "cancelled";
    case codi::v1::JOB_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
  }
}

codi::v1::JobStatus ToJobStatus(const std::string& job_id, const JobProgress& p) {
  codi::v1::JobStatus s;
  s.set_job_id(job_id);
  s.set_state(p.state);
  s.set_failure(p.failure);
  s.set_conversations_created(p.created);
  s.set_conversations_done(p.done);
  s.set_conversations_failed(p.failed);
  s.set_conversations_in_flight(p.leased);
  s.set_conversations_estimated_total(p.estimated_total);
  s.set_turns(p.turns);
  s.set_documents_accepted(p.documents_accepted);
  s.set_documents_skipped(p.documents_skipped);
  s.set_documents_exhausted(p.documents_exhausted);
  *s.mutable_usage() = p.usage;
  s.set_created_unix_ms(p.created_unix_ms);
  s.set_finished_unix_ms(p.finished_unix_ms);
  return s;
}

}  // namespace codi
