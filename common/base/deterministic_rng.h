// Keyed, platform-independent randomness. Every random choice of a job (graph
// rollout, seed items, phenomena, sampling seeds) draws from a stream keyed by
// (job seed, document id, sample index, purpose), so a resumed or re-run job
// makes the same choices on any worker, thread or process.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/base/stable_hash.h"

namespace codi {

// SplitMix64: Next() adds the gamma to the state and finalizes it.
class DeterministicRng {
 public:
  explicit DeterministicRng(uint64_t state) : state_(state) {}

  // The stream for one (seed, document, sample, purpose) key.
  static DeterministicRng ForKey(uint64_t seed, std::string_view doc_id, uint32_t sample,
                                 std::string_view purpose);

  uint64_t Next();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform in [0, n); n > 0. Unbiased (rejection sampling).
  uint64_t Below(uint64_t n);
  // Index drawn with probability weights[i] / sum; the sum must be positive.
  size_t PickWeighted(const std::vector<double>& weights);

 private:
  uint64_t state_;
};

}  // namespace codi
