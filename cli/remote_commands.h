// The codi commands that talk to a running codi-coordinator over gRPC:
// submit, status, watch, cancel, and export/report with --coordinator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/cli_flags.h"
#include "cli/result_exporter.h"
#include "codi/v1/service.pb.h"

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
// `codi report JOB_ID --coordinator HOST:PORT`: the coordinator's report of
// the job (JSON and text), or nullopt after one line on stderr, with the exit
// code in *exit_code.
std::optional<codi::v1::ReportResponse> FetchRemoteReport(const CoordinatorFlags& coordinator,
                                                          const std::string& job_id,
                                                          int* exit_code);

}  // namespace codi
