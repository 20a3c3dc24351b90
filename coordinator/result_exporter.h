// Writes a job's finished conversations as sharded files. Each (job,
// document, sample) appears once, because results are keyed by it; shards
// and their order are a function of the stored keys only, so exporting twice
// gives the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/state_store.h"

namespace codi {

enum class ExportFormat { kJsonl, kBrackets };

struct ExportStats {
  uint64_t conversations = 0;
  std::vector<std::string> files;
};

// Shard of a conversation: a stable hash of its document id, so all samples
// of a document land in one shard.
uint32_t ShardOf(const std::string& doc_id, uint32_t shards);

// Writes `<out_dir>/<job>-NNNNN-of-MMMMM.jsonl` (or `.brackets.jsonl`), each
// file sorted by (document id, sample). Files are written beside and renamed
// into place, so a reader never sees a half-written shard.
[[nodiscard]] absl::StatusOr<ExportStats> ExportResults(const StateStore& store,
                                                        const std::string& job_id,
                                                        const std::string& out_dir,
                                                        ExportFormat format, uint32_t shards);

}  // namespace codi
