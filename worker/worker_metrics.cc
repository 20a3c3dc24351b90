#include "worker/worker_metrics.h"

namespace codi {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

const prometheus::Histogram::BucketBoundaries& SecondsBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return *buckets;
}

}  // namespace

WorkerMetrics::WorkerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(BuildCounter()
                    .Name("codi_teacher_requests_total")
                    .Help("Teacher HTTP attempts by endpoint and outcome (ok, http_4xx, http_429, "
                          "http_5xx, http_other, timeout, connect, reset, malformed).")
                    .Register(*registry_)),
      request_seconds_(BuildHistogram()
                           .Name("codi_teacher_request_seconds")
                           .Help("Latency of teacher HTTP attempts, by endpoint.")
                           .Register(*registry_)),
      turn_seconds_(
          BuildHistogram()
              .Name("codi_turn_seconds")
              .Help("Time to produce one accepted turn, retries and regenerations included.")
              .Register(*registry_)
              .Add({}, SecondsBuckets())),
      prompt_tokens_(BuildCounter()
                         .Name("codi_teacher_prompt_tokens_total")
                         .Help("Prompt tokens sent to teachers.")
                         .Register(*registry_)
                         .Add({})),
      completion_tokens_(BuildCounter()
                             .Name("codi_teacher_completion_tokens_total")
                             .Help("Completion tokens received from teachers.")
                             .Register(*registry_)
                             .Add({})),
      cached_tokens_(BuildCounter()
                         .Name("codi_teacher_cached_tokens_total")
                         .Help("Prompt tokens served from the teachers' prefix caches.")
                         .Register(*registry_)
                         .Add({})),
      retries_(BuildCounter()
                   .Name("codi_teacher_retries_total")
                   .Help("Teacher attempts retried, by the outcome that caused the retry.")
                   .Register(*registry_)),
      regenerations_(
          BuildCounter()
              .Name("codi_turn_regenerations_total")
              .Help("Teacher replies rejected by validation and asked for again, by reason.")
              .Register(*registry_)),
      in_flight_(BuildGauge()
                     .Name("codi_worker_in_flight_conversations")
                     .Help("Conversations this worker is executing.")
                     .Register(*registry_)
                     .Add({})),
      turns_(BuildCounter()
                 .Name("codi_worker_turns_total")
                 .Help("Turns this worker produced and had checkpointed.")
                 .Register(*registry_)
                 .Add({})),
      conversations_(
          BuildCounter()
              .Name("codi_worker_conversations_total")
              .Help("Conversations this worker ended, by outcome (done, failed, lost, released).")
              .Register(*registry_)),
      limit_(BuildGauge()
                 .Name("codi_teacher_concurrency_limit")
                 .Help("Current concurrency limit per teacher replica (adaptive or fixed).")
                 .Register(*registry_)),
      unloaded_(BuildGauge()
                    .Name("codi_teacher_unloaded_latency_seconds")
                    .Help("Smallest recent round trip per replica: its latency without queueing.")
                    .Register(*registry_)),
      queue_(BuildGauge()
                 .Name("codi_teacher_queue_estimate")
                 .Help("Requests estimated to wait in the replica's queue rather than run "
                       "(in_flight * (1 - unloaded / mean round trip)).")
                 .Register(*registry_)),
      teacher_in_flight_(BuildGauge()
                             .Name("codi_teacher_in_flight_requests")
                             .Help("Teacher requests holding a limiter slot, per replica.")
                             .Register(*registry_)),
      waiting_(BuildGauge()
                   .Name("codi_teacher_waiting_requests")
                   .Help("Teacher requests waiting for a limiter slot, per replica.")
                   .Register(*registry_)),
      recent_rtt_(BuildGauge()
                      .Name("codi_teacher_recent_round_trip_seconds")
                      .Help("Mean round trip of the limiter's last window, per replica.")
                      .Register(*registry_)) {}

void WorkerMetrics::LimiterStates(const std::vector<LimiterState>& states) {
  for (const LimiterState& s : states) {
    const prometheus::Labels labels = {{"endpoint", s.endpoint}};
    limit_.Add(labels).Set(s.limit);
    unloaded_.Add(labels).Set(absl::ToDoubleSeconds(s.unloaded));
    queue_.Add(labels).Set(s.queue);
    teacher_in_flight_.Add(labels).Set(s.in_flight);
    waiting_.Add(labels).Set(s.waiting);
    recent_rtt_.Add(labels).Set(absl::ToDoubleSeconds(s.recent_rtt));
  }
}

void WorkerMetrics::TeacherAttempt(const std::string& endpoint, AttemptOutcome outcome,
                                   absl::Duration elapsed, bool will_retry) {
  const std::string name(AttemptOutcomeName(outcome));
  requests_.Add({{"endpoint", endpoint}, {"outcome", name}}).Increment();
  request_seconds_.Add({{"endpoint", endpoint}}, SecondsBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
  if (will_retry) retries_.Add({{"reason", name}}).Increment();
}

void WorkerMetrics::TurnFinished(absl::Duration elapsed, const codi::v1::Usage& usage) {
  turn_seconds_.Observe(absl::ToDoubleSeconds(elapsed));
  turns_.Increment();
  prompt_tokens_.Increment(static_cast<double>(usage.prompt_tokens()));
  completion_tokens_.Increment(static_cast<double>(usage.completion_tokens()));
  cached_tokens_.Increment(static_cast<double>(usage.cached_tokens()));
}

void WorkerMetrics::TurnRegenerated(const std::string& reason) {
  regenerations_.Add({{"reason", reason}}).Increment();
}

void WorkerMetrics::ConversationEnded(const std::string& outcome) {
  conversations_.Add({{"outcome", outcome}}).Increment();
}

void WorkerMetrics::InFlightChanged(int delta) { in_flight_.Increment(delta); }

}  // namespace codi
