#include "coordinator/progress_rates.h"

#include <algorithm>

namespace codi {

void ProgressRates::Update(codi::v1::JobStatus* s) {
  const absl::Time now = clock_->Now();
  const uint64_t ended = s->conversations_done() + s->conversations_failed();
  if (previous_.has_value()) {
    const double dt = std::max(absl::ToDoubleSeconds(now - previous_time_), 1e-3);
    constexpr double kAlpha = 0.3;
    auto smooth = [&](double& rate, double delta) {
      rate = rate == 0 ? delta / dt : kAlpha * (delta / dt) + (1 - kAlpha) * rate;
    };
    const codi::v1::JobStatus& p = *previous_;
    smooth(conversations_,
           static_cast<double>(ended) -
               static_cast<double>(p.conversations_done() + p.conversations_failed()));
    smooth(turns_, static_cast<double>(s->turns()) - static_cast<double>(p.turns()));
    smooth(tokens_, static_cast<double>(s->usage().completion_tokens()) -
                        static_cast<double>(p.usage().completion_tokens()));
  }
  s->set_conversations_per_second(conversations_);
  s->set_turns_per_second(turns_);
  s->set_tokens_per_second(tokens_);
  const double remaining =
      static_cast<double>(s->conversations_estimated_total()) - static_cast<double>(ended);
  s->set_eta_seconds(conversations_ > 0 && remaining > 0 ? remaining / conversations_ : 0);
  previous_ = *s;
  previous_time_ = now;
}

}  // namespace codi
