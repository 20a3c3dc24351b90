#include "tools/teacher_sim/sim_metrics.h"

#include "common/base/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace codi {

struct SimMetrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("codi_sim_requests_total")
          .Help("Chat-completion requests by outcome (ok, a fault, or a client error).")
          .Register(*registry);
  prometheus::Counter& prompt_tokens = prometheus::BuildCounter()
                                           .Name("codi_sim_prompt_tokens_total")
                                           .Help("Prompt tokens of answered requests.")
                                           .Register(*registry)
                                           .Add({});
  prometheus::Counter& completion_tokens = prometheus::BuildCounter()
                                               .Name("codi_sim_completion_tokens_total")
                                               .Help("Completion tokens of answered requests.")
                                               .Register(*registry)
                                               .Add({});
  prometheus::Counter& cached_tokens =
      prometheus::BuildCounter()
          .Name("codi_sim_cached_tokens_total")
          .Help("Prompt tokens served from the simulated prefix cache.")
          .Register(*registry)
          .Add({});
  prometheus::Gauge& running = prometheus::BuildGauge()
                                   .Name("codi_sim_running_requests")
                                   .Help("Requests being generated now (at most --max-batch).")
                                   .Register(*registry)
                                   .Add({});
  prometheus::Gauge& waiting = prometheus::BuildGauge()
                                   .Name("codi_sim_waiting_requests")
                                   .Help("Requests queued for a batch slot.")
                                   .Register(*registry)
                                   .Add({});
  prometheus::Gauge& max_batch = prometheus::BuildGauge()
                                     .Name("codi_sim_max_batch")
                                     .Help("Batch slots (--max-batch).")
                                     .Register(*registry)
                                     .Add({});
  prometheus::Counter& busy_slot_seconds =
      prometheus::BuildCounter()
          .Name("codi_sim_busy_slot_seconds_total")
          .Help(
              "Batch-slot seconds used: utilisation over a window is "
              "rate(codi_sim_busy_slot_seconds_total) / codi_sim_max_batch.")
          .Register(*registry)
          .Add({});
  Mutex busy_mu;  // one SetBatch at a time: the counter moves by the delta
};

SimMetrics::SimMetrics() : state_(std::make_unique<State>()) {
  // The common outcomes are listed from the start, so dashboards see zeros.
  for (const char* outcome : {"ok", "500", "503", "429", "hang", "malformed", "truncated"}) {
    state_->requests.Add({{"outcome", outcome}});
  }
}

SimMetrics::~SimMetrics() = default;

void SimMetrics::CountRequest(absl::string_view outcome) {
  state_->requests.Add({{"outcome", std::string(outcome)}}).Increment();
}

void SimMetrics::AddTokens(uint64_t prompt, uint64_t completion, uint64_t cached) {
  state_->prompt_tokens.Increment(static_cast<double>(prompt));
  state_->completion_tokens.Increment(static_cast<double>(completion));
  state_->cached_tokens.Increment(static_cast<double>(cached));
}

void SimMetrics::SetQueue(int64_t running, int64_t waiting) {
  state_->running.Set(static_cast<double>(running));
  state_->waiting.Set(static_cast<double>(waiting));
}

void SimMetrics::SetBatch(int64_t max_batch, double busy_slot_seconds) {
  state_->max_batch.Set(static_cast<double>(max_batch));
  MutexLock lock(&state_->busy_mu);
  const double delta = busy_slot_seconds - state_->busy_slot_seconds.Value();
  if (delta > 0) state_->busy_slot_seconds.Increment(delta);
}

std::string SimMetrics::Render() const {
  return prometheus::TextSerializer().Serialize(state_->registry->Collect());
}

}  // namespace codi
