#include "coordinator/job_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/base/status_macros.h"
#include "common/method/graph_sampler.h"
#include "common/method/usage.h"
#include "common/quality/quality_signals.h"
#include "coordinator/job_status.h"

namespace codi {
namespace {

struct LengthStats {
  static constexpr uint32_t kMaxBuckets = 12;
  std::vector<uint32_t> chars;  // sorted by ToJson
  // Counts per bucket of equal width ("0-49": 12, "50-99": 30, ...), the width
  // 1, 2 or 5 times a power of ten so that at most kMaxBuckets cover the
  // longest turn; the HTML report draws it.
  static uint64_t BucketWidth(uint64_t max) {
    for (uint64_t power = 1;; power *= 10) {
      for (uint64_t step : {1, 2, 5}) {
        if (max / (step * power) < kMaxBuckets) return step * power;
      }
    }
  }
  nlohmann::ordered_json Histogram() const {
    const uint64_t width = BucketWidth(chars.back());
    std::vector<uint64_t> counts(chars.back() / width + 1, 0);
    for (uint32_t c : chars) ++counts[c / width];
    nlohmann::ordered_json h = nlohmann::ordered_json::object();
    for (size_t b = 0; b < counts.size(); ++b) {
      const uint64_t lo = b * width;
      h[absl::StrCat(lo, "-", lo + width - 1)] = counts[b];
    }
    return h;
  }
  nlohmann::ordered_json ToJson() {
    nlohmann::ordered_json j;
    j["count"] = chars.size();
    if (chars.empty()) return j;
    std::sort(chars.begin(), chars.end());
    double sum = 0;
    for (auto c : chars) sum += c;
    j["mean_chars"] = std::round(sum / chars.size() * 10) / 10;
    j["p50_chars"] = chars[chars.size() / 2];
    j["p90_chars"] = chars[std::min(chars.size() - 1, chars.size() * 9 / 10)];
    j["max_chars"] = chars.back();
    j["histogram_chars"] = Histogram();
    return j;
  }
};

// Distinct-n: distinct word n-grams over all n-grams of generated turns.
struct DistinctN {
  static constexpr int kMaxN = 3;
  absl::flat_hash_set<std::string> seen[kMaxN];
  uint64_t total[kMaxN] = {0, 0, 0};
  void Add(const std::string& text) {
    std::vector<std::string> words =
        absl::StrSplit(absl::AsciiStrToLower(text), absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
    for (int n = 1; n <= kMaxN; ++n) {
      for (size_t i = 0; i + n <= words.size(); ++i) {
        std::string gram = words[i];
        for (int k = 1; k < n; ++k) gram += " " + words[i + k];
        seen[n - 1].insert(std::move(gram));
        ++total[n - 1];
      }
    }
  }
};

double Ratio(double a, double b) { return b > 0 ? std::round(a / b * 10000) / 10000 : 0.0; }

}  // namespace

absl::StatusOr<nlohmann::ordered_json> BuildJobReport(const StateStore& store,
                                                      const std::string& job_id) {
  CODI_ASSIGN_OR_RETURN(auto job, store.GetJob(job_id));
  if (!job.has_value()) return absl::NotFoundError("unknown job " + job_id);
  const auto& spec = job->spec();
  CODI_ASSIGN_OR_RETURN(GraphSampler sampler, GraphSampler::Create(spec));

  uint64_t done = 0, failed = 0, in_progress = 0;
  std::map<std::string, uint64_t> failures;
  codi::v1::Usage usage;
  CODI_RETURN_IF_ERROR(store.ScanConversations(
      job_id, [&](const ConversationId&, const codi::v1::ConversationRecord& rec) {
        AddUsage(rec.usage(), &usage);
        if (rec.state() == codi::v1::CONVERSATION_STATE_DONE)
          ++done;
        else if (rec.state() == codi::v1::CONVERSATION_STATE_FAILED) {
          ++failed;
          ++failures[rec.failure_reason()];
        } else {
          ++in_progress;
        }
        return true;
      }));

  std::map<std::string, uint64_t> link_counts, phenomenon_counts;
  std::map<std::string, LengthStats> lengths;
  DistinctN distinct;
  QualitySignals quality;
  uint64_t turns = 0, results = 0;
  CODI_RETURN_IF_ERROR(store.ScanResults(job_id, [&](const codi::v1::Conversation& c) {
    ++results;
    quality.Add(c);
    for (const auto& t : c.turns()) {
      if (t.link().empty()) continue;  // the CONTEXT turn
      ++turns;
      ++link_counts[t.link()];
      for (const auto& p : t.phenomena()) ++phenomenon_counts[p];
      lengths[t.role()].chars.push_back(static_cast<uint32_t>(t.text().size()));
      distinct.Add(t.text());
    }
    return true;
  }));

  nlohmann::ordered_json skipped = nlohmann::json::array();
  CODI_RETURN_IF_ERROR(store.ScanSkipped(job_id, [&](const codi::v1::SkippedDocument& s) {
    if (skipped.size() < 100) skipped.push_back({{"line", s.line()}, {"reason", s.reason()}});
    return true;
  }));

  nlohmann::ordered_json r;
  r["job"] = job_id;
  r["state"] = JobStateName(job->state());
  if (!job->failure().empty()) r["failure"] = job->failure();
  r["documents"] = {{"path", job->documents_path()},
                    {"accepted", job->documents_accepted()},
                    {"skipped", job->documents_skipped()},
                    {"skipped_examples", skipped}};
  r["conversations"] = {{"created", job->conversations_created()},
                        {"done", done},
                        {"failed", failed},
                        {"in_progress", in_progress}};
  nlohmann::ordered_json fail_json = nlohmann::json::object();
  for (const auto& [reason, n] : failures) fail_json[reason] = n;
  r["failures_by_reason"] = fail_json;
  nlohmann::ordered_json regen = nlohmann::json::object();
  for (const auto& [reason, n] : usage.regeneration_reasons()) regen[reason] = n;
  r["teacher"] = {{"calls", usage.calls()},
                  {"retries", usage.retries()},
                  {"regenerations", usage.regenerations()},
                  {"regenerations_by_reason", regen},
                  {"prompt_tokens", usage.prompt_tokens()},
                  {"completion_tokens", usage.completion_tokens()},
                  {"cached_tokens", usage.cached_tokens()},
                  {"prefix_cache_hit_ratio", Ratio(usage.cached_tokens(), usage.prompt_tokens())}};

  // Observed per-conversation visits against the Markov chain's expectation.
  const std::vector<double> expected = sampler.ExpectedVisits();
  std::map<std::string, double> expected_phenomena;
  nlohmann::ordered_json links = nlohmann::json::array();
  for (size_t i = 0; i < sampler.link_names().size(); ++i) {
    const std::string& name = sampler.link_names()[i];
    links.push_back({{"link", name},
                     {"observed_per_conversation", Ratio(link_counts[name], results)},
                     {"expected_per_conversation", std::round(expected[i] * 10000) / 10000}});
    for (const auto& p : spec.graph().links(static_cast<int>(i)).phenomena()) {
      expected_phenomena[p.name()] += expected[i] * p.probability();
    }
  }
  r["links"] = links;
  nlohmann::ordered_json phenomena = nlohmann::json::array();
  for (const auto& [name, exp] : expected_phenomena) {
    phenomena.push_back({{"phenomenon", name},
                         {"observed_per_conversation", Ratio(phenomenon_counts[name], results)},
                         {"expected_per_conversation", std::round(exp * 10000) / 10000}});
  }
  r["phenomena"] = phenomena;
  nlohmann::ordered_json length_json = nlohmann::json::object();
  for (auto& [role, stats] : lengths) length_json[role] = stats.ToJson();
  r["turn_lengths"] = length_json;
  r["turns"] = turns;
  r["distinct_n"] = {{"distinct_1", Ratio(distinct.seen[0].size(), distinct.total[0])},
                     {"distinct_2", Ratio(distinct.seen[1].size(), distinct.total[1])},
                     {"distinct_3", Ratio(distinct.seen[2].size(), distinct.total[2])}};
  r["quality"] = quality.ToJson();
  return r;
}

std::string FormatJobReport(const nlohmann::ordered_json& r) {
  std::ostringstream out;
  out << "job " << r["job"].get<std::string>() << ": " << r["state"].get<std::string>() << "\n";
  const auto& c = r["conversations"];
  out << "  conversations: " << c["done"] << " done, " << c["failed"] << " failed, "
      << c["in_progress"] << " in progress, " << c["created"] << " created\n";
  const auto& d = r["documents"];
  out << "  documents: " << d["accepted"] << " accepted, " << d["skipped"] << " skipped\n";
  for (const auto& s : d["skipped_examples"]) {
    out << "    skipped: " << s["reason"].get<std::string>() << "\n";
  }
  for (const auto& [reason, n] : r["failures_by_reason"].items()) {
    out << "  failed: " << reason << " x" << n << "\n";
  }
  const auto& t = r["teacher"];
  out << "  teacher: " << t["calls"] << " calls, " << t["retries"] << " retries, "
      << t["regenerations"] << " regenerations; tokens " << t["prompt_tokens"] << " in ("
      << t["cached_tokens"] << " cached, hit ratio " << t["prefix_cache_hit_ratio"] << "), "
      << t["completion_tokens"] << " out\n";
  for (const auto& [reason, n] : t["regenerations_by_reason"].items()) {
    out << "    regenerated: " << reason << " x" << n << "\n";
  }
  out << "  links (observed vs expected per conversation):\n";
  for (const auto& l : r["links"]) {
    out << absl::StrFormat("    %-20s %7.3f  %7.3f\n", l["link"].get<std::string>(),
                           l["observed_per_conversation"].get<double>(),
                           l["expected_per_conversation"].get<double>());
  }
  if (!r["phenomena"].empty()) out << "  phenomena (observed vs expected per conversation):\n";
  for (const auto& p : r["phenomena"]) {
    out << absl::StrFormat("    %-20s %7.3f  %7.3f\n", p["phenomenon"].get<std::string>(),
                           p["observed_per_conversation"].get<double>(),
                           p["expected_per_conversation"].get<double>());
  }
  for (const auto& [role, s] : r["turn_lengths"].items()) {
    if (!s.contains("mean_chars")) continue;
    out << "  " << role << " turns: " << s["count"] << ", mean " << s["mean_chars"]
        << " chars, p50 " << s["p50_chars"] << ", p90 " << s["p90_chars"] << ", max "
        << s["max_chars"] << "\n";
  }
  const auto& dn = r["distinct_n"];
  out << "  diversity: distinct-1 " << dn["distinct_1"] << ", distinct-2 " << dn["distinct_2"]
      << ", distinct-3 " << dn["distinct_3"] << "\n";
  if (r.contains("quality")) out << FormatQualitySignals(r["quality"]);
  return out.str();
}

}  // namespace codi
