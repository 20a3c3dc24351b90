#include "common/quality/deduplicator.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/base/stable_hash.h"
#include "common/quality/text_tokens.h"

namespace codi {
namespace {

constexpr size_t kInitialSlots = 1024;
// Kept texts one band value (an LSH bucket) holds at most. Templated text (a
// simulator's, a form letter's) shares band values by the hundred thousand;
// unbounded, every offer would compare against all of them (quadratic: a
// million such conversations took over ten minutes). A near-duplicate shares
// several bands with what it duplicates, and a full bucket already holds
// texts alike enough to share that band, so the cap costs little recall.
constexpr int kMaxBandBucket = 32;

}  // namespace

std::optional<DedupMode> ParseDedupMode(std::string_view name) {
  for (DedupMode mode : {DedupMode::kOff, DedupMode::kExact, DedupMode::kNear}) {
    if (name == DedupModeName(mode)) return mode;
  }
  return std::nullopt;
}

const char* DedupModeName(DedupMode mode) {
  switch (mode) {
    case DedupMode::kOff:
      return "off";
    case DedupMode::kExact:
      return "exact";
    case DedupMode::kNear:
      return "near";
  }
  return "exact";
}

absl::Status ValidateDedupOptions(const DedupOptions& options) {
  if (!(options.near_threshold > 0 && options.near_threshold <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "near-duplicate threshold must be above 0 and at most 1, got ", options.near_threshold));
  }
  return absl::OkStatus();
}

Deduplicator::Deduplicator(const DedupOptions& options)
    : options_(options), lsh_(BandsForThreshold(options.near_threshold)) {
  exact_table_.slots.assign(kInitialSlots, 0);
  if (options_.mode == DedupMode::kNear) {
    band_tables_.resize(lsh_.bands);
    for (auto& t : band_tables_) t.slots.assign(kInitialSlots, 0);
  }
}

std::string_view Deduplicator::KeyOf(uint32_t index) const {
  const uint64_t begin = index == 0 ? 0 : key_ends_[index - 1];
  return std::string_view(keys_).substr(begin, key_ends_[index] - begin);
}

uint64_t Deduplicator::BandHash(const uint16_t* sig, int band) const {
  std::string_view bytes(reinterpret_cast<const char*>(sig + band * lsh_.rows),
                         sizeof(uint16_t) * lsh_.rows);
  return StableHash(bytes, /*seed=*/static_cast<uint64_t>(band));
}

template <typename HashOf>
void Deduplicator::Insert(Table* table, uint32_t index, uint64_t hash, const HashOf& hash_of) {
  if ((table->used + 1) * 10 > table->slots.size() * 7) {
    std::vector<uint32_t> old(table->slots.size() * 2, 0);
    old.swap(table->slots);
    const size_t mask = table->slots.size() - 1;
    for (uint32_t entry : old) {
      if (entry == 0) continue;
      size_t pos = hash_of(entry - 1) & mask;
      while (table->slots[pos] != 0) pos = (pos + 1) & mask;
      table->slots[pos] = entry;
    }
  }
  const size_t mask = table->slots.size() - 1;
  size_t pos = hash & mask;
  while (table->slots[pos] != 0) pos = (pos + 1) & mask;
  table->slots[pos] = index + 1;
  ++table->used;
}

DedupVerdict Deduplicator::Offer(std::string_view key, std::string_view text) {
  ++offered_;
  DedupVerdict verdict;
  if (options_.mode == DedupMode::kOff) return verdict;
  const uint64_t hash = StableHash(NormalizeText(text), /*seed=*/0xdedc);
  {
    const size_t mask = exact_table_.slots.size() - 1;
    for (size_t pos = hash & mask; exact_table_.slots[pos] != 0; pos = (pos + 1) & mask) {
      const uint32_t index = exact_table_.slots[pos] - 1;
      if (kept_hashes_[index] == hash) {
        ++exact_;
        return {false, "exact", std::string(KeyOf(index)), 1.0};
      }
    }
  }
  MinHashSignature sig{};
  if (options_.mode == DedupMode::kNear) {
    sig = ComputeMinHash(text);
    // The most similar kept text among the candidates of every band.
    double best = -1;
    uint32_t best_index = 0;
    full_bands_.assign(lsh_.bands, false);
    for (int band = 0; band < lsh_.bands; ++band) {
      int in_bucket = 0;
      const Table& table = band_tables_[band];
      const size_t mask = table.slots.size() - 1;
      const uint16_t* rows = sig.data() + band * lsh_.rows;
      for (size_t pos = BandHash(sig.data(), band) & mask; table.slots[pos] != 0;
           pos = (pos + 1) & mask) {
        const uint32_t index = table.slots[pos] - 1;
        const uint16_t* other = SignatureOf(index);
        if (std::memcmp(other + band * lsh_.rows, rows, sizeof(uint16_t) * lsh_.rows) != 0) {
          continue;
        }
        if (++in_bucket >= kMaxBandBucket) full_bands_[band] = true;
        MinHashSignature kept;
        std::memcpy(kept.data(), other, sizeof(kept));
        const double similarity = EstimateJaccard(sig, kept);
        if (similarity > best) {
          best = similarity;
          best_index = index;
        }
      }
    }
    if (best >= options_.near_threshold) {
      ++near_;
      return {false, "near", std::string(KeyOf(best_index)), best};
    }
  }
  // Kept: remember it.
  const auto index = static_cast<uint32_t>(kept_hashes_.size());
  kept_hashes_.push_back(hash);
  keys_.append(key);
  key_ends_.push_back(keys_.size());
  Insert(&exact_table_, index, hash, [&](uint32_t i) { return kept_hashes_[i]; });
  if (options_.mode == DedupMode::kNear) {
    signatures_.insert(signatures_.end(), sig.begin(), sig.end());
    for (int band = 0; band < lsh_.bands; ++band) {
      if (full_bands_[band]) continue;
      Insert(&band_tables_[band], index, BandHash(sig.data(), band),
             [&](uint32_t i) { return BandHash(SignatureOf(i), band); });
    }
  }
  return verdict;
}

uint64_t Deduplicator::MemoryBytes() const {
  uint64_t bytes = kept_hashes_.capacity() * sizeof(uint64_t) + keys_.capacity() +
                   key_ends_.capacity() * sizeof(uint64_t) +
                   signatures_.capacity() * sizeof(uint16_t) +
                   exact_table_.slots.capacity() * sizeof(uint32_t);
  for (const auto& t : band_tables_) bytes += t.slots.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace codi
