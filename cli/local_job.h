// Shared by the CLI commands that work on a local state directory (`run`,
// `export --state`, `report --state`): opening the store and writing outputs.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/result_exporter.h"
#include "common/storage/kv_store.h"
#include "coordinator/state_store.h"

namespace codi {

struct LocalState {
  std::unique_ptr<KvStore> kv;
  std::unique_ptr<StateStore> store;
};

[[nodiscard]] absl::StatusOr<LocalState> OpenLocalState(const std::string& dir, bool sync_writes);

// Exports the job's conversations with their dataset card and writes
// report.json beside them; prints the report summary to stdout. Returns the
// number of conversations written. `shards` 0 means the job's output.shards;
// duplicates are dropped as `dedup` says (exact ones by default).
[[nodiscard]] absl::StatusOr<uint64_t> WriteJobOutputs(const StateStore& store,
                                                       const std::string& job_id,
                                                       const std::string& out_dir,
                                                       ExportFormat format, int64_t shards = 0,
                                                       const DedupOptions& dedup = {});

}  // namespace codi
