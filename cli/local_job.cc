#include "cli/local_job.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/base/status_macros.h"
#include "common/storage/rocksdb_store.h"
#include "coordinator/job_report.h"

namespace codi {

absl::StatusOr<LocalState> OpenLocalState(const std::string& dir, bool sync_writes) {
  LocalState state;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::InvalidArgumentError("cannot create state directory " + dir + ": " + ec.message());
  CODI_ASSIGN_OR_RETURN(state.kv, OpenRocksDbStore(dir, StateStore::Tables()));
  state.store = std::make_unique<StateStore>(state.kv.get(), sync_writes);
  return state;
}

absl::StatusOr<uint64_t> WriteJobOutputs(const StateStore& store, const std::string& job_id,
                                         const std::string& out_dir, ExportFormat format,
                                         int64_t shards, const DedupOptions& dedup) {
  nlohmann::ordered_json report;
  CODI_ASSIGN_OR_RETURN(ExportStats stats,
                        ExportStoredJob(store, job_id, out_dir, format, shards, dedup, &report));
  const std::string report_path = out_dir + "/report.json";
  std::ofstream out(report_path, std::ios::trunc);
  out << report.dump(2) << "\n";
  if (!out) return absl::InternalError("cannot write " + report_path);
  std::cout << FormatJobReport(report);
  return stats.conversations;
}

}  // namespace codi
