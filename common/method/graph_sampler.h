// Rolls out conversation graphs: one path through the job's Markov chain of
// links per (document, sample). Deterministic from (job seed, document id,
// sample index) alone, so any worker, thread or process rolls out the same
// blueprint.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "codi/v1/job.pb.h"

namespace codi {

class GraphSampler {
 public:
  // `spec` must have passed ValidateJobSpec; a graph that cannot be sampled
  // still gets an error here rather than a crash.
  static absl::StatusOr<GraphSampler> Create(const codi::v1::JobSpec& spec);

  // The link names of one conversation, in order.
  std::vector<std::string> RollOut(std::string_view doc_id, uint32_t sample) const;

  // Expected number of visits of each link (declaration order) per
  // conversation, from the start and transition weights and the length
  // distribution. The report compares observed frequencies against these.
  std::vector<double> ExpectedVisits() const;
  double ExpectedLength() const;

  const std::vector<std::string>& link_names() const { return names_; }
  // Start and transition probabilities (normalised), indexed by link order.
  const std::vector<double>& start_probabilities() const { return start_; }
  const std::vector<std::vector<double>>& transition_probabilities() const { return next_; }

 private:
  GraphSampler() = default;
  uint32_t SampleLength(class DeterministicRng& rng) const;

  uint64_t seed_ = 0;
  std::vector<std::string> names_;
  std::vector<double> start_;
  std::vector<std::vector<double>> next_;
  uint32_t fixed_ = 0, min_ = 0, max_ = 0;
};

}  // namespace codi
