// Writes a job's finished conversations as sharded files. Each (job,
// document, sample) appears once, because results are keyed by it; shards
// and their order are a function of the stored keys only, so exporting twice
// gives the same bytes. Every export writes a dataset card (README.md) beside
// its shards.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/quality/deduplicator.h"
#include "coordinator/state_store.h"
#include "nlohmann/json.hpp"

namespace codi {

// jsonl: codi's own conversation lines; brackets: "[ROLE]text[/ROLE]" text;
// chat: OpenAI fine-tuning messages (common/format/conversation_json.h).
enum class ExportFormat { kJsonl, kBrackets, kChat };

// "jsonl", "brackets" or "chat" to a format; nullopt for anything else.
std::optional<ExportFormat> ParseExportFormat(std::string_view name);
const char* ExportFormatName(ExportFormat format);

// What an export writes: the format, the number of shards, for the chat
// format the chat role of each role, and which duplicates it drops.
struct ExportSettings {
  ExportFormat format = ExportFormat::kJsonl;
  uint32_t shards = 1;
  std::map<std::string, std::string> chat_roles;
  // Conversations are deduplicated on ConversationDedupText (their generated
  // turns, the CONTEXT turn left out), keeping the first in (document id,
  // sample) order.
  DedupOptions dedup;
};

// The list of dropped duplicates written beside the shards, one JSON object
// a line: {"key", "doc_id", "sample", "reason": "exact"|"near",
// "duplicate_of": key, "similarity"}. Written (empty) by every export.
inline constexpr char kDroppedFileName[] = "dropped.ndjson";

// The settings for exporting a job with `spec` in `format`: `shards` when
// above 0, else the job's output.shards. For the chat format, every declared
// role must have a chat role (InvalidArgument naming the one that has none),
// so a bad role map is refused before any file is written.
[[nodiscard]] absl::StatusOr<ExportSettings> ExportSettingsFor(const codi::v1::JobSpec& spec,
                                                               ExportFormat format, int64_t shards);

struct ExportStats {
  // Conversations written (duplicates dropped not included).
  uint64_t conversations = 0;
  std::vector<std::string> files;
  uint64_t dropped_exact = 0;
  uint64_t dropped_near = 0;
  // The dropped list's path.
  std::string dropped_file;
};

// `codi export`'s last words: "wrote N conversations in F files to DIR ..."
// and exit 0, or the error on one line and exit 2 for the user's mistakes
// (InvalidArgument: a role without a chat role), else 1.
int PrintExportResult(const absl::StatusOr<ExportStats>& stats, const std::string& out_dir);

// Shard of a conversation: a stable hash of its document id, so all samples
// of a document land in one shard.
uint32_t ShardOf(const std::string& doc_id, uint32_t shards);

// Calls `visit` for every finished conversation of a job, in (document id,
// sample) order; stops early when `visit` returns false.
using ConversationScan =
    std::function<absl::Status(const std::function<bool(const codi::v1::Conversation&)>& visit)>;

// Writes `<out_dir>/<job>-NNNNN-of-MMMMM.jsonl` (or `.brackets.jsonl`,
// `.chat.jsonl`) from conversations given in (document id, sample) order, so
// each file comes out sorted, leaving out the duplicates settings.dedup
// finds and listing them in `<out_dir>/dropped.ndjson`. Files are written
// beside and renamed into place, so a reader never sees a half-written
// shard; on an error none is.
[[nodiscard]] absl::StatusOr<ExportStats> ExportConversations(const ConversationScan& scan,
                                                              const std::string& job_id,
                                                              const std::string& out_dir,
                                                              const ExportSettings& settings);

// ExportConversations, then the dataset card (README.md) beside the shards,
// made from the job's spec (as stored) and its report (BuildJobReport's or
// GetReport's JSON).
[[nodiscard]] absl::StatusOr<ExportStats> ExportWithDatasetCard(
    const ConversationScan& scan, const codi::v1::JobSpec& spec,
    const nlohmann::ordered_json& report, const std::string& job_id, const std::string& out_dir,
    const ExportSettings& settings);

// ExportWithDatasetCard over the job's stored results, spec and report; the
// report is returned in `report` when given.
[[nodiscard]] absl::StatusOr<ExportStats> ExportStoredJob(const StateStore& store,
                                                          const std::string& job_id,
                                                          const std::string& out_dir,
                                                          ExportFormat format, int64_t shards,
                                                          const DedupOptions& dedup,
                                                          nlohmann::ordered_json* report = nullptr);

}  // namespace codi
