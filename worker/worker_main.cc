// codi-worker: stateless; leases conversations from a codi-coordinator and
// executes them against teacher endpoints. SIGTERM: stop leasing, let the
// current turns finish, hand the rest back, exit 0.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "common/base/clock.h"
#include "common/base/flags.h"
#include "common/base/logging.h"
#include "common/base/mutex.h"
#include "common/security/security_flags.h"
#include "common/service/metrics_server.h"
#include "common/service/server_flags.h"
#include "common/service/termination_signals.h"
#include "worker/concurrency_flags.h"
#include "worker/grpc_work_source.h"
#include "worker/teacher_factory.h"
#include "worker/worker_metrics.h"
#include "worker/worker_runtime.h"

int main(int argc, char** argv) {
  codi::DisableMutexDeadlockDetection();
  codi::BlockTerminationSignals();
  codi::FlagSet flags("codi-worker", "executes conversations leased from a codi-coordinator");
  flags.AddUsage("codi-worker --coordinator HOST:PORT [--teacher URL]... [--concurrency N]");
  std::string coordinator = "127.0.0.1:7070", worker_id;
  std::vector<std::string> teachers;
  codi::ConcurrencyFlags concurrency_flags;
  int64_t heartbeat_ms = 10000, lease_wait_ms = 10000, shutdown_deadline_s = 60, coalesce_ms = 2;
  flags.String("coordinator", "CODI_COORDINATOR", &coordinator, "coordinator gRPC address");
  flags.StringList(
      "teacher", "CODI_TEACHER", &teachers,
      "OpenAI-compatible base URL (repeatable); overrides the jobs' teacher.endpoints");
  concurrency_flags.Add(&flags);
  flags.String("worker-id", "CODI_WORKER_ID", &worker_id,
               "name in logs and leases (default host-pid)");
  flags.Int("heartbeat-ms", "CODI_HEARTBEAT_MS", &heartbeat_ms, "interval of lease heartbeats");
  flags.Int("lease-wait-ms", "CODI_LEASE_WAIT_MS", &lease_wait_ms,
            "longest a lease request waits at the coordinator for work to appear (a long "
            "poll: new work is handed out as soon as it exists)");
  flags.Int("coalesce-ms", "CODI_COALESCE_MS", &coalesce_ms,
            "longest the first of this worker's turn reports (or lease requests) waits for the "
            "others to join its call to the coordinator: fewer, larger calls cost the "
            "coordinator less CPU per turn; 0 sends at once");
  flags.Int("shutdown-deadline-s", "CODI_SHUTDOWN_DEADLINE_S", &shutdown_deadline_s,
            "after SIGTERM, seconds in-flight turns get to finish before the worker hands "
            "their conversations back and exits 0 (keep below the pod's grace period)");
  codi::ClientSecurityOptions security;
  codi::AddClientSecurityFlags(&flags, &security);
  codi::ServerFlags server_flags(&flags);
  if (auto r = flags.Parse(argc, argv); r != codi::FlagSet::kOk)
    return r == codi::FlagSet::kHelp ? 0 : 2;
  if (!server_flags.ApplyLogLevel()) return 2;
  auto credentials = codi::LoadChannelCredentials(security, /*warn=*/true);
  if (!credentials.ok()) {
    std::cerr << "codi-worker: " << credentials.status().message() << "\n";
    return 2;
  }
  if (absl::Status valid = concurrency_flags.Validate(); !valid.ok()) {
    std::cerr << "codi-worker: " << valid.message() << "\n";
    return 2;
  }
  if (heartbeat_ms < 100 || lease_wait_ms < 100 || shutdown_deadline_s < 0 || coalesce_ms < 0 ||
      coalesce_ms > 1000) {
    std::cerr << "codi-worker: --heartbeat-ms must be >= 100, --lease-wait-ms >= 100, "
                 "--shutdown-deadline-s >= 0, --coalesce-ms 0..1000\n";
    return 2;
  }
  if (worker_id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    worker_id = std::string(host) + "-" + std::to_string(getpid());
  }
  codi::WorkerMetrics metrics;
  codi::MetricsServer metrics_server(metrics.registry());
  if (!server_flags.StartMetrics(&metrics_server)) return 1;
  codi::GrpcWorkSource source(coordinator, *credentials, absl::Seconds(10),
                              absl::Milliseconds(coalesce_ms));
  codi::WorkerOptions options;
  options.worker_id = worker_id;
  auto limiters = std::make_shared<codi::LimiterRegistry>(concurrency_flags.LimiterOptions(),
                                                          codi::RealClock());
  concurrency_flags.Apply(static_cast<int>(teachers.size()), limiters, &options);
  options.exit_when_idle = false;
  options.lease_wait = absl::Milliseconds(lease_wait_ms);
  options.heartbeat_interval = absl::Milliseconds(heartbeat_ms);
  options.observer = &metrics;
  options.make_teacher = [&teachers, &metrics, limiters](const codi::v1::JobSpec& spec) {
    return codi::MakeTeacherForJob(
        spec, teachers,
        [&metrics, limiters](const std::string& endpoint, codi::AttemptOutcome outcome,
                             absl::Duration elapsed, bool will_retry) {
          metrics.TeacherAttempt(endpoint, outcome, elapsed, will_retry);
          metrics.LimiterStates(limiters->States());
        },
        limiters);
  };
  codi::WorkerRuntime runtime(&source, options);
  std::atomic<bool> stopping{false};
  codi::WatchTerminationSignals([&](int signo) {
    codi::Log(
        codi::LogLevel::kInfo, "worker_stopping",
        {{"signal", std::to_string(signo)}, {"deadline_s", std::to_string(shutdown_deadline_s)}});
    runtime.Stop();
    if (stopping.exchange(true)) return;
    // Turns still in flight at the deadline are abandoned: their
    // conversations go back to the coordinator (which refuses any later
    // report of theirs) and the worker exits 0 before the pod's grace
    // period runs out. Run() returning first ends the process normally.
    std::thread([&runtime, shutdown_deadline_s] {
      codi::RealClock()->SleepFor(absl::Seconds(shutdown_deadline_s));
      const int released = runtime.ReleaseHeld();
      codi::Log(codi::LogLevel::kWarning, "shutdown_deadline",
                {{"released", std::to_string(released)}});
      std::fflush(nullptr);
      std::_Exit(0);
    }).detach();
  });
  codi::Log(codi::LogLevel::kInfo, "worker_started",
            {{"worker", worker_id},
             {"coordinator", coordinator},
             {"concurrency", concurrency_flags.Describe()},
             {"max_in_flight", std::to_string(options.concurrency)}});
  absl::Status status = runtime.Run();
  const auto& c = runtime.counters();
  codi::Log(codi::LogLevel::kInfo, "worker_stopped",
            {{"finished", std::to_string(c.conversations_finished.load())},
             {"failed", std::to_string(c.conversations_failed.load())},
             {"turns", std::to_string(c.turns.load())}});
  if (!status.ok()) {
    std::cerr << "codi-worker: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
