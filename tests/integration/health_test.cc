// The coordinator serves the standard gRPC health service (grpc.health.v1),
// which Kubernetes' native gRPC probes call, and stops cleanly on SIGTERM.
#include <signal.h>

#include <chrono>
#include <thread>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/generic_call.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace codi::testing {
namespace {

const std::string kBin = CODI_BIN_DIR;

// grpc.health.v1.Health/Check for the whole server (service ""): the request
// is an empty HealthCheckRequest; the reply's field 1 is the status
// (1 SERVING, 2 NOT_SERVING). Returns the reply's bytes, or "" with `error`.
std::string HealthCheck(const std::string& address, std::string* error) {
  std::string reply;
  grpc::Status status =
      GenericUnaryCall(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
                       "/grpc.health.v1.Health/Check", "", &reply);
  if (!status.ok()) {
    *error = status.error_message();
    return "";
  }
  return reply;
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

TEST(Health, ATlsCoordinatorAnswersPlainTextHealthChecksOnItsHealthPortOnly) {
  TempDir dir;
  const auto certs = MakeTestCerts(dir);
  ASSERT_TRUE(certs.error.empty()) << certs.error;
  ChildProcess coordinator;
  ASSERT_TRUE(coordinator.Start({kBin + "/codi-coordinator", "--listen", "127.0.0.1:0", "--state",
                                 dir.File("state"), "--tls-cert", certs.server_cert, "--tls-key",
                                 certs.server_key, "--health-listen", "127.0.0.1:0"},
                                dir.File("c.out"), dir.File("c.err")));
  const std::string address = coordinator.WaitForListenAddress(20);
  ASSERT_FALSE(address.empty()) << ReadFile(dir.File("c.err"));
  std::string health_address;
  for (int i = 0; i < 100 && health_address.empty(); ++i) {
    for (const auto& line : ReadLines(dir.File("c.out"))) {
      if (line.rfind("health on ", 0) == 0) health_address = line.substr(10);
    }
    if (health_address.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(health_address.empty()) << ReadFile(dir.File("c.out"));
  std::string error;
  EXPECT_EQ(HealthCheck(health_address, &error), std::string("\x08\x01", 2)) << error;
  // The main port speaks TLS only; the health port carries nothing else.
  EXPECT_EQ(HealthCheck(address, &error), "");
  grpc::Status other =
      GenericUnaryCall(grpc::CreateChannel(health_address, grpc::InsecureChannelCredentials()),
                       "/codi.v1.CoordinatorService/ListJobs", "");
  EXPECT_EQ(other.error_code(), grpc::StatusCode::UNIMPLEMENTED) << other.error_message();
  coordinator.Signal(SIGTERM);
  EXPECT_EQ(coordinator.Wait(30), 0) << ReadFile(dir.File("c.err"));
}

}  // namespace
}  // namespace codi::testing
