#include "cli/run_command.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/cli_flags.h"
#include "cli/local_job.h"
#include "cli/progress_printer.h"
#include "cli/result_exporter.h"
#include "common/base/flags.h"
#include "common/base/logging.h"
#include "common/service/termination_signals.h"
#include "common/spec/job_spec_loader.h"
#include "coordinator/job_coordinator.h"
#include "coordinator/job_status.h"
#include "coordinator/progress_rates.h"
#include "worker/concurrency_flags.h"
#include "worker/teacher_factory.h"
#include "worker/worker_runtime.h"

namespace codi {

int RunCommand(int argc, char** argv) {
  FlagSet flags("codi run", "run a whole job in one process, resumable from its state directory");
  flags.AddUsage(
      "codi run JOB.yaml [--teacher URL]... [--state DIR] [--out DIR] [--concurrency N]");
  std::vector<std::string> teachers;
  std::string state_dir, out_dir, docs, progress = "auto", format = "jsonl";
  ConcurrencyFlags concurrency_flags;
  double progress_every = 10;
  bool fsync = false;
  flags.StringList("teacher", "CODI_TEACHER", &teachers,
                   "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1; overrides the job's "
                   "teacher.endpoints");
  AddStateFlag(&flags, &state_dir, "default state/<job name>; rerun with the same one to resume");
  AddOutDirFlag(&flags, &out_dir, "default out/<job name>");
  flags.String("docs", "CODI_DOCS", &docs, "documents JSONL, overrides the job's documents.path");
  concurrency_flags.Add(&flags);
  flags.String("format", "", &format, "export format: jsonl, brackets or chat");
  flags.String("progress", "", &progress,
               "auto (bar on a terminal, lines otherwise), bar, lines or none");
  flags.Double("progress-every", "", &progress_every, "seconds between progress lines");
  flags.Bool("fsync", "CODI_FSYNC", &fsync,
             "fsync the WAL on every checkpoint (survives power loss; slower)");
  DedupFlags dedup_flags;
  AddDedupFlags(&flags, &dedup_flags);
  if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  const absl::StatusOr<DedupOptions> dedup = DedupOptionsFrom(dedup_flags);
  if (!dedup.ok()) {
    std::cerr << "codi run: " << dedup.status().message() << "\n";
    return 2;
  }
  if (flags.positional().size() != 1) {
    std::cerr << "codi run: expected one job file (see --help)\n";
    return 2;
  }
  if (absl::Status valid = concurrency_flags.Validate(); !valid.ok()) {
    std::cerr << "codi run: " << valid.message() << "\n";
    return 2;
  }
  const std::optional<ExportFormat> export_format = ParseExportFormat(format);
  if (!export_format.has_value()) {
    std::cerr << "codi run: --format must be jsonl, brackets or chat\n";
    return 2;
  }
  auto loaded = LoadJobSpecFile(flags.positional()[0]);
  if (!loaded.ok()) {
    std::cerr << "codi run: " << loaded.status().message() << "\n";
    return 2;
  }
  if (!docs.empty()) loaded->mutable_documents()->set_path(docs);
  if (loaded->documents().path().empty()) {
    std::cerr << "codi run: no documents: set documents.path in the job or pass --docs FILE\n";
    return 2;
  }
  if (teachers.empty() && loaded->teacher().endpoints().empty()) {
    std::cerr << "codi run: no teacher endpoint: set teacher.endpoints in the job or pass "
                 "--teacher URL\n";
    return 2;
  }
  // The export settings (the chat role map) are checked before the job is
  // stored and any work starts, not after the teacher has done all of it.
  if (auto settings = ExportSettingsFor(*loaded, *export_format, 0); !settings.ok()) {
    std::cerr << "codi run: " << flags.positional()[0] << ": " << settings.status().message()
              << "\n";
    return 2;
  }
  // Endpoints given on the command line are not part of the job's identity:
  // a resumed run may point at other replicas.
  const std::string job_id = loaded->name();
  if (state_dir.empty()) state_dir = "state/" + job_id;
  if (out_dir.empty()) out_dir = "out/" + job_id;
  std::error_code ec;
  const std::string docs_path = std::filesystem::absolute(loaded->documents().path(), ec).string();

  BlockTerminationSignals();
  auto state = OpenLocalState(state_dir, fsync);
  if (!state.ok()) {
    std::cerr << "codi run: " << state.status().message() << "\n";
    return 1;
  }
  Clock* clock = RealClock();
  CoordinatorOptions coord_options;
  coord_options.recovered_lease_grace = absl::ZeroDuration();  // nobody else holds leases
  coord_options.clock = clock;
  auto coordinator = JobCoordinator::Create(state->store.get(), coord_options);
  if (!coordinator.ok()) {
    std::cerr << "codi run: " << coordinator.status().message() << "\n";
    return 1;
  }
  // The coordinator checks the spec and applies its defaults, as for `codi
  // submit`; the job's settings are read back from it.
  auto submitted = (*coordinator)->SubmitJob(*loaded, docs_path, job_id);
  if (!submitted.ok()) {
    std::cerr << "codi run: " << submitted.status().message() << "\n";
    const absl::StatusCode code = submitted.status().code();
    return code == absl::StatusCode::kNotFound || code == absl::StatusCode::kAlreadyExists ||
                   code == absl::StatusCode::kInvalidArgument
               ? 2
               : 1;
  }
  codi::v1::JobSpecRequest spec_request;
  spec_request.set_job_id(job_id);
  auto job_spec = (*coordinator)->GetJobSpec(spec_request);
  if (!job_spec.ok()) {
    std::cerr << "codi run: " << job_spec.status().message() << "\n";
    return 1;
  }
  const codi::v1::JobSpec& spec = job_spec->spec();

  WorkerOptions worker_options;
  worker_options.worker_id = "local";
  worker_options.exit_when_idle = true;
  worker_options.clock = clock;
  auto limiters = std::make_shared<LimiterRegistry>(concurrency_flags.LimiterOptions(), clock);
  const int replicas =
      static_cast<int>(teachers.empty() ? spec.teacher().endpoints_size() : teachers.size());
  concurrency_flags.Apply(replicas, limiters, &worker_options);
  worker_options.make_teacher = [&teachers, limiters](const codi::v1::JobSpec& s) {
    return MakeTeacherForJob(s, teachers, nullptr, limiters);
  };
  // The teacher settings are checked before any work starts.
  if (auto teacher = MakeTeacherForJob(spec, teachers); !teacher.ok()) {
    std::cerr << "codi run: " << teacher.status().message() << "\n";
    return 2;
  }
  WorkerRuntime runtime(coordinator->get(), worker_options);
  std::atomic<bool> interrupted{false};
  WatchTerminationSignals([&](int) {
    interrupted.store(true);
    runtime.Stop();
  });

  const bool bar = progress == "bar" || (progress == "auto" && isatty(STDERR_FILENO));
  ProgressPrinter printer(bar, clock->Now());
  ProgressRates rates(clock);
  auto snapshot = [&] {
    auto p = (*coordinator)->Progress(job_id);
    codi::v1::JobStatus status = p.ok() ? ToJobStatus(job_id, *p) : codi::v1::JobStatus();
    rates.Update(&status);
    ProgressSnapshot s = SnapshotOf(status);
    AddLimiterFigures(limiters->States(), &s);
    return s;
  };
  snapshot();  // the baseline: the first line's rates are over its first interval
  // Prints every `every` until the run ends; the end wakes it at once.
  Mutex finished_mu;
  bool finished = false;
  std::thread progress_thread([&] {
    if (progress == "none") return;
    const absl::Duration every = bar ? absl::Milliseconds(250) : absl::Seconds(progress_every);
    MutexLock lock(&finished_mu);
    while (
        !clock->AwaitWithDeadline(&finished_mu, absl::Condition(&finished), clock->Now() + every)) {
      printer.Print(snapshot(), clock->Now());
    }
  });
  absl::Status run_status = runtime.Run();
  {
    MutexLock lock(&finished_mu);
    finished = true;
  }
  progress_thread.join();
  if (progress != "none") {
    printer.Print(snapshot(), clock->Now());
    printer.Finish();
  }
  if (interrupted.load()) {
    std::cerr << "codi run: interrupted; finished turns are saved in " << state_dir
              << ", run the same command again to resume\n";
    return 130;
  }
  if (!run_status.ok()) {
    std::cerr << "codi run: " << run_status.message() << "\n";
    return 1;
  }
  auto progress_now = (*coordinator)->Progress(job_id);
  auto written = WriteJobOutputs(*state->store, job_id, out_dir, *export_format, 0, *dedup);
  if (!written.ok()) {
    std::cerr << "codi run: " << written.status().message() << "\n";
    return 1;
  }
  std::cout << "wrote " << *written << " conversations to "
            << std::filesystem::absolute(out_dir, ec).string() << " (report: " << out_dir
            << "/report.json, dataset card: " << out_dir << "/README.md)\n";
  if (progress_now.ok() && progress_now->state == codi::v1::JOB_STATE_FAILED) return 1;
  if (progress_now.ok() && progress_now->done == 0 && progress_now->failed > 0) {
    std::cerr << "codi run: every conversation failed; see the report's failures_by_reason\n";
    return 1;
  }
  return 0;
}

}  // namespace codi
