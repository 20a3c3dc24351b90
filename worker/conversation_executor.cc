#include "worker/conversation_executor.h"

#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/base/deterministic_rng.h"
#include "common/base/logging.h"
#include "common/method/usage.h"

namespace codi {
namespace {

// The teacher's failure code ("http_400", "retries_exhausted", ...), or the
// status code's name for a failure that carries none.
std::string ReasonCode(const absl::Status& status) {
  std::string code = TeacherFailureReason(status);
  return code.empty() ? absl::StatusCodeToString(status.code()) : code;
}

// Calls `rpc` until it answers something other than UNAVAILABLE, for at most
// one lease lifetime: the coordinator may be restarting, and it keeps leases
// for a grace period after a restart. If the lease moved on meanwhile, the
// coordinator refuses the report (FAILED_PRECONDITION) and nothing is doubled.
template <typename Rpc>
absl::Status CallWithinLease(Clock& clock, const codi::v1::Lease& lease,
                             const std::atomic<bool>& stop, Rpc rpc) {
  const absl::Time deadline =
      clock.Now() + absl::Milliseconds(lease.ttl_ms() > 0 ? lease.ttl_ms() : 10000);
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    absl::Status status = rpc();
    if (status.code() != absl::StatusCode::kUnavailable) return status;
    if (stop.load() || clock.Now() + backoff > deadline) return status;
    clock.SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

ExecutionOutcome ForStatus(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ? ExecutionOutcome::kUnreachable
                                                         : ExecutionOutcome::kLeaseLost;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const JobContext>> JobContext::Create(
    std::string job_id, const codi::v1::JobSpec& spec, std::shared_ptr<TeacherClient> teacher,
    Clock* clock) {
  auto prompts = PromptBuilder::Create(spec);
  if (!prompts.ok()) return prompts.status();
  auto ctx = std::make_shared<JobContext>();
  ctx->job_id_ = std::move(job_id);
  ctx->spec_ = spec;
  ctx->prompts_ = std::make_unique<PromptBuilder>(*std::move(prompts));
  ctx->validator_ = std::make_unique<TurnValidator>(spec.validation());
  ctx->teacher_ = std::move(teacher);
  ctx->clock_ = clock;
  return std::shared_ptr<const JobContext>(std::move(ctx));
}

uint64_t SamplingSeed(uint64_t job_seed, const std::string& doc_id, uint32_t sample, uint32_t turn,
                      uint32_t attempt) {
  // Keep it within 2^31 so servers that parse the seed as a 32-bit int accept it.
  return DeterministicRng::ForKey(job_seed, doc_id, sample,
                                  absl::StrCat("sampling/", turn, "/", attempt))
             .Next() &
         0x7fffffffULL;
}

ExecutionOutcome ExecuteConversation(const JobContext& job, const codi::v1::Lease& lease,
                                     WorkSource& source, const std::atomic<bool>& stop,
                                     ExecutionStats* stats, WorkerObserver* observer) {
  WorkerObserver no_observer;
  if (observer == nullptr) observer = &no_observer;
  const auto& spec = job.spec();
  const auto& doc = lease.document();
  const uint32_t sample = lease.key().sample();
  std::vector<codi::v1::Turn> history(lease.turns().begin(), lease.turns().end());
  const uint64_t affinity = StableHash(doc.id());
  const uint32_t max_attempts = std::max<uint32_t>(1, spec.validation().max_attempts());

  auto fail = [&](const std::string& reason, const std::string& detail,
                  const codi::v1::Usage& usage) {
    codi::v1::FinishReport report;
    *report.mutable_key() = lease.key();
    report.set_epoch(lease.epoch());
    report.set_failed(true);
    report.set_reason(reason);
    report.set_detail(detail);
    *report.mutable_usage() = usage;
    absl::Status status =
        CallWithinLease(job.clock(), lease, stop, [&] { return source.Finish(report); });
    return status.ok() ? ExecutionOutcome::kFailed : ForStatus(status);
  };

  for (uint32_t index = history.size(); index < static_cast<uint32_t>(lease.graph_size());
       ++index) {
    if (stop.load()) return ExecutionOutcome::kStopped;
    const absl::Time turn_start = job.clock().Now();
    const std::string& link = lease.graph(index);
    TurnPlan plan = job.prompts().PlanTurn(doc, sample, index, link);
    codi::v1::Usage usage;
    if (plan.role.empty())
      return fail("spec:unknown_link", "link '" + link + "' is not in the job", usage);
    Prompt prompt = job.prompts().Build(doc, history, plan);

    uint32_t link_max_tokens = 0;
    for (const auto& l : spec.graph().links()) {
      if (l.name() == link) link_max_tokens = l.max_tokens();
    }
    CompletionRequest request;
    request.messages = prompt.messages;
    request.model = spec.teacher().model();
    request.max_tokens = link_max_tokens > 0 ? link_max_tokens : spec.teacher().max_tokens();
    request.temperature = spec.teacher().temperature();
    request.top_p = spec.teacher().top_p();
    request.stop.assign(spec.teacher().stop().begin(), spec.teacher().stop().end());
    request.affinity_key = affinity;

    std::optional<TurnVerdict> accepted;
    std::string last_reason;
    for (uint32_t attempt = 0; attempt < max_attempts && !accepted; ++attempt) {
      if (stop.load()) return ExecutionOutcome::kStopped;
      request.seed = SamplingSeed(spec.seed(), doc.id(), sample, index, attempt);
      request.request_id =
          absl::StrCat(job.job_id(), "/", doc.id(), "/", sample, "/", index, "/", attempt);
      uint32_t attempts = 0;
      auto result = job.teacher().Complete(request, &attempts);
      usage.set_calls(usage.calls() + std::max<uint32_t>(attempts, 1));
      usage.set_retries(usage.retries() + (attempts > 1 ? attempts - 1 : 0));
      if (!result.ok()) {
        return fail(absl::StrCat("teacher:", ReasonCode(result.status())),
                    std::string(result.status().message()), usage);
      }
      usage.set_prompt_tokens(usage.prompt_tokens() + result->prompt_tokens);
      usage.set_completion_tokens(usage.completion_tokens() + result->completion_tokens);
      usage.set_cached_tokens(usage.cached_tokens() + result->cached_tokens);
      TurnVerdict verdict =
          job.validator().Check(result->text, result->finish_reason, plan.role, history);
      if (verdict.ok) {
        accepted = std::move(verdict);
      } else {
        last_reason = verdict.reason;
        usage.set_regenerations(usage.regenerations() + 1);
        (*usage.mutable_regeneration_reasons())[verdict.reason] += 1;
        observer->TurnRegenerated(verdict.reason);
        Log(LogLevel::kDebug, "turn_rejected",
            {{"request", request.request_id}, {"reason", verdict.reason}});
      }
    }
    if (!accepted) {
      return fail(absl::StrCat("validation:", last_reason),
                  absl::StrCat("turn ", index, " (", link, ") rejected ", max_attempts, " times"),
                  usage);
    }

    codi::v1::TurnReport report;
    *report.mutable_key() = lease.key();
    report.set_epoch(lease.epoch());
    report.set_index(index);
    codi::v1::Turn* turn = report.mutable_turn();
    turn->set_role(plan.role);
    turn->set_text(accepted->text);
    turn->set_link(link);
    for (const auto& p : plan.phenomena) turn->add_phenomena(p);
    turn->set_seed_item(plan.seed_item);
    turn->set_regenerations(static_cast<uint32_t>(usage.regenerations()));
    *turn->mutable_usage() = usage;
    *report.mutable_usage() = usage;
    absl::Status status =
        CallWithinLease(job.clock(), lease, stop, [&] { return source.ReportTurn(report); });
    if (!status.ok()) {
      Log(LogLevel::kWarning, "turn_report_refused",
          {{"request", request.request_id}, {"error", std::string(status.message())}});
      return ForStatus(status);
    }
    observer->TurnFinished(job.clock().Now() - turn_start, usage);
    if (stats != nullptr) {
      ++stats->turns;
      AddUsage(usage, &stats->usage);
    }
    history.push_back(*turn);
  }

  codi::v1::FinishReport done;
  *done.mutable_key() = lease.key();
  done.set_epoch(lease.epoch());
  absl::Status status =
      CallWithinLease(job.clock(), lease, stop, [&] { return source.Finish(done); });
  return status.ok() ? ExecutionOutcome::kFinished : ForStatus(status);
}

}  // namespace codi
