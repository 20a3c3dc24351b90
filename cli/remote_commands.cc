#include "cli/remote_commands.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "cli/cli_flags.h"
#include "cli/progress_printer.h"
#include "cli/result_exporter.h"
#include "codi/v1/service.grpc.pb.h"
#include "common/base/clock.h"
#include "common/base/flags.h"
#include "common/service/grpc_status.h"
#include "common/spec/job_spec_loader.h"
#include "common/teacher/limiter_metrics.h"
#include "coordinator/job_status.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

// Default deadlines, in seconds, when --timeout-s is not given.
constexpr int kUnaryTimeoutS = 60;
constexpr int kTransferTimeoutS = 3600;  // submit --docs, export
constexpr int kWatchTimeoutS = 86400;

// A channel with TLS and the token as the flags say; null after one line on
// stderr when a credential file cannot be read (the command exits 2).
std::shared_ptr<grpc::Channel> OpenChannel(const std::string& command,
                                           const CoordinatorFlags& coordinator) {
  auto credentials = LoadChannelCredentials(coordinator.security, /*warn=*/false);
  if (!credentials.ok()) {
    std::cerr << "codi " << command << ": " << credentials.status().message() << "\n";
    return nullptr;
  }
  return grpc::CreateChannel(coordinator.address, *credentials);
}

// The client API's stub over OpenChannel; null as it is.
std::unique_ptr<codi::v1::CoordinatorService::Stub> Connect(const std::string& command,
                                                            const CoordinatorFlags& coordinator) {
  auto channel = OpenChannel(command, coordinator);
  if (channel == nullptr) return nullptr;
  return codi::v1::CoordinatorService::NewStub(channel);
}

// One line on stderr; exit 2 for the caller's mistakes, 1 for the rest.
int Fail(const std::string& command, const std::string& target, const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    std::cerr << "codi " << command << ": cannot reach the coordinator at " << target << ": "
              << status.error_message() << "\n";
    return 1;
  }
  std::cerr << "codi " << command << ": " << status.error_message() << "\n";
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return 2;
    default:
      return 1;
  }
}

// Every call has a deadline: --timeout-s, else the call's default.
void SetDeadline(grpc::ClientContext* context, const CoordinatorFlags& coordinator, int default_s) {
  const int64_t seconds = coordinator.timeout_s > 0 ? coordinator.timeout_s : default_s;
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

// Parses `codi COMMAND JOB_ID --coordinator HOST:PORT` plus extra flags.
struct JobCommand {
  FlagSet flags;
  CoordinatorFlags coordinator;
  std::string job_id;
  JobCommand(const std::string& name, const std::string& summary) : flags("codi " + name, summary) {
    flags.AddUsage("codi " + name + " JOB_ID --coordinator HOST:PORT");
    AddCoordinatorFlags(&flags, &coordinator);
  }
  // -1 to go on, else the exit code.
  int Parse(int argc, char** argv, const std::string& name) {
    if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
    if (flags.positional().size() != 1 || coordinator.address.empty()) {
      std::cerr << "codi " << name
                << ": expected JOB_ID and --coordinator HOST:PORT (see --help)\n";
      return 2;
    }
    job_id = flags.positional()[0];
    return -1;
  }
};

// One unary call on a job (JobRef in, JobStatus out), with a deadline.
template <typename Method>
grpc::Status CallOnJob(codi::v1::CoordinatorService::Stub* stub, const JobCommand& cmd,
                       Method method, codi::v1::JobStatus* status) {
  grpc::ClientContext context;
  SetDeadline(&context, cmd.coordinator, kUnaryTimeoutS);
  codi::v1::JobRef ref;
  ref.set_job_id(cmd.job_id);
  return (stub->*method)(&context, ref, status);
}

void PrintStatus(const codi::v1::JobStatus& s) {
  std::cout << "job " << s.job_id() << ": " << JobStateName(s.state());
  if (!s.failure().empty()) std::cout << " (" << s.failure() << ")";
  std::cout << "\n  conversations: " << s.conversations_done() << " done, "
            << s.conversations_failed() << " failed, " << s.conversations_in_flight()
            << " in flight, " << s.conversations_created() << " created (about "
            << s.conversations_estimated_total() << " in all)\n"
            << "  documents: " << s.documents_accepted() << " accepted, " << s.documents_skipped()
            << " skipped" << (s.documents_exhausted() ? ", all read" : "")
            << "\n  turns: " << s.turns() << "; teacher calls " << s.usage().calls() << ", retries "
            << s.usage().retries() << ", tokens " << s.usage().prompt_tokens() << " in / "
            << s.usage().completion_tokens() << " out\n";
}

}  // namespace

int SubmitCommand(int argc, char** argv) {
  FlagSet flags("codi submit", "submit a job to a coordinator; prints the job id");
  flags.AddUsage("codi submit JOB.yaml [--docs FILE] --coordinator HOST:PORT [--job-id ID]");
  std::string docs, job_id;
  CoordinatorFlags coordinator;
  AddCoordinatorFlags(&flags, &coordinator);
  flags.String("docs", "", &docs,
               "documents JSONL on this machine, streamed to the coordinator; without it the job's "
               "documents.path must be readable by the coordinator");
  flags.String("job-id", "", &job_id, "job id (default <name>-<UTC time>)");
  if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  if (flags.positional().size() != 1 || coordinator.address.empty()) {
    std::cerr << "codi submit: expected JOB.yaml and --coordinator HOST:PORT (see --help)\n";
    return 2;
  }
  auto spec = LoadJobSpecFile(flags.positional()[0]);
  if (!spec.ok()) {
    std::cerr << "codi submit: " << spec.status().message() << "\n";
    return 2;
  }
  codi::v1::SubmitJobRequest submit;
  *submit.mutable_spec() = *spec;
  submit.set_job_id(job_id);
  auto stub = Connect("submit", coordinator);
  if (stub == nullptr) return 2;
  codi::v1::SubmitJobResponse response;
  grpc::Status status;
  if (docs.empty()) {
    grpc::ClientContext context;
    SetDeadline(&context, coordinator, kUnaryTimeoutS);
    status = stub->SubmitJob(&context, submit, &response);
  } else {
    std::ifstream in(docs, std::ios::binary);
    if (!in) {
      std::cerr << "codi submit: cannot read " << docs << "\n";
      return 2;
    }
    grpc::ClientContext context;
    SetDeadline(&context, coordinator, kTransferTimeoutS);
    auto writer = stub->SubmitJobWithDocuments(&context, &response);
    codi::v1::SubmitJobChunk chunk;
    *chunk.mutable_submit() = submit;
    std::string buffer(kChunkBytes, '\0');
    bool sent_any = false;
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto n = in.gcount();
      if (n <= 0 && sent_any) break;
      chunk.set_documents(buffer.data(), static_cast<size_t>(std::max<std::streamsize>(n, 0)));
      if (!writer->Write(chunk)) break;  // the server ended the call; Finish says why
      sent_any = true;
      chunk.clear_submit();
    }
    writer->WritesDone();
    status = writer->Finish();
  }
  if (!status.ok()) return Fail("submit", coordinator.address, status);
  std::cout << response.job_id() << "\n";
  return 0;
}

int StatusCommand(int argc, char** argv) {
  JobCommand cmd("status", "print a job's progress");
  bool json = false;
  cmd.flags.Bool("json", "", &json, "print the status as JSON");
  if (int r = cmd.Parse(argc, argv, "status"); r >= 0) return r;
  codi::v1::JobStatus status;
  auto stub = Connect("status", cmd.coordinator);
  if (stub == nullptr) return 2;
  grpc::Status rpc =
      CallOnJob(stub.get(), cmd, &codi::v1::CoordinatorService::Stub::GetJob, &status);
  if (!rpc.ok()) return Fail("status", cmd.coordinator.address, rpc);
  if (json) {
    std::string text;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    (void)google::protobuf::util::MessageToJsonString(status, &text, options);
    // Users see state names ("running"), not the enum's.
    nlohmann::ordered_json json_status = nlohmann::ordered_json::parse(text);
    json_status["state"] = JobStateName(status.state());
    std::cout << json_status.dump() << "\n";
  } else {
    PrintStatus(status);
  }
  return 0;
}

int WatchCommand(int argc, char** argv) {
  JobCommand cmd("watch", "show a job's live progress until it ends");
  int64_t interval_ms = 1000;
  std::string progress = "auto";
  cmd.flags.Int("interval-ms", "", &interval_ms, "milliseconds between updates");
  cmd.flags.String("progress", "", &progress,
                   "auto (bar on a terminal, lines otherwise), bar or lines");
  std::vector<std::string> worker_metrics;
  cmd.flags.StringList("worker-metrics", &worker_metrics,
                       "a worker's metrics URL, e.g. http://worker-0:9090/metrics (repeatable): "
                       "its teacher limits join the progress line");
  if (int r = cmd.Parse(argc, argv, "watch"); r >= 0) return r;
  auto stub = Connect("watch", cmd.coordinator);
  if (stub == nullptr) return 2;
  grpc::ClientContext context;
  SetDeadline(&context, cmd.coordinator, kWatchTimeoutS);
  codi::v1::WatchJobRequest request;
  request.set_job_id(cmd.job_id);
  request.set_interval_ms(static_cast<uint32_t>(std::max<int64_t>(interval_ms, 100)));
  auto reader = stub->WatchJob(&context, request);
  const bool bar = progress == "bar" || (progress == "auto" && isatty(STDERR_FILENO));
  Clock* clock = RealClock();
  ProgressPrinter printer(bar, clock->Now());
  codi::v1::JobStatus status;
  bool any = false;
  while (reader->Read(&status)) {
    any = true;
    ProgressSnapshot snapshot = SnapshotOf(status);
    if (!worker_metrics.empty()) {
      std::vector<LimiterState> states;
      for (const std::string& url : worker_metrics) {
        auto scraped = ScrapeLimiterStates(url, absl::Seconds(2));
        if (scraped.ok()) states.insert(states.end(), scraped->begin(), scraped->end());
      }
      AddLimiterFigures(states, &snapshot);
    }
    printer.Print(snapshot, clock->Now());
  }
  grpc::Status rpc = reader->Finish();
  printer.Finish();
  if (!rpc.ok()) return Fail("watch", cmd.coordinator.address, rpc);
  if (any) std::cerr << "job " << status.job_id() << " " << JobStateName(status.state()) << "\n";
  return status.state() == codi::v1::JOB_STATE_FAILED ? 1 : 0;
}

int CancelCommand(int argc, char** argv) {
  JobCommand cmd("cancel", "cancel a job; its workers stop within seconds");
  if (int r = cmd.Parse(argc, argv, "cancel"); r >= 0) return r;
  codi::v1::JobStatus status;
  auto stub = Connect("cancel", cmd.coordinator);
  if (stub == nullptr) return 2;
  grpc::Status rpc =
      CallOnJob(stub.get(), cmd, &codi::v1::CoordinatorService::Stub::CancelJob, &status);
  if (!rpc.ok()) return Fail("cancel", cmd.coordinator.address, rpc);
  PrintStatus(status);
  return 0;
}

int RemoteExport(const CoordinatorFlags& coordinator, const std::string& job_id,
                 const std::string& out_dir, ExportFormat format, int64_t shards,
                 const DedupOptions& dedup) {
  auto channel = OpenChannel("export", coordinator);
  if (channel == nullptr) return 2;
  auto stub = codi::v1::CoordinatorService::NewStub(channel);
  // The job's stored spec (for the shards, the chat roles and the dataset
  // card) comes from the work service the coordinator serves beside.
  codi::v1::JobSpecResponse spec;
  {
    auto work = codi::v1::WorkService::NewStub(channel);
    grpc::ClientContext context;
    SetDeadline(&context, coordinator, kUnaryTimeoutS);
    codi::v1::JobSpecRequest request;
    request.set_job_id(job_id);
    grpc::Status rpc = work->GetJobSpec(&context, request, &spec);
    if (!rpc.ok()) return Fail("export", coordinator.address, rpc);
  }
  auto settings = ExportSettingsFor(spec.spec(), format, shards);
  if (!settings.ok()) return PrintExportResult(settings.status(), out_dir);
  settings->dedup = dedup;
  codi::v1::JobRef ref;
  ref.set_job_id(job_id);
  nlohmann::ordered_json report;
  {
    grpc::ClientContext context;
    SetDeadline(&context, coordinator, 300);
    codi::v1::ReportResponse response;
    grpc::Status rpc = stub->GetReport(&context, ref, &response);
    if (rpc.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      // The report is a pass over every conversation (minutes at a million
      // on a busy coordinator); the conversations matter more than the card.
      std::cerr << "codi export: warning: the job report was not ready in time ("
                << rpc.error_message() << "); the dataset card leaves it out\n";
    } else if (!rpc.ok()) {
      return Fail("export", coordinator.address, rpc);
    }
    report = nlohmann::ordered_json::parse(response.report_json(), nullptr,
                                           /*allow_exceptions=*/false);
    if (report.is_discarded()) report = nullptr;  // the card leaves the report out
  }
  grpc::ClientContext context;
  SetDeadline(&context, coordinator, kTransferTimeoutS);
  grpc::Status rpc_status;
  bool stopped = false;  // by the export (a conversation it cannot write), not the server
  auto scan = [&](const std::function<bool(const codi::v1::Conversation&)>& visit) {
    auto reader = stub->StreamConversations(&context, ref);
    codi::v1::Conversation c;
    while (reader->Read(&c)) {
      if (!visit(c)) {
        stopped = true;
        context.TryCancel();
        break;
      }
    }
    rpc_status = reader->Finish();
    if (stopped) return absl::OkStatus();
    return FromGrpcStatus(rpc_status);
  };
  auto stats = ExportWithDatasetCard(scan, spec.spec(), report, job_id, out_dir, *settings);
  if (!rpc_status.ok() && !stopped) return Fail("export", coordinator.address, rpc_status);
  return PrintExportResult(stats, out_dir);
}

std::optional<codi::v1::ReportResponse> FetchRemoteReport(const CoordinatorFlags& coordinator,
                                                          const std::string& job_id,
                                                          int* exit_code) {
  auto stub = Connect("report", coordinator);
  if (stub == nullptr) {
    *exit_code = 2;
    return std::nullopt;
  }
  grpc::ClientContext context;
  SetDeadline(&context, coordinator, 300);
  codi::v1::JobRef ref;
  ref.set_job_id(job_id);
  codi::v1::ReportResponse response;
  grpc::Status rpc = stub->GetReport(&context, ref, &response);
  if (!rpc.ok()) {
    *exit_code = Fail("report", coordinator.address, rpc);
    return std::nullopt;
  }
  return response;
}

}  // namespace codi
