#include "common/method/usage.h"

namespace codi {

void AddUsage(const codi::v1::Usage& delta, codi::v1::Usage* total) {
  total->set_calls(total->calls() + delta.calls());
  total->set_prompt_tokens(total->prompt_tokens() + delta.prompt_tokens());
  total->set_completion_tokens(total->completion_tokens() + delta.completion_tokens());
  total->set_cached_tokens(total->cached_tokens() + delta.cached_tokens());
  total->set_retries(total->retries() + delta.retries());
  total->set_regenerations(total->regenerations() + delta.regenerations());
  for (const auto& [reason, n] : delta.regeneration_reasons()) {
    (*total->mutable_regeneration_reasons())[reason] += n;
  }
}

}  // namespace codi
