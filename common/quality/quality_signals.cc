#include "common/quality/quality_signals.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/base/stable_hash.h"
#include "common/quality/text_tokens.h"

namespace codi {
namespace {

double Round4(double x) { return std::round(x * 10000) / 10000; }
double Ratio(double a, double b) { return b > 0 ? Round4(a / b) : 0.0; }

using WordSet = absl::flat_hash_set<uint64_t>;

WordSet WordSetOf(const std::vector<std::string>& words) {
  WordSet set;
  for (const auto& w : words) set.insert(WordHash(w));
  return set;
}

double SetJaccard(const WordSet& a, const WordSet& b) {
  if (a.empty() && b.empty()) return 1.0;
  size_t common = 0;
  for (uint64_t h : a) common += b.contains(h) ? 1 : 0;
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

// The smallest length L with at least ceil(q * total) turns of length <= L.
uint64_t Percentile(const std::vector<uint64_t>& counts, uint64_t total, uint64_t max, double q) {
  const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
  uint64_t seen = 0;
  for (size_t len = 0; len < counts.size(); ++len) {
    seen += counts[len];
    if (seen >= std::max<uint64_t>(rank, 1)) return len <= kMaxExactLength ? len : max;
  }
  return max;
}

// Histogram bucket upper bounds (exclusive) in bytes; the last bucket is open.
constexpr uint32_t kBucketEdges[] = {32, 64, 128, 256, 512, 1024, 2048, 4096, 8192};

}  // namespace

std::string ConversationDedupText(const codi::v1::Conversation& c) {
  std::string text;
  for (const auto& t : c.turns()) {
    if (t.link().empty()) continue;  // the CONTEXT turn
    absl::StrAppend(&text, t.role(), ": ", t.text(), "\n");
  }
  return text;
}

std::string ConversationKey(const codi::v1::Conversation& c) {
  return absl::StrCat(c.doc_id(), "#", c.sample());
}

QualitySignals::QualitySignals(double near_threshold)
    : near_threshold_(near_threshold), dedup_(DedupOptions{DedupMode::kNear, near_threshold}) {}

void QualitySignals::Add(const codi::v1::Conversation& c) {
  ++conversations_;
  dedup_.Offer("", ConversationDedupText(c));
  // The document's words (the CONTEXT turns), reused while the document is
  // the same one.
  std::string document_text;
  for (const auto& t : c.turns()) {
    if (t.link().empty()) absl::StrAppend(&document_text, t.text(), "\n");
  }
  if (document_text != last_document_ || conversations_ == 1) {
    last_document_words_.clear();
    for (const auto& t : c.turns()) {
      if (!t.link().empty()) continue;
      for (const auto& w : NormalizedWords(t.text())) last_document_words_.insert(WordHash(w));
    }
    last_document_ = std::move(document_text);
  }
  const WordSet& document = last_document_words_;
  // Earlier turns of each role in this conversation, as word sets.
  std::map<std::string, std::vector<WordSet>> earlier;
  uint32_t index = 0;
  for (const auto& t : c.turns()) {
    if (t.link().empty()) continue;
    RoleStats& role = roles_[t.role()];
    ++role.turns;
    const std::vector<std::string> words = NormalizedWords(t.text());

    uint64_t content = 0, found = 0;
    for (const auto& w : words) {
      if (IsStopword(w)) continue;
      ++content;
      found += document.contains(WordHash(w)) ? 1 : 0;
    }
    if (content > 0) {
      const double coverage = static_cast<double>(found) / static_cast<double>(content);
      ++role.scored;
      role.coverage_sum += coverage;
      role.grounded += coverage >= kGroundedCoverage ? 1 : 0;
    }

    WordSet set = WordSetOf(words);
    auto& previous = earlier[t.role()];
    for (const auto& p : previous) {
      if (SetJaccard(set, p) >= kRepeatSimilarity) {
        ++role.repeats;
        break;
      }
    }
    previous.push_back(std::move(set));

    std::string normalised = NormalizeText(t.text());
    if (!role.texts.insert(StableHash(normalised, /*seed=*/0x7e47)).second) {
      ++role.exact_duplicates;
    }

    // Distinct-n over the tokens the job-wide distinct_n uses (lower case,
    // split at whitespace), so the per-role figures compare with it.
    std::vector<std::string> tokens = absl::StrSplit(absl::AsciiStrToLower(t.text()),
                                                     absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
    for (size_t i = 0; i < tokens.size(); ++i) {
      const uint64_t h1 = StableHash(tokens[i]);
      role.grams[0].insert(h1);
      ++role.gram_total[0];
      if (i + 1 < tokens.size()) {
        role.grams[1].insert(HashCombine(h1, StableHash(tokens[i + 1])));
        ++role.gram_total[1];
      }
    }

    LinkLengths& lengths = links_[t.link()];
    const uint64_t len = t.text().size();
    ++lengths.counts[std::min<uint64_t>(len, kMaxExactLength + 1)];
    ++lengths.total;
    lengths.sum += len;
    lengths.max = std::max(lengths.max, len);

    if (cache_.size() <= index) cache_.resize(index + 1);
    CacheAtIndex& cache = cache_[index];
    ++cache.turns;
    if (t.has_usage() && t.usage().prompt_tokens() > 0) {
      ++cache.turns_with_usage;
      cache.prompt_tokens += t.usage().prompt_tokens();
      cache.cached_tokens += t.usage().cached_tokens();
    }
    ++index;
  }
}

nlohmann::ordered_json QualitySignals::ToJson() const {
  nlohmann::ordered_json q;
  q["definitions"] = {{"grounded_coverage", kGroundedCoverage},
                      {"repeat_similarity", kRepeatSimilarity},
                      {"near_duplicate_threshold", near_threshold_},
                      {"shingle_words", kShingleWords},
                      {"minhashes", kMinHashes},
                      {"lsh_bands", dedup_.bands().bands},
                      {"lsh_rows", dedup_.bands().rows}};
  nlohmann::ordered_json grounding = nlohmann::json::object();
  nlohmann::ordered_json repetition = nlohmann::json::object();
  nlohmann::ordered_json distinct = nlohmann::json::object();
  nlohmann::ordered_json turn_dups = nlohmann::json::object();
  for (const auto& [name, r] : roles_) {
    grounding[name] = {{"turns", r.turns},
                       {"scored_turns", r.scored},
                       {"mean_token_coverage", Ratio(r.coverage_sum, r.scored)},
                       {"grounded_turns", r.grounded},
                       {"grounded_share", Ratio(r.grounded, r.scored)}};
    repetition[name] = {
        {"turns", r.turns}, {"repeats", r.repeats}, {"repeat_share", Ratio(r.repeats, r.turns)}};
    distinct[name] = {{"distinct_1", Ratio(r.grams[0].size(), r.gram_total[0])},
                      {"distinct_2", Ratio(r.grams[1].size(), r.gram_total[1])}};
    turn_dups[name] = {{"turns", r.turns},
                       {"exact_duplicates", r.exact_duplicates},
                       {"exact_duplicate_rate", Ratio(r.exact_duplicates, r.turns)}};
  }
  q["grounding"] = grounding;
  q["repetition"] = repetition;

  nlohmann::ordered_json lengths = nlohmann::json::object();
  for (const auto& [link, l] : links_) {
    nlohmann::ordered_json histogram = nlohmann::json::array();
    uint32_t low = 0;
    size_t len = 0;
    for (uint32_t edge : kBucketEdges) {
      uint64_t n = 0;
      for (; len < edge; ++len) n += l.counts[len];
      histogram.push_back({{"min_chars", low}, {"max_chars", edge - 1}, {"count", n}});
      low = edge;
    }
    uint64_t rest = 0;
    for (; len < l.counts.size(); ++len) rest += l.counts[len];
    histogram.push_back({{"min_chars", low}, {"max_chars", nullptr}, {"count", rest}});
    lengths[link] = {
        {"count", l.total},
        {"mean_chars",
         l.total > 0 ? std::round(static_cast<double>(l.sum) / l.total * 10) / 10 : 0.0},
        {"p10_chars", Percentile(l.counts, l.total, l.max, 0.10)},
        {"p25_chars", Percentile(l.counts, l.total, l.max, 0.25)},
        {"p50_chars", Percentile(l.counts, l.total, l.max, 0.50)},
        {"p75_chars", Percentile(l.counts, l.total, l.max, 0.75)},
        {"p90_chars", Percentile(l.counts, l.total, l.max, 0.90)},
        {"max_chars", l.max},
        {"histogram", histogram}};
  }
  q["lengths_by_link"] = lengths;
  q["distinct_n_by_role"] = distinct;

  q["duplicates"] = {{"conversations",
                      {{"conversations", conversations_},
                       {"exact_duplicates", dedup_.exact_duplicates()},
                       {"near_duplicates", dedup_.near_duplicates()},
                       {"exact_duplicate_rate", Ratio(dedup_.exact_duplicates(), conversations_)},
                       {"near_duplicate_rate", Ratio(dedup_.near_duplicates(), conversations_)}}},
                     {"turns_by_role", turn_dups}};

  nlohmann::ordered_json cache = nlohmann::json::array();
  for (size_t i = 0; i < cache_.size(); ++i) {
    const CacheAtIndex& c = cache_[i];
    cache.push_back({{"turn_index", i},
                     {"turns", c.turns},
                     {"turns_with_usage", c.turns_with_usage},
                     {"prompt_tokens", c.prompt_tokens},
                     {"cached_tokens", c.cached_tokens},
                     {"cached_ratio", Ratio(c.cached_tokens, c.prompt_tokens)}});
  }
  q["prefix_cache_by_turn"] = cache;
  return q;
}

std::string FormatQualitySignals(const nlohmann::ordered_json& q) {
  std::ostringstream out;
  if (!q.is_object()) return "";
  auto num = [](const nlohmann::ordered_json& j, const char* key) {
    return j.contains(key) ? j[key].dump() : std::string("n/a");
  };
  if (q.contains("grounding")) {
    for (const auto& [role, g] : q["grounding"].items()) {
      out << "  grounding " << role << ": " << num(g, "grounded_share") << " of "
          << num(g, "scored_turns")
          << " turns with >= " << static_cast<int>(kGroundedCoverage * 100)
          << "% of content tokens in the document, mean coverage " << num(g, "mean_token_coverage")
          << "\n";
    }
  }
  if (q.contains("repetition")) {
    for (const auto& [role, r] : q["repetition"].items()) {
      out << "  repetition " << role << ": " << num(r, "repeats") << " of " << num(r, "turns")
          << " turns near-repeat an earlier one in their conversation (" << num(r, "repeat_share")
          << ")\n";
    }
  }
  if (q.contains("lengths_by_link")) {
    for (const auto& [link, l] : q["lengths_by_link"].items()) {
      out << absl::StrFormat("  length %-16s", link) << " n " << num(l, "count") << ", p10 "
          << num(l, "p10_chars") << ", p50 " << num(l, "p50_chars") << ", p90 "
          << num(l, "p90_chars") << ", max " << num(l, "max_chars") << " chars\n";
    }
  }
  if (q.contains("distinct_n_by_role")) {
    for (const auto& [role, d] : q["distinct_n_by_role"].items()) {
      out << "  distinct-1/2 " << role << ": " << num(d, "distinct_1") << " / "
          << num(d, "distinct_2") << "\n";
    }
  }
  if (q.contains("duplicates") && q["duplicates"].contains("conversations")) {
    const auto& d = q["duplicates"]["conversations"];
    out << "  duplicate conversations: " << num(d, "exact_duplicates") << " exact, "
        << num(d, "near_duplicates") << " near of " << num(d, "conversations") << " (rates "
        << num(d, "exact_duplicate_rate") << ", " << num(d, "near_duplicate_rate") << ")\n";
    for (const auto& [role, t] : q["duplicates"]["turns_by_role"].items()) {
      out << "  duplicate " << role << " turns: " << num(t, "exact_duplicates") << " of "
          << num(t, "turns") << "\n";
    }
  }
  if (q.contains("prefix_cache_by_turn") && !q["prefix_cache_by_turn"].empty()) {
    out << "  prefix-cache ratio by turn:";
    for (const auto& c : q["prefix_cache_by_turn"]) out << " " << num(c, "cached_ratio");
    out << "\n";
  }
  return out.str();
}

}  // namespace codi
