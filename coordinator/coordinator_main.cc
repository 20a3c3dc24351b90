// codi-coordinator: serves the client API and the worker API over gRPC, owns
// the RocksDB state, and recovers every job on restart.
#include <filesystem>
#include <iostream>

#include "common/base/flags.h"
#include "common/base/logging.h"
#include "common/base/mutex.h"
#include "common/security/security_flags.h"
#include "common/service/metrics_server.h"
#include "common/service/server_flags.h"
#include "common/service/termination_signals.h"
#include "common/storage/rocksdb_store.h"
#include "coordinator/coordinator_metrics.h"
#include "coordinator/grpc_services.h"
#include "coordinator/job_coordinator.h"
#include "coordinator/state_store.h"
#include "coordinator/store_health.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

int main(int argc, char** argv) {
  codi::DisableMutexDeadlockDetection();
  codi::BlockTerminationSignals();
  codi::BlockReloadSignal();
  codi::FlagSet flags(
      "codi-coordinator",
      "serves jobs to clients and conversations to workers; owns the RocksDB state");
  flags.AddUsage("codi-coordinator --listen HOST:PORT --state DIR [--lease-ttl-s N] [--fsync]");
  flags.AddUsage(
      "codi-coordinator ... --tls-cert FILE --tls-key FILE [--tls-client-ca FILE] "
      "[--auth-tokens FILE] [--documents-root DIR]");
  std::string listen = "127.0.0.1:7070", state_dir, health_listen, documents_root;
  int64_t lease_ttl_s = 60, grace_s = -1;
  int64_t max_upload_bytes = int64_t{1} << 30, max_message_bytes = 64 << 20,
          max_spec_bytes = 1 << 20, max_jobs = 64, max_watches = 64;
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
  flags.String("health-listen", "CODI_HEALTH_LISTEN", &health_listen,
               "also serve the gRPC health service alone, in plain text, on HOST:PORT (for probes "
               "that cannot speak TLS; empty: off)");
  flags.String("documents-root", "CODI_DOCUMENTS_ROOT", &documents_root,
               "a job's documents.path must resolve inside DIR (relative paths are taken from "
               "DIR); empty: any path the coordinator can read, for loopback demos only");
  flags.Int("max-upload-bytes", "CODI_MAX_UPLOAD_BYTES", &max_upload_bytes,
            "largest documents upload (codi submit --docs) in bytes");
  flags.Int("max-message-bytes", "CODI_MAX_MESSAGE_BYTES", &max_message_bytes,
            "largest gRPC message received, in bytes");
  flags.Int("max-spec-bytes", "CODI_MAX_SPEC_BYTES", &max_spec_bytes,
            "largest job spec a submit may carry, in bytes");
  flags.Int("max-jobs", "CODI_MAX_JOBS", &max_jobs, "jobs running at once");
  flags.Int("max-watches", "CODI_MAX_WATCHES", &max_watches,
            "WatchJob streams open at once (each holds a server thread)");
  codi::ServerSecurityOptions security_options;
  codi::AddServerSecurityFlags(&flags, &security_options);
  codi::ServerFlags server_flags(&flags);
  if (auto r = flags.Parse(argc, argv); r != codi::FlagSet::kOk)
    return r == codi::FlagSet::kHelp ? 0 : 2;
  if (!server_flags.ApplyLogLevel()) return 2;
  if (max_upload_bytes < 1 || max_message_bytes < 1024 || max_message_bytes > INT32_MAX ||
      max_spec_bytes < 1 || max_jobs < 1 || max_watches < 1) {
    std::cerr << "codi-coordinator: --max-upload-bytes, --max-spec-bytes, --max-jobs and "
                 "--max-watches must be at least 1, --max-message-bytes 1024..2147483647\n";
    return 2;
  }
  auto security = codi::LoadServerSecurity(security_options);
  if (!security.ok()) {
    std::cerr << "codi-coordinator: " << security.status().message() << "\n";
    return 2;
  }
  if (documents_root.empty()) {
    codi::Log(codi::LogLevel::kWarning, "documents_unconfined",
              {{"why",
                "no --documents-root: a job may name any file the coordinator can read; "
                "use only on loopback"}});
  } else {
    // Created when missing, like --state: on a fresh volume it is not there yet.
    std::error_code root_ec;
    std::filesystem::create_directories(documents_root, root_ec);
    if (!std::filesystem::is_directory(documents_root)) {
      std::cerr << "codi-coordinator: --documents-root " << documents_root
                << " is not a directory and cannot be created\n";
      return 2;
    }
  }
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
  // A refused write turns health NOT_SERVING until one succeeds again.
  codi::StoreHealth store_health(&store, codi::RealClock(), &metrics);
  store.set_status_observer([&store_health](std::string_view operation, const absl::Status& s) {
    store_health.Observe(operation, s);
  });
  codi::CoordinatorOptions options;
  options.observer = &metrics;
  options.lease_ttl = absl::Seconds(lease_ttl_s);
  options.recovered_lease_grace = absl::Seconds(grace_s < 0 ? lease_ttl_s : grace_s);
  options.documents_root = documents_root;
  options.max_running_jobs = static_cast<size_t>(max_jobs);
  options.max_spec_bytes = static_cast<size_t>(max_spec_bytes);
  auto coordinator = codi::JobCoordinator::Create(&store, options);
  if (!coordinator.ok()) {
    std::cerr << "codi-coordinator: " << coordinator.status().message() << "\n";
    return 1;
  }
  codi::DocumentUploads uploads(state_dir + "/uploads", static_cast<uint64_t>(max_upload_bytes));
  codi::CoordinatorServiceImpl client_service(coordinator->get(), &store, &uploads,
                                              codi::RealClock(), static_cast<size_t>(max_watches));
  codi::WorkServiceImpl work_service(coordinator->get(), coordinator->get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, security->credentials, &port);
  builder.RegisterService(&client_service);
  builder.RegisterService(&work_service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "codi-coordinator: cannot listen on " << listen << "\n";
    return 1;
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::cout << "listening on " << host << ":" << port << std::endl;
  // A second server carrying nothing but its own health service, in plain
  // text: kubelet's gRPC probes cannot present TLS. It mirrors the main one.
  std::unique_ptr<grpc::Server> health_server;
  // Answers UNIMPLEMENTED to anything but the health service; gRPC will not
  // build a server without at least one service of its own.
  grpc::CallbackGenericService unimplemented;
  if (!health_listen.empty()) {
    grpc::ServerBuilder health_builder;
    health_builder.RegisterCallbackGenericService(&unimplemented);
    int health_port = 0;
    health_builder.AddListeningPort(health_listen, grpc::InsecureServerCredentials(), &health_port);
    health_server = health_builder.BuildAndStart();
    if (health_server == nullptr || health_port == 0) {
      std::cerr << "codi-coordinator: cannot listen on " << health_listen << "\n";
      return 1;
    }
    std::cout << "health on " << health_listen.substr(0, health_listen.rfind(':')) << ":"
              << health_port << std::endl;
  }
  // Set before the listener below so that health follows the store from now on.
  codi::Mutex health_mu;
  bool stopping = false;
  auto set_serving = [&](bool serving) {
    for (grpc::Server* s : {server.get(), health_server.get()}) {
      if (s == nullptr) continue;
      if (auto* health = s->GetHealthCheckService(); health != nullptr) {
        health->SetServingStatus(serving);
      }
    }
  };
  store_health.AddListener([&](bool healthy) {
    codi::MutexLock lock(&health_mu);
    if (!stopping) set_serving(healthy);
  });
  codi::MetricsServer metrics_server(
      metrics.registry(), [&] { metrics.Refresh(**coordinator, **kv, options.lease_ttl); });
  if (!server_flags.StartMetrics(&metrics_server)) return 1;
  codi::Log(codi::LogLevel::kInfo, "coordinator_started",
            {{"listen", host + ":" + std::to_string(port)}, {"state", state_dir}});

  codi::Notification stop;
  codi::WatchTerminationSignals([&](int) {
    if (!stop.HasBeenNotified()) stop.Notify();
  });
  if (security->auth != nullptr) {
    // A bad file keeps the table in use; Reload logs which.
    codi::WatchReloadSignal([auth = security->auth] { (void)auth->Reload(); });
  }
  stop.WaitForNotification();
  codi::Log(codi::LogLevel::kInfo, "coordinator_stopping", {});
  // Readiness first: probes see NOT_SERVING while in-flight calls finish.
  {
    codi::MutexLock lock(&health_mu);
    stopping = true;
    set_serving(false);
  }
  store_health.Stop();
  client_service.StopWatches();
  (*coordinator)->CancelWaits();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  if (health_server != nullptr) health_server->Shutdown();
  metrics_server.Stop();
  if (auto flushed = (*kv)->Flush(); !flushed.ok()) {
    codi::Log(codi::LogLevel::kError, "flush_failed", {{"error", std::string(flushed.message())}});
  }
  coordinator->reset();
  kv->reset();  // closes RocksDB
  codi::Log(codi::LogLevel::kInfo, "coordinator_stopped", {});
  return 0;
}
