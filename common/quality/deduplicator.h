// Streaming dedup of texts offered in a fixed order: the first of a group of
// duplicates is kept, each later one is reported as a duplicate of a kept one.
//
//   exact: equal after NormalizeText (a 64-bit StableHash of it; a false
//          match needs a 64-bit collision, about 1 in 10^7 at 10^6 texts
//          squared over 2^64).
//   near:  exact first, then MinHash/LSH (minhash.h): a candidate sharing a
//          band with a kept text whose estimated Jaccard similarity of word
//          3-shingles reaches the threshold.
//
// Memory: only kept texts are remembered, each with its key, a 64-bit hash,
// and in near mode its 128-byte signature and one 4-byte slot per LSH band
// (16 bands at the default 0.8). Tables are open-addressed arrays of 4-byte
// indices, at most 70% full and at least 35% after growing, so a kept text
// costs at most 8 + 8 + 4/0.35 bytes + its key in exact mode, and 128 +
// bands x 4/0.35 more in near mode: about 340 bytes + its key at the
// default threshold. Nothing depends on the texts' lengths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/quality/minhash.h"

namespace codi {

enum class DedupMode { kOff, kExact, kNear };

// "off", "exact" or "near"; nullopt otherwise.
std::optional<DedupMode> ParseDedupMode(std::string_view name);
const char* DedupModeName(DedupMode mode);

inline constexpr double kDefaultNearThreshold = 0.8;

struct DedupOptions {
  DedupMode mode = DedupMode::kExact;
  // Estimated Jaccard similarity at or above which a text is a near duplicate.
  double near_threshold = kDefaultNearThreshold;
};

// InvalidArgument unless 0 < near_threshold <= 1.
[[nodiscard]] absl::Status ValidateDedupOptions(const DedupOptions& options);

struct DedupVerdict {
  // True when the text is kept (the first of its kind, or dedup is off).
  bool kept = true;
  // "exact" or "near" when dropped.
  std::string reason;
  // The key of the kept text it duplicates.
  std::string duplicate_of;
  // Estimated Jaccard similarity to it (1 for exact duplicates).
  double similarity = 0;
};

class Deduplicator {
 public:
  // `options` must be valid (ValidateDedupOptions).
  explicit Deduplicator(const DedupOptions& options);

  // Checks `text` against the kept texts and keeps it under `key` unless it
  // duplicates one. `key` names the text in later verdicts.
  DedupVerdict Offer(std::string_view key, std::string_view text);

  uint64_t offered() const { return offered_; }
  uint64_t kept() const { return kept_hashes_.size(); }
  uint64_t exact_duplicates() const { return exact_; }
  uint64_t near_duplicates() const { return near_; }
  const LshBands& bands() const { return lsh_; }
  // Bytes held by the tables and arrays (capacity, not size): the figure the
  // memory bound above is about.
  uint64_t MemoryBytes() const;

 private:
  // Open-addressed table of kept indices + 1 (0 = empty slot), linear
  // probing; the keys live in the arrays the indices point into.
  struct Table {
    std::vector<uint32_t> slots;
    uint64_t used = 0;
  };
  std::string_view KeyOf(uint32_t index) const;
  uint64_t BandHash(const uint16_t* sig, int band) const;
  const uint16_t* SignatureOf(uint32_t index) const {
    return signatures_.data() + static_cast<size_t>(index) * kMinHashes;
  }
  // Inserts `index` whose hash is `hash`, growing (rehashing with `hash_of`)
  // past 70% full.
  template <typename HashOf>
  void Insert(Table* table, uint32_t index, uint64_t hash, const HashOf& hash_of);

  DedupOptions options_;
  LshBands lsh_;
  uint64_t offered_ = 0, exact_ = 0, near_ = 0;
  std::vector<uint64_t> kept_hashes_;  // normalised-text hash per kept index
  std::string keys_;                   // kept keys, back to back
  std::vector<uint64_t> key_ends_;     // end offset of each kept key in keys_
  std::vector<uint16_t> signatures_;   // near mode: kMinHashes per kept index
  Table exact_table_;
  std::vector<Table> band_tables_;  // near mode: one per band
  std::vector<bool> full_bands_;    // Offer's scratch: bands whose bucket is full
};

}  // namespace codi
