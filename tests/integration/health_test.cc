// The coordinator serves the standard gRPC health service (grpc.health.v1),
// which Kubernetes' native gRPC probes call, and stops cleanly on SIGTERM.
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace codi::testing {
namespace {

const std::string kBin = CODI_BIN_DIR;

// grpc.health.v1.Health/Check for the whole server (service ""): the request
// is an empty HealthCheckRequest; the reply's field 1 is the status
// (1 SERVING, 2 NOT_SERVING). Returns the reply's bytes, or "" with `error`.
std::string HealthCheck(const std::string& address, std::string* error) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::ByteBuffer request(nullptr, 0), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait_for(lock, std::chrono::seconds(15), [&] { return done; });
  if (!done || !status.ok()) {
    *error = done ? status.error_message() : "no reply";
    return "";
  }
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}

// Starts a coordinator on `dir`'s state directory, its output in NAME.out and
// NAME.err; returns its gRPC address, or "" if it did not come up.
std::string StartCoordinator(const TempDir& dir, const std::string& name, ChildProcess& process) {
  if (!process.Start(
          {kBin + "/codi-coordinator", "--listen", "127.0.0.1:0", "--state", dir.File("state")},
          dir.File(name + ".out"), dir.File(name + ".err"))) {
    return "";
  }
  return process.WaitForListenAddress(20);
}

TEST(Health, CoordinatorAnswersTheGrpcHealthCheckAndStopsCleanlyOnSigterm) {
  TempDir dir;
  ChildProcess coordinator;
  const std::string address = StartCoordinator(dir, "coordinator", coordinator);
  ASSERT_FALSE(address.empty()) << ReadFile(dir.File("coordinator.err"));
  std::string error;
  EXPECT_EQ(HealthCheck(address, &error), std::string("\x08\x01", 2)) << "SERVING; " << error;
  coordinator.Signal(SIGTERM);
  EXPECT_EQ(coordinator.Wait(30), 0) << ReadFile(dir.File("coordinator.err"));
  EXPECT_NE(ReadFile(dir.File("coordinator.err")).find("coordinator_stopped"), std::string::npos);
  // The state directory opens again: RocksDB was closed cleanly.
  ChildProcess again;
  const std::string address2 = StartCoordinator(dir, "again", again);
  ASSERT_FALSE(address2.empty()) << ReadFile(dir.File("again.err"));
  EXPECT_EQ(HealthCheck(address2, &error), std::string("\x08\x01", 2)) << error;
  again.Signal(SIGTERM);
  EXPECT_EQ(again.Wait(30), 0);
}

}  // namespace
}  // namespace codi::testing
