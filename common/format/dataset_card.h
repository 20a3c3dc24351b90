// The dataset card written beside every export: a README.md in the Hugging
// Face dataset-card style, so that a shard folder uploaded as it is says what
// it holds, under which licence, and how it was made. YAML front matter
// (license, task_categories, tags, size_categories, configs) is followed by
// what the data is, the files and their format, how it was made (codi version,
// teacher model, seed, the conversation graph's links, roles and weights), the
// job spec, and the report's headline figures.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "codi/v1/job.pb.h"
#include "nlohmann/json.hpp"

namespace codi {

struct DatasetCardFacts {
  std::string job_id;
  // The job's spec as stored (defaults applied).
  codi::v1::JobSpec spec;
  // coordinator/job_report's JSON; a null value leaves the report section out.
  nlohmann::ordered_json report;
  // Export format name: jsonl, brackets or chat.
  std::string format;
  // Chat role of each role, shown for the chat format.
  std::map<std::string, std::string> chat_roles;
  // Licence id for the front matter (the spec's output.license or its default).
  std::string license;
  std::string codi_version;
  // Conversations written, duplicates dropped not included.
  uint64_t conversations = 0;
  // Dedup at export: "off", "exact" or "near", the near-duplicate
  // threshold, and how many of each kind were dropped (dropped.ndjson).
  std::string dedup = "off";
  double near_threshold = 0;
  uint64_t dropped_exact = 0;
  uint64_t dropped_near = 0;
  // The shard files, as paths; the card names them relative to its folder.
  std::vector<std::string> files;
};

// Hugging Face's size category of a data set with `rows` rows: "n<1K",
// "1K<n<10K", ... "n>1T".
std::string SizeCategory(uint64_t rows);

// The card's Markdown text.
std::string DatasetCardMarkdown(const DatasetCardFacts& facts);

// Writes DatasetCardMarkdown to `dir`/README.md, beside and renamed into place.
[[nodiscard]] absl::Status WriteDatasetCard(const std::string& dir, const DatasetCardFacts& facts);

}  // namespace codi
