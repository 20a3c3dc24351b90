// Executes one leased conversation: for each remaining link, builds the
// prompt, asks the teacher, validates the reply (asking again with a new
// sampling seed when it is rejected) and reports the turn, which the
// coordinator checkpoints before the next turn starts. Turns of one
// conversation run strictly in order; conversations run in parallel.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "codi/v1/job.pb.h"
#include "codi/v1/work.pb.h"
#include "common/base/clock.h"
#include "common/method/prompt_builder.h"
#include "common/method/turn_validator.h"
#include "common/service/work_source.h"
#include "common/teacher/teacher_client.h"
#include "worker/worker_observer.h"

namespace codi {

// What a worker needs to execute any conversation of one job. Immutable and
// shared by the worker's threads.
class JobContext {
 public:
  // `clock` times turns and paces retries of reports. Not owned.
  static absl::StatusOr<std::shared_ptr<const JobContext>> Create(
      std::string job_id, const codi::v1::JobSpec& spec, std::shared_ptr<TeacherClient> teacher,
      Clock* clock = RealClock());

  const std::string& job_id() const { return job_id_; }
  const codi::v1::JobSpec& spec() const { return spec_; }
  const PromptBuilder& prompts() const { return *prompts_; }
  const TurnValidator& validator() const { return *validator_; }
  TeacherClient& teacher() const { return *teacher_; }
  Clock& clock() const { return *clock_; }

 private:
  std::string job_id_;
  codi::v1::JobSpec spec_;
  std::unique_ptr<PromptBuilder> prompts_;
  std::unique_ptr<TurnValidator> validator_;
  std::shared_ptr<TeacherClient> teacher_;
  Clock* clock_ = nullptr;
};

enum class ExecutionOutcome {
  kFinished,     // all turns reported and the conversation closed
  kFailed,       // closed as failed with a reason
  kLeaseLost,    // the coordinator refused a report: someone else owns it now
  kStopped,      // `stop` was set; the caller hands the lease back
  kUnreachable,  // the coordinator could not be reached before the lease ran out
};

struct ExecutionStats {
  uint32_t turns = 0;
  codi::v1::Usage usage;
};

// Sampling seed of one attempt at one turn: new per attempt, the same on any
// worker for the same attempt.
uint64_t SamplingSeed(uint64_t job_seed, const std::string& doc_id, uint32_t sample, uint32_t turn,
                      uint32_t attempt);

// `observer` may be null.
ExecutionOutcome ExecuteConversation(const JobContext& job, const codi::v1::Lease& lease,
                                     WorkSource& source, const std::atomic<bool>& stop,
                                     ExecutionStats* stats, WorkerObserver* observer = nullptr);

}  // namespace codi
