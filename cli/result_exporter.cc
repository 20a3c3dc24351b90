#include "cli/result_exporter.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "common/base/deterministic_rng.h"
#include "common/base/status_macros.h"
#include "common/base/version.h"
#include "common/format/conversation_json.h"
#include "common/format/dataset_card.h"
#include "common/quality/quality_signals.h"
#include "common/spec/job_defaults.h"
#include "common/spec/job_spec_validator.h"
#include "coordinator/job_report.h"

namespace codi {
namespace {

absl::StatusOr<std::string> FormatConversation(const codi::v1::Conversation& c,
                                               const ExportSettings& settings) {
  switch (settings.format) {
    case ExportFormat::kJsonl:
      return ConversationToJsonLine(c);
    case ExportFormat::kBrackets:
      return ConversationToBrackets(c);
    case ExportFormat::kChat:
      return ConversationToChatLine(c, settings.chat_roles);
  }
  return absl::InternalError("unknown export format");
}

// "jsonl" for codi's own lines, else "<format>.jsonl".
std::string ShardSuffix(ExportFormat format) {
  return format == ExportFormat::kJsonl ? "jsonl"
                                        : std::string(ExportFormatName(format)) + ".jsonl";
}

}  // namespace

std::optional<ExportFormat> ParseExportFormat(std::string_view name) {
  for (ExportFormat format : {ExportFormat::kJsonl, ExportFormat::kBrackets, ExportFormat::kChat}) {
    if (name == ExportFormatName(format)) return format;
  }
  return std::nullopt;
}

const char* ExportFormatName(ExportFormat format) {
  switch (format) {
    case ExportFormat::kJsonl:
      return "jsonl";
    case ExportFormat::kBrackets:
      return "brackets";
    case ExportFormat::kChat:
      return "chat";
  }
  return "jsonl";
}

absl::StatusOr<ExportSettings> ExportSettingsFor(const codi::v1::JobSpec& spec, ExportFormat format,
                                                 int64_t shards) {
  ExportSettings settings;
  settings.format = format;
  settings.shards = static_cast<uint32_t>(
      std::clamp<int64_t>(shards > 0 ? shards : spec.output().shards(), 1, kMaxOutputShards));
  if (format == ExportFormat::kChat) {
    CODI_RETURN_IF_ERROR(CheckChatRolesCoverRoles(spec));
    settings.chat_roles = ChatRoles(spec);
  }
  return settings;
}

uint32_t ShardOf(const std::string& doc_id, uint32_t shards) {
  return static_cast<uint32_t>(StableHash(doc_id, /*seed=*/0x5eed) % std::max<uint32_t>(shards, 1));
}

absl::StatusOr<ExportStats> ExportStoredJob(const StateStore& store, const std::string& job_id,
                                            const std::string& out_dir, ExportFormat format,
                                            int64_t shards, const DedupOptions& dedup,
                                            nlohmann::ordered_json* report) {
  CODI_ASSIGN_OR_RETURN(auto job, store.GetJob(job_id));
  if (!job.has_value()) return absl::NotFoundError("unknown job " + job_id);
  CODI_ASSIGN_OR_RETURN(ExportSettings settings, ExportSettingsFor(job->spec(), format, shards));
  CODI_RETURN_IF_ERROR(ValidateDedupOptions(dedup));
  settings.dedup = dedup;
  CODI_ASSIGN_OR_RETURN(nlohmann::ordered_json built, BuildJobReport(store, job_id));
  auto scan = [&](const std::function<bool(const codi::v1::Conversation&)>& visit) {
    return store.ScanResults(job_id, visit);
  };
  auto stats = ExportWithDatasetCard(scan, job->spec(), built, job_id, out_dir, settings);
  if (report != nullptr) *report = std::move(built);
  return stats;
}

absl::StatusOr<ExportStats> ExportWithDatasetCard(const ConversationScan& scan,
                                                  const codi::v1::JobSpec& spec,
                                                  const nlohmann::ordered_json& report,
                                                  const std::string& job_id,
                                                  const std::string& out_dir,
                                                  const ExportSettings& settings) {
  CODI_ASSIGN_OR_RETURN(ExportStats stats, ExportConversations(scan, job_id, out_dir, settings));
  DatasetCardFacts facts;
  facts.job_id = job_id;
  facts.spec = spec;
  facts.report = report;
  facts.format = ExportFormatName(settings.format);
  facts.chat_roles = settings.chat_roles;
  facts.license = DatasetLicense(spec);
  facts.codi_version = Version();
  facts.conversations = stats.conversations;
  facts.files = stats.files;
  facts.dedup = DedupModeName(settings.dedup.mode);
  facts.near_threshold = settings.dedup.near_threshold;
  facts.dropped_exact = stats.dropped_exact;
  facts.dropped_near = stats.dropped_near;
  CODI_RETURN_IF_ERROR(WriteDatasetCard(out_dir, facts));
  return stats;
}

absl::StatusOr<ExportStats> ExportConversations(const ConversationScan& scan,
                                                const std::string& job_id,
                                                const std::string& out_dir,
                                                const ExportSettings& settings) {
  const uint32_t shards = std::max<uint32_t>(settings.shards, 1);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return absl::InternalError("cannot create " + out_dir + ": " + ec.message());
  const std::string suffix = ShardSuffix(settings.format);
  CODI_RETURN_IF_ERROR(ValidateDedupOptions(settings.dedup));
  ExportStats stats;
  std::vector<std::string> tmp_paths;
  std::vector<std::unique_ptr<std::ofstream>> files;
  // Every file (the shards, then the dropped list) is written beside and
  // renamed into place at the end.
  std::vector<std::string> final_paths;
  auto open_file = [&](const std::string& path) -> absl::Status {
    final_paths.push_back(path);
    tmp_paths.push_back(path + ".tmp");
    files.push_back(
        std::make_unique<std::ofstream>(tmp_paths.back(), std::ios::binary | std::ios::trunc));
    if (!*files.back()) return absl::InternalError("cannot write " + tmp_paths.back());
    return absl::OkStatus();
  };
  for (uint32_t i = 0; i < shards; ++i) {
    stats.files.push_back(
        absl::StrFormat("%s/%s-%05d-of-%05d.%s", out_dir, job_id, i, shards, suffix));
    CODI_RETURN_IF_ERROR(open_file(stats.files.back()));
  }
  const std::string dropped_path = out_dir + "/" + kDroppedFileName;
  CODI_RETURN_IF_ERROR(open_file(dropped_path));
  std::ofstream& dropped_file = *files.back();
  // Shards written so far are removed on an error: a reader sees the old
  // export or the new one, never a mix.
  auto remove_partial = [&] {
    for (auto& file : files) file->close();
    for (const auto& tmp : tmp_paths) std::filesystem::remove(tmp, ec);
  };
  Deduplicator dedup(settings.dedup);
  absl::Status format_status;
  absl::Status scan_status = scan([&](const codi::v1::Conversation& c) {
    const std::string key = ConversationKey(c);
    DedupVerdict verdict = dedup.Offer(key, ConversationDedupText(c));
    if (!verdict.kept) {
      nlohmann::ordered_json dropped;
      dropped["key"] = key;
      dropped["doc_id"] = c.doc_id();
      dropped["sample"] = c.sample();
      dropped["reason"] = verdict.reason;
      dropped["duplicate_of"] = verdict.duplicate_of;
      dropped["similarity"] = std::round(verdict.similarity * 10000) / 10000;
      dropped_file << dropped.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                   << '\n';
      ++(verdict.reason == "exact" ? stats.dropped_exact : stats.dropped_near);
      return true;
    }
    absl::StatusOr<std::string> line = FormatConversation(c, settings);
    if (!line.ok()) {
      format_status = line.status();
      return false;
    }
    *files[ShardOf(c.doc_id(), shards)] << *line << '\n';
    ++stats.conversations;
    return true;
  });
  if (!format_status.ok() || !scan_status.ok()) {
    remove_partial();
    return !format_status.ok() ? format_status : scan_status;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    files[i]->close();
    if (files[i]->fail()) return absl::InternalError("write failed: " + tmp_paths[i]);
  }
  for (size_t i = 0; i < files.size(); ++i) {
    std::filesystem::rename(tmp_paths[i], final_paths[i], ec);
    if (ec) return absl::InternalError("cannot rename " + tmp_paths[i] + ": " + ec.message());
  }
  stats.dropped_file = dropped_path;
  return stats;
}

int PrintExportResult(const absl::StatusOr<ExportStats>& stats, const std::string& out_dir) {
  if (!stats.ok()) {
    std::cerr << "codi export: " << stats.status().message() << "\n";
    return stats.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << "wrote " << stats->conversations << " conversations in " << stats->files.size()
            << " files to " << out_dir << " (dataset card: " << out_dir << "/README.md)\n";
  std::cout << "dropped " << stats->dropped_exact << " exact and " << stats->dropped_near
            << " near duplicates (listed in " << out_dir << "/" << kDroppedFileName << ")\n";
  return 0;
}

}  // namespace codi
