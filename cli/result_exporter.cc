#include "cli/result_exporter.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "common/base/deterministic_rng.h"
#include "common/base/status_macros.h"
#include "common/format/conversation_json.h"

namespace codi {

uint32_t ShardOf(const std::string& doc_id, uint32_t shards) {
  return static_cast<uint32_t>(StableHash(doc_id, /*seed=*/0x5eed) % std::max<uint32_t>(shards, 1));
}

absl::StatusOr<ExportStats> ExportResults(const StateStore& store, const std::string& job_id,
                                          const std::string& out_dir, ExportFormat format,
                                          uint32_t shards) {
  return ExportConversations(
      [&](const std::function<bool(const codi::v1::Conversation&)>& visit) {
        return store.ScanResults(job_id, visit);
      },
      job_id, out_dir, format, shards);
}

absl::StatusOr<ExportStats> ExportConversations(const ConversationScan& scan,
                                                const std::string& job_id,
                                                const std::string& out_dir, ExportFormat format,
                                                uint32_t shards) {
  shards = std::max<uint32_t>(shards, 1);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return absl::InternalError("cannot create " + out_dir + ": " + ec.message());
  const char* suffix = format == ExportFormat::kJsonl ? "jsonl" : "brackets.jsonl";
  ExportStats stats;
  std::vector<std::string> tmp_paths;
  std::vector<std::unique_ptr<std::ofstream>> files;
  for (uint32_t i = 0; i < shards; ++i) {
    std::string path = absl::StrFormat("%s/%s-%05d-of-%05d.%s", out_dir, job_id, i, shards, suffix);
    stats.files.push_back(path);
    tmp_paths.push_back(path + ".tmp");
    files.push_back(
        std::make_unique<std::ofstream>(tmp_paths.back(), std::ios::binary | std::ios::trunc));
    if (!*files.back()) return absl::InternalError("cannot write " + tmp_paths.back());
  }
  CODI_RETURN_IF_ERROR(scan([&](const codi::v1::Conversation& c) {
    auto& out = *files[ShardOf(c.doc_id(), shards)];
    out << (format == ExportFormat::kJsonl ? ConversationToJsonLine(c) : ConversationToBrackets(c))
        << '\n';
    ++stats.conversations;
    return true;
  }));
  for (uint32_t i = 0; i < shards; ++i) {
    files[i]->close();
    if (files[i]->fail()) return absl::InternalError("write failed: " + tmp_paths[i]);
    std::filesystem::rename(tmp_paths[i], stats.files[i], ec);
    if (ec) return absl::InternalError("cannot rename " + tmp_paths[i] + ": " + ec.message());
  }
  return stats;
}

int PrintExportResult(const absl::StatusOr<ExportStats>& stats, const std::string& out_dir) {
  if (!stats.ok()) {
    std::cerr << "codi export: " << stats.status().message() << "\n";
    return 1;
  }
  std::cout << "wrote " << stats->conversations << " conversations in " << stats->files.size()
            << " files to " << out_dir << "\n";
  return 0;
}

}  // namespace codi
