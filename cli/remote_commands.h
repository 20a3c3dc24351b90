// The codi commands that talk to a running codi-coordinator over gRPC:
// submit, status, watch, cancel, and export/report with --coordinator.
#pragma once

#include "cli/cli_flags.h"

namespace codi {

int SubmitCommand(int argc, char** argv);
int StatusCommand(int argc, char** argv);
int WatchCommand(int argc, char** argv);
int CancelCommand(int argc, char** argv);
// `codi export JOB_ID --coordinator HOST:PORT --out DIR ...`
int RemoteExport(const CoordinatorFlags& coordinator, const std::string& job_id,
                 const std::string& out_dir, bool brackets, int shards);
// `codi report JOB_ID --coordinator HOST:PORT [--json]`
int RemoteReport(const CoordinatorFlags& coordinator, const std::string& job_id, bool json);

}  // namespace codi
