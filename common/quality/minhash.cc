#include "common/quality/minhash.h"

#include <cmath>
#include <limits>
#include <vector>

#include "common/base/stable_hash.h"
#include "common/quality/text_tokens.h"

namespace codi {
namespace {

// The hash functions: x -> Mix64(x ^ seed_i), seeds fixed forever so that
// signatures compare across processes and versions.
struct Seeds {
  std::array<uint64_t, kMinHashes> values;
  Seeds() {
    uint64_t state = 0xd1b54a32d192ed03ULL;
    for (auto& v : values) v = state = Mix64(state);
  }
};

const Seeds& HashSeeds() {
  static const Seeds* seeds = new Seeds();
  return *seeds;
}

}  // namespace

MinHashSignature ComputeMinHash(std::string_view text) {
  const std::vector<std::string> words = NormalizedWords(text);
  std::vector<uint64_t> word_hashes;
  word_hashes.reserve(words.size());
  for (const auto& w : words) word_hashes.push_back(WordHash(w));
  std::vector<uint64_t> shingles;
  const size_t n = word_hashes.size();
  const size_t k = std::min<size_t>(kShingleWords, n);
  for (size_t i = 0; k > 0 && i + k <= n; ++i) {
    uint64_t h = word_hashes[i];
    for (size_t j = 1; j < k; ++j) h = HashCombine(h, word_hashes[i + j]);
    shingles.push_back(h);
  }
  std::array<uint64_t, kMinHashes> minima;
  minima.fill(std::numeric_limits<uint64_t>::max());
  const auto& seeds = HashSeeds().values;
  for (uint64_t s : shingles) {
    for (int i = 0; i < kMinHashes; ++i) minima[i] = std::min(minima[i], Mix64(s ^ seeds[i]));
  }
  MinHashSignature sig;
  for (int i = 0; i < kMinHashes; ++i) sig[i] = static_cast<uint16_t>(minima[i]);
  return sig;
}

double EstimateJaccard(const MinHashSignature& a, const MinHashSignature& b) {
  int same = 0;
  for (int i = 0; i < kMinHashes; ++i) same += a[i] == b[i] ? 1 : 0;
  return static_cast<double>(same) / kMinHashes;
}

double CandidateProbability(const LshBands& lsh, double j) {
  return 1.0 - std::pow(1.0 - std::pow(j, lsh.rows), lsh.bands);
}

LshBands BandsForThreshold(double threshold) {
  LshBands best{kMinHashes, 1};
  for (int rows = 1; rows <= kMinHashes; rows *= 2) {
    LshBands lsh{kMinHashes / rows, rows};
    if (CandidateProbability(lsh, threshold) >= 0.99) best = lsh;
  }
  return best;
}

}  // namespace codi
