// The codi commands that talk to a running codi-coordinator over gRPC:
// submit, status, watch, cancel, and export/report with --coordinator.
#pragma once

namespace codi {

int SubmitCommand(int argc, char** argv);
int StatusCommand(int argc, char** argv);
int WatchCommand(int argc, char** argv);
int CancelCommand(int argc, char** argv);
// `codi export JOB_ID --coordinator HOST:PORT --out DIR ...`
int RemoteExport(const char* coordinator, const char* job_id, const char* out_dir, bool brackets,
                 int shards);
// `codi report JOB_ID --coordinator HOST:PORT [--json]`
int RemoteReport(const char* coordinator, const char* job_id, bool json);

}  // namespace codi
