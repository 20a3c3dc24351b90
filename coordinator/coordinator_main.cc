// codi-coordinator: serves the client API and the worker API over gRPC, owns
// the RocksDB state, and recovers every job on restart.
#include <filesystem>
#include <iostream>

#include "absl/synchronization/notification.h"
#include "common/base/flags.h"
#include "common/base/logging.h"
#include "common/service/metrics_server.h"
#include "common/service/server_flags.h"
#include "common/service/termination_signals.h"
#include "common/storage/rocksdb_store.h"
#include "coordinator/coordinator_metrics.h"
#include "coordinator/grpc_services.h"
#include "coordinator/job_coordinator.h"
#include "coordinator/state_store.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

int main(int argc, char** argv) {
  codi::BlockTerminationSignals();
  codi::FlagSet flags(
      "codi-coordinator",
      "serves jobs to clients and conversations to workers; owns the RocksDB state");
  flags.AddUsage("codi-coordinator --listen HOST:PORT --state DIR [--lease-ttl-s N] [--fsync]");
  std::string listen = "127.0.0.1:7070", state_dir;
  int64_t lease_ttl_s = 60, grace_s = -1;
  bool fsync = false;
  flags.String("listen", "CODI_LISTEN", &listen,
               "gRPC address to serve on; port 0 picks a free port (printed as 'listening on')");
  flags.String("state", "CODI_STATE", &state_dir, "RocksDB state directory (required)");
  flags.Int("lease-ttl-s", "CODI_LEASE_TTL_S", &lease_ttl_s,
            "seconds a lease lives without a report or heartbeat");
  flags.Int("recovery-grace-s", "CODI_RECOVERY_GRACE_S", &grace_s,
            "seconds leases found at start-up stay with their workers (default: the lease TTL)");
  flags.Bool("fsync", "CODI_FSYNC", &fsync,
             "fsync the WAL on every checkpoint (survives power loss; slower)");
  codi::ServerFlags server_flags(&flags);
  if (auto r = flags.Parse(argc, argv); r != codi::FlagSet::kOk)
    return r == codi::FlagSet::kHelp ? 0 : 2;
  if (!server_flags.ApplyLogLevel()) return 2;
  if (state_dir.empty() || !flags.positional().empty()) {
    std::cerr << "codi-coordinator: --state DIR is required and no positional arguments are taken "
                 "(see --help)\n";
    return 2;
  }
  if (lease_ttl_s < 1) {
    std::cerr << "codi-coordinator: --lease-ttl-s must be at least 1\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  auto kv = codi::OpenRocksDbStore(state_dir + "/db", codi::StateStore::Tables());
  if (!kv.ok()) {
    std::cerr << "codi-coordinator: " << kv.status().message() << "\n";
    return 1;
  }
  codi::StateStore store(kv->get(), fsync);
  codi::CoordinatorMetrics metrics;
  store.set_write_observer([&metrics](absl::Duration d) { metrics.ObserveStoreWrite(d); });
  codi::CoordinatorOptions options;
  options.observer = &metrics;
  options.lease_ttl = absl::Seconds(lease_ttl_s);
  options.recovered_lease_grace = absl::Seconds(grace_s < 0 ? lease_ttl_s : grace_s);
  auto coordinator = codi::JobCoordinator::Create(&store, options);
  if (!coordinator.ok()) {
    std::cerr << "codi-coordinator: " << coordinator.status().message() << "\n";
    return 1;
  }
  codi::DocumentUploads uploads(state_dir + "/uploads");
  codi::CoordinatorServiceImpl client_service(coordinator->get(), &store, &uploads,
                                              codi::RealClock());
  codi::WorkServiceImpl work_service(coordinator->get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&client_service);
  builder.RegisterService(&work_service);
  builder.SetMaxReceiveMessageSize(64 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "codi-coordinator: cannot listen on " << listen << "\n";
    return 1;
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::cout << "listening on " << host << ":" << port << std::endl;
  codi::MetricsServer metrics_server(
      metrics.registry(), [&] { metrics.Refresh(**coordinator, **kv, options.lease_ttl); });
  if (!server_flags.StartMetrics(&metrics_server)) return 1;
  codi::Log(codi::LogLevel::kInfo, "coordinator_started",
            {{"listen", host + ":" + std::to_string(port)}, {"state", state_dir}});

  absl::Notification stop;
  codi::WatchTerminationSignals([&](int) {
    if (!stop.HasBeenNotified()) stop.Notify();
  });
  stop.WaitForNotification();
  codi::Log(codi::LogLevel::kInfo, "coordinator_stopping", {});
  // Readiness first: probes see NOT_SERVING while in-flight calls finish.
  if (auto* health = server->GetHealthCheckService(); health != nullptr) {
    health->SetServingStatus(false);
  }
  client_service.StopWatches();
  (*coordinator)->CancelWaits();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  metrics_server.Stop();
  if (auto flushed = (*kv)->Flush(); !flushed.ok()) {
    codi::Log(codi::LogLevel::kError, "flush_failed", {{"error", std::string(flushed.message())}});
  }
  coordinator->reset();
  kv->reset();  // closes RocksDB
  codi::Log(codi::LogLevel::kInfo, "coordinator_stopped", {});
  return 0;
}
