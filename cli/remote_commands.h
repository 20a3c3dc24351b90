// The codi commands that talk to a running codi-coordinator over gRPC:
// submit, status, watch, cancel, and export/report with --coordinator.
#pragma once

#include <cstdint>
#include <string>

#include "cli/cli_flags.h"
#include "cli/result_exporter.h"

namespace codi {

int SubmitCommand(int argc, char** argv);
int StatusCommand(int argc, char** argv);
int WatchCommand(int argc, char** argv);
int CancelCommand(int argc, char** argv);
// `codi export JOB_ID --coordinator HOST:PORT --out DIR ...`
// `shards` 0 means the job's output.shards.
int RemoteExport(const CoordinatorFlags& coordinator, const std::string& job_id,
                 const std::string& out_dir, ExportFormat format, int64_t shards,
                 const DedupOptions& dedup);
// `codi report JOB_ID --coordinator HOST:PORT [--json]`
int RemoteReport(const CoordinatorFlags& coordinator, const std::string& job_id, bool json);

}  // namespace codi
