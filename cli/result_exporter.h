// Writes a job's finished conversations as sharded files. Each (job,
// document, sample) appears once, because results are keyed by it; shards
// and their order are a function of the stored keys only, so exporting twice
// gives the same bytes.
#pragma once

#include <cstdint>
#include <functional>
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

// `codi export`'s last words: "wrote N conversations in F files to DIR" and
// exit 0, or the error on one line and exit 1.
int PrintExportResult(const absl::StatusOr<ExportStats>& stats, const std::string& out_dir);

// Shard of a conversation: a stable hash of its document id, so all samples
// of a document land in one shard.
uint32_t ShardOf(const std::string& doc_id, uint32_t shards);

// Calls `visit` for every finished conversation of a job, in (document id,
// sample) order; stops early when `visit` returns false.
using ConversationScan =
    std::function<absl::Status(const std::function<bool(const codi::v1::Conversation&)>& visit)>;

// Writes `<out_dir>/<job>-NNNNN-of-MMMMM.jsonl` (or `.brackets.jsonl`) from
// conversations given in (document id, sample) order, so each file comes out
// sorted. Files are written beside and renamed into place, so a reader never
// sees a half-written shard.
[[nodiscard]] absl::StatusOr<ExportStats> ExportConversations(const ConversationScan& scan,
                                                              const std::string& job_id,
                                                              const std::string& out_dir,
                                                              ExportFormat format, uint32_t shards);

// ExportConversations over the job's stored results.
[[nodiscard]] absl::StatusOr<ExportStats> ExportResults(const StateStore& store,
                                                        const std::string& job_id,
                                                        const std::string& out_dir,
                                                        ExportFormat format, uint32_t shards);

}  // namespace codi
