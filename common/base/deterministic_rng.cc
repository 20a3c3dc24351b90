#include "common/base/deterministic_rng.h"

#include <string>

#include "common/base/check.h"

namespace codi {

DeterministicRng DeterministicRng::ForKey(uint64_t seed, std::string_view doc_id, uint32_t sample,
                                          std::string_view purpose) {
  // Length-prefix each part so ("ab", "c") and ("a", "bc") differ.
  std::string key;
  key.reserve(doc_id.size() + purpose.size() + 24);
  key.append(std::to_string(doc_id.size())).push_back(':');
  key.append(doc_id);
  key.append(std::to_string(sample)).push_back(':');
  key.append(purpose);
  return DeterministicRng(StableHash(key, seed));
}

uint64_t DeterministicRng::Next() {
  state_ += kSplitMix64Gamma;
  return SplitMix64Finalize(state_);
}

double DeterministicRng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t DeterministicRng::Below(uint64_t n) {
  CODI_CHECK(n > 0, "Below(0)");
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return x % n;
}

size_t DeterministicRng::PickWeighted(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  CODI_CHECK(total > 0, "PickWeighted needs a positive total weight");
  double r = Uniform() * total;
  size_t last_positive = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0) continue;
    last_positive = i;
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  return last_positive;  // rounding left r just past the end
}

}  // namespace codi
