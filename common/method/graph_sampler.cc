#include "common/method/graph_sampler.h"

#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/base/deterministic_rng.h"

namespace codi {
namespace {

// Normalised weights in link declaration order (proto maps have no order, so
// the order must come from the link list for rollouts to be reproducible).
absl::StatusOr<std::vector<double>> Normalise(
    const google::protobuf::Map<std::string, double>& weights,
    const absl::flat_hash_map<std::string, size_t>& index, const std::string& where) {
  std::vector<double> out(index.size(), 0.0);
  double total = 0;
  for (const auto& [name, w] : weights) {
    auto it = index.find(name);
    if (it == index.end())
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown link '", name, "'"));
    if (!std::isfinite(w) || w < 0)
      return absl::InvalidArgumentError(absl::StrCat(where, ": bad weight"));
    out[it->second] = w;
  }
  // Summed in declaration order too, so the total is bit-identical however
  // the map happens to iterate.
  for (double w : out) total += w;
  if (total > 0) {
    for (double& w : out) w /= total;
  }
  return out;
}

}  // namespace

absl::StatusOr<GraphSampler> GraphSampler::Create(const codi::v1::JobSpec& spec) {
  GraphSampler s;
  s.seed_ = spec.seed();
  absl::flat_hash_map<std::string, size_t> index;
  for (const auto& link : spec.graph().links()) {
    index.emplace(link.name(), s.names_.size());
    s.names_.push_back(link.name());
  }
  if (s.names_.empty()) return absl::InvalidArgumentError("graph.links: the graph has no links");
  auto start = Normalise(spec.graph().start(), index, "graph.start");
  if (!start.ok()) return start.status();
  s.start_ = *std::move(start);
  double start_total = 0;
  for (double p : s.start_) start_total += p;
  if (start_total <= 0) return absl::InvalidArgumentError("graph.start: weights are all zero");
  for (int i = 0; i < spec.graph().links_size(); ++i) {
    auto next =
        Normalise(spec.graph().links(i).next(), index, absl::StrCat("graph.links[", i, "].next"));
    if (!next.ok()) return next.status();
    s.next_.push_back(*std::move(next));
  }
  const auto& len = spec.graph().length();
  s.fixed_ = len.n();
  s.min_ = len.min();
  s.max_ = len.max();
  if (s.fixed_ == 0 && (s.min_ == 0 || s.max_ < s.min_)) {
    return absl::InvalidArgumentError("graph.length: length is zero");
  }
  return s;
}

uint32_t GraphSampler::SampleLength(DeterministicRng& rng) const {
  if (fixed_ > 0) return fixed_;
  return min_ + static_cast<uint32_t>(rng.Below(max_ - min_ + 1));
}

std::vector<std::string> GraphSampler::RollOut(std::string_view doc_id, uint32_t sample) const {
  DeterministicRng rng = DeterministicRng::ForKey(seed_, doc_id, sample, "graph");
  const uint32_t length = SampleLength(rng);
  std::vector<std::string> path;
  path.reserve(length);
  size_t current = rng.PickWeighted(start_);
  path.push_back(names_[current]);
  while (path.size() < length) {
    double total = 0;
    for (double p : next_[current]) total += p;
    if (total <= 0) break;  // a dead end the validator let through ends the path early
    current = rng.PickWeighted(next_[current]);
    path.push_back(names_[current]);
  }
  return path;
}

std::vector<double> GraphSampler::ExpectedVisits() const {
  // P(length >= k) for each position k, then propagate the state distribution.
  const uint32_t longest = fixed_ > 0 ? fixed_ : max_;
  std::vector<double> visits(names_.size(), 0.0);
  std::vector<double> dist = start_;
  for (uint32_t pos = 1; pos <= longest; ++pos) {
    double reach = 1.0;
    if (fixed_ == 0 && pos > min_) reach = static_cast<double>(max_ - pos + 1) / (max_ - min_ + 1);
    for (size_t i = 0; i < dist.size(); ++i) visits[i] += reach * dist[i];
    std::vector<double> next(names_.size(), 0.0);
    for (size_t i = 0; i < dist.size(); ++i) {
      for (size_t j = 0; j < next_[i].size(); ++j) next[j] += dist[i] * next_[i][j];
    }
    dist = std::move(next);
  }
  return visits;
}

double GraphSampler::ExpectedLength() const {
  if (fixed_ > 0) return fixed_;
  return (min_ + max_) / 2.0;
}

}  // namespace codi
