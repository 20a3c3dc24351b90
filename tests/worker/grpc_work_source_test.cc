// GrpcWorkSource against a real gRPC server on 127.0.0.1 whose WorkService
// counts the calls it gets: with a linger, the reports of every conversation
// leased through the source go to the coordinator in one call.
#include "worker/grpc_work_source.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "codi/v1/service.grpc.pb.h"
#include "common/base/mutex.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

// Leases as many conversations as asked for and accepts every report,
// recording how many reports each Report call carried.
class CountingWorkService final : public codi::v1::WorkService::Service {
 public:
  grpc::Status Lease(grpc::ServerContext*, const codi::v1::LeaseRequest* request,
                     codi::v1::LeaseResponse* response) override {
    MutexLock lock(&mu_);
    for (uint32_t i = 0; i < request->max_conversations(); ++i) {
      codi::v1::Lease* lease = response->add_leases();
      lease->mutable_key()->set_job_id("job");
      lease->mutable_key()->set_doc_id("doc");
      lease->mutable_key()->set_sample(next_sample_++);
      lease->set_epoch(1);
    }
    return grpc::Status::OK;
  }
  grpc::Status Report(grpc::ServerContext*, const codi::v1::ReportBatch* request,
                      codi::v1::ReportBatchResponse* response) override {
    MutexLock lock(&mu_);
    batches_.push_back(request->turns_size() + request->finishes_size());
    for (int i = 0; i < request->turns_size(); ++i) response->add_turns();
    for (int i = 0; i < request->finishes_size(); ++i) response->add_finishes();
    return grpc::Status::OK;
  }
  std::vector<int> TakeBatches() {
    MutexLock lock(&mu_);
    return std::exchange(batches_, {});
  }

 private:
  Mutex mu_;
  uint32_t next_sample_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<int> batches_ ABSL_GUARDED_BY(mu_);
};

class GrpcWorkSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    address_ = "127.0.0.1:" + std::to_string(port);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  CountingWorkService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(GrpcWorkSourceTest, WithALingerTheReportsOfEveryLeasedConversationGoInOneCall) {
  constexpr int kConversations = 12;
  // A linger far longer than the test: the call goes once every leased
  // conversation's report is queued, not when the linger ends.
  GrpcWorkSource source(address_, grpc::InsecureChannelCredentials(), absl::Seconds(60),
                        absl::Seconds(600));
  codi::v1::LeaseRequest request;
  request.set_worker_id("w");
  request.set_max_conversations(kConversations);
  auto leased = source.Lease(request);
  ASSERT_TRUE(leased.ok()) << leased.status();
  ASSERT_EQ(leased->leases_size(), kConversations);

  auto all_at_once = [&](auto report_one) {
    std::vector<absl::Status> answers(kConversations);
    std::vector<std::thread> threads;
    for (int i = 0; i < kConversations; ++i) {
      threads.emplace_back([&, i] { answers[i] = report_one(leased->leases(i)); });
    }
    for (auto& t : threads) t.join();
    for (const absl::Status& s : answers) EXPECT_TRUE(s.ok()) << s;
  };
  all_at_once([&](const codi::v1::Lease& lease) {
    codi::v1::TurnReport report;
    *report.mutable_key() = lease.key();
    report.set_epoch(lease.epoch());
    report.mutable_turn()->set_text("turn");
    return source.ReportTurn(report);
  });
  EXPECT_EQ(service_.TakeBatches(), std::vector<int>{kConversations});
  all_at_once([&](const codi::v1::Lease& lease) {
    codi::v1::FinishReport finish;
    *finish.mutable_key() = lease.key();
    finish.set_epoch(lease.epoch());
    return source.Finish(finish);
  });
  EXPECT_EQ(service_.TakeBatches(), std::vector<int>{kConversations});

  // Every conversation has finished: a report now waits for nobody.
  codi::v1::TurnReport late;
  *late.mutable_key() = leased->leases(0).key();
  EXPECT_TRUE(source.ReportTurn(late).ok());
  EXPECT_EQ(service_.TakeBatches(), std::vector<int>{1});
}

}  // namespace
}  // namespace codi
