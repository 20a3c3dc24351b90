// Quality signals of a job's conversations, accumulated in one pass (the
// report's "quality" section; docs/data.md defines each figure):
//
//   grounding          per role: the share of content tokens of each turn
//                      found in the document (the CONTEXT turn), its mean,
//                      and the share of turns with at least kGroundedCoverage.
//   repetition         per role: the share of turns that near-repeat an
//                      earlier turn of the same role in the same conversation.
//   lengths_by_link    per link: turn length percentiles and a histogram.
//   distinct_n         per role: distinct-1 and distinct-2.
//   duplicates         conversations (exact and near, Deduplicator) and turns
//                      (exact, per role) duplicated across the job.
//   prefix_cache       per generated-turn index: cached / prompt tokens.
//
// Memory: the duplicate tables (deduplicator.h, about 340 bytes per distinct
// conversation), 8-byte hashes of the distinct turn texts and n-grams, and a
// fixed 64 KiB length histogram per link; nothing holds texts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "codi/v1/conversation.pb.h"
#include "common/quality/deduplicator.h"
#include "nlohmann/json.hpp"

namespace codi {

// A turn is grounded when at least this share of its content tokens occurs
// in the document.
inline constexpr double kGroundedCoverage = 0.8;
// A turn near-repeats an earlier one when the Jaccard similarity of their
// normalised word sets reaches this.
inline constexpr double kRepeatSimilarity = 0.8;
// Length histogram: exact counts up to this many bytes, one bucket above.
inline constexpr uint32_t kMaxExactLength = 8192;

// The text a conversation is deduplicated on: its generated turns as
// "ROLE: text" lines. The CONTEXT turn (the document) is left out, so two
// conversations about one document are not duplicates for sharing it.
std::string ConversationDedupText(const codi::v1::Conversation& c);

// "doc_id#sample", the key dedup verdicts name conversations by.
std::string ConversationKey(const codi::v1::Conversation& c);

class QualitySignals {
 public:
  // `near_threshold`: the similarity at which conversations count as near
  // duplicates (valid, see ValidateDedupOptions).
  explicit QualitySignals(double near_threshold = kDefaultNearThreshold);

  void Add(const codi::v1::Conversation& c);

  nlohmann::ordered_json ToJson() const;

 private:
  struct RoleStats {
    uint64_t turns = 0;
    // Grounding: turns with content tokens, their coverage sum, grounded ones.
    uint64_t scored = 0, grounded = 0;
    double coverage_sum = 0;
    uint64_t repeats = 0;
    uint64_t exact_duplicates = 0;
    absl::flat_hash_set<uint64_t> texts;  // normalised turn text hashes
    absl::flat_hash_set<uint64_t> grams[2];
    uint64_t gram_total[2] = {0, 0};
  };
  struct LinkLengths {
    std::vector<uint64_t> counts = std::vector<uint64_t>(kMaxExactLength + 2, 0);
    uint64_t total = 0;
    uint64_t sum = 0;
    uint64_t max = 0;
  };
  struct CacheAtIndex {
    uint64_t turns = 0, turns_with_usage = 0, prompt_tokens = 0, cached_tokens = 0;
  };

  double near_threshold_;
  Deduplicator dedup_;
  uint64_t conversations_ = 0;
  std::map<std::string, RoleStats> roles_;
  std::map<std::string, LinkLengths> links_;
  std::vector<CacheAtIndex> cache_;
  // The word hashes of the last document seen: a job's conversations come in
  // key order, so the samples of one document arrive together and its words
  // are hashed once rather than once per sample.
  std::string last_document_;
  absl::flat_hash_set<uint64_t> last_document_words_;
};

// The quality section of a report (QualitySignals::ToJson's JSON) as a few
// lines for people, each starting with two spaces.
std::string FormatQualitySignals(const nlohmann::ordered_json& quality);

}  // namespace codi
