// Store faults (issue 12): a store that refuses writes (disk full, I/O error)
// makes the coordinator acknowledge nothing it has not written, go
// NOT_SERVING with the reason in its metrics, and carry on when writes
// succeed again. Driven end to end: a real worker runtime over gRPC against a
// coordinator whose store fails on demand.
#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "common/spec/job_defaults.h"
#include "coordinator/coordinator_metrics.h"
#include "coordinator/grpc_services.h"
#include "coordinator/job_coordinator.h"
#include "coordinator/store_health.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "tests/support/generic_call.h"
#include "tests/support/job_specs.h"
#include "tests/support/memory_store.h"
#include "tests/support/temp_dir.h"
#include "worker/grpc_work_source.h"
#include "worker/worker_runtime.h"

namespace codi {
namespace {

using codi::testing::TempDir;

// Answers every prompt at once; the first answer also makes the store start
// refusing writes, so the turn it produced cannot be checkpointed.
class BreakingTeacher : public TeacherClient {
 public:
  explicit BreakingTeacher(FailingStore* store) : store_(store) {}

  absl::StatusOr<CompletionResult> Complete(const CompletionRequest&,
                                            uint32_t* attempts_out) override {
    if (attempts_out != nullptr) *attempts_out = 1;
    const int n = calls_.fetch_add(1);
    if (n == 0) store_->fail_writes.store(true);
    CompletionResult r;
    r.text = "reply " + std::to_string(n);
    r.finish_reason = "stop";
    return r;
  }

 private:
  FailingStore* store_;
  std::atomic<int> calls_{0};
};

// The gRPC health of the whole server: 1 SERVING, 2 NOT_SERVING, 0 no answer.
int Health(const std::string& address) {
  std::string reply;
  grpc::Status status =
      testing::GenericUnaryCall(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
                                "/grpc.health.v1.Health/Check", "", &reply);
  if (!status.ok() || reply.size() != 2) return 0;
  return reply[1];
}

std::string Scrape(CoordinatorMetrics& metrics) {
  return prometheus::TextSerializer().Serialize(metrics.registry()->Collect());
}

// Polls `done` every 20 ms for up to `limit` (generous: the machine may be slow).
template <typename F>
bool Eventually(F done, absl::Duration limit = absl::Seconds(60)) {
  const absl::Time end = RealClock()->Now() + limit;
  while (RealClock()->Now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

TEST(StoreFaults, ARefusedWriteIsNotAcknowledgedHealthGoesNotServingAndTheJobCompletesOnce) {
  TempDir dir;
  {
    std::ofstream docs(dir.File("docs.jsonl"));
    for (const char* id : {"a", "b", "c"}) {
      docs << R"({"id": ")" << id << R"(", "text": "Some text about )" << id << R"(."})"
           << "\n";
    }
  }
  FailingStore kv(StateStore::Tables());
  StateStore store(&kv, /*sync_writes=*/false);
  CoordinatorMetrics metrics;
  StoreHealth health(&store, RealClock(), &metrics, absl::Milliseconds(50));
  store.set_status_observer([&health](std::string_view operation, const absl::Status& s) {
    health.Observe(operation, s);
  });
  CoordinatorOptions options;
  options.observer = &metrics;
  options.lease_ttl = absl::Seconds(60);
  options.recovered_lease_grace = absl::ZeroDuration();
  auto coordinator = JobCoordinator::Create(&store, options);
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  codi::v1::JobSpec spec = testing::AskAnswerJob("faults", /*length=*/2);
  spec.set_samples_per_document(2);
  ASSERT_TRUE((*coordinator)->SubmitJob(WithDefaults(spec), dir.File("docs.jsonl"), "faults").ok());

  // The coordinator's gRPC edge, its health following the store as in codi-coordinator.
  grpc::EnableDefaultHealthCheckService(true);
  WorkServiceImpl work(coordinator->get(), coordinator->get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&work);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  health.AddListener(
      [&server](bool healthy) { server->GetHealthCheckService()->SetServingStatus(healthy); });
  EXPECT_EQ(Health(address), 1);

  GrpcWorkSource source(address, grpc::InsecureChannelCredentials());
  WorkerOptions worker_options;
  worker_options.concurrency = 2;
  worker_options.exit_when_idle = true;
  worker_options.lease_wait = absl::Milliseconds(500);
  worker_options.make_teacher =
      [&kv](const codi::v1::JobSpec&) -> absl::StatusOr<std::shared_ptr<TeacherClient>> {
    return std::make_shared<BreakingTeacher>(&kv);
  };
  WorkerRuntime worker(&source, worker_options);
  absl::Status worker_status;
  std::thread worker_thread([&] { worker_status = worker.Run(); });

  // The first turn's report is refused: nothing checkpointed, NOT_SERVING,
  // the reason in the metrics, and the worker keeps retrying it.
  ASSERT_TRUE(Eventually([&] { return kv.refused.load() >= 2 && Health(address) == 2; }))
      << "refused " << kv.refused.load() << ", health " << Health(address);
  EXPECT_FALSE(health.healthy());
  EXPECT_NE(health.reason().find("No space left on device"), std::string::npos) << health.reason();
  auto progress = (*coordinator)->Progress("faults");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->turns, 0u) << "a refused write was acknowledged";
  EXPECT_EQ(progress->done, 0u);
  const std::string failing = Scrape(metrics);
  EXPECT_NE(failing.find("codi_coordinator_store_healthy 0"), std::string::npos) << failing;
  EXPECT_NE(failing.find("codi_coordinator_store_errors_total{operation=\"report\"}"),
            std::string::npos)
      << failing;

  // Writes succeed again: the probe brings health back, the worker's retry
  // lands, and the job completes with every conversation exactly once.
  kv.fail_writes.store(false);
  ASSERT_TRUE(Eventually([&] { return Health(address) == 1; }));
  ASSERT_TRUE(Eventually([&] {
    auto p = (*coordinator)->Progress("faults");
    return p.ok() && p->state != codi::v1::JOB_STATE_RUNNING;
  }));
  worker_thread.join();
  EXPECT_TRUE(worker_status.ok()) << worker_status;
  progress = (*coordinator)->Progress("faults");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->state, codi::v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(progress->done, 6u);
  EXPECT_EQ(progress->failed, 0u);
  EXPECT_EQ(progress->turns, 12u);
  std::multiset<std::string> exported;
  ASSERT_TRUE(store
                  .ScanResults("faults",
                               [&](const codi::v1::Conversation& c) {
                                 exported.insert(c.doc_id() + "/" + std::to_string(c.sample()));
                                 EXPECT_EQ(c.turns_size(), 3);  // CONTEXT and two generated
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(exported, (std::multiset<std::string>{"a/0", "a/1", "b/0", "b/1", "c/0", "c/1"}));
  EXPECT_TRUE(health.healthy());
  EXPECT_NE(Scrape(metrics).find("codi_coordinator_store_healthy 1"), std::string::npos);
  health.Stop();
  server->Shutdown();
}

}  // namespace
}  // namespace codi
