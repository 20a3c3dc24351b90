#include "common/security/token_auth_processor.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::TempDir;
using codi::testing::WriteFile;

constexpr char kReaderToken[] = "reader-token-0123456789";
constexpr char kWorkerToken[] = "worker-token-9876543210";

class TokenAuthProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.File("tokens"), std::string("reader ") + Sha256Hex(kReaderToken) + " r\n");
    auto table = TokenTable::Load(dir_.File("tokens"));
    ASSERT_TRUE(table.ok()) << table.status();
    processor_ = std::make_unique<TokenAuthProcessor>(dir_.File("tokens"), *std::move(table));
  }

  // Process() for a call of `method` carrying `authorization` (none if empty).
  grpc::Status Call(const std::string& method, const std::string& authorization,
                    grpc::AuthMetadataProcessor::OutputMetadata* consumed = nullptr) {
    grpc::AuthMetadataProcessor::InputMetadata metadata;
    metadata.insert({":path", method});
    if (!authorization.empty()) metadata.insert({"authorization", authorization});
    grpc::AuthMetadataProcessor::OutputMetadata ignored, response;
    return processor_->Process(metadata, nullptr, consumed ? consumed : &ignored, &response);
  }

  TempDir dir_;
  std::unique_ptr<TokenAuthProcessor> processor_;
};

TEST_F(TokenAuthProcessorTest, AdmitsAKnownTokenWithinItsRoleAndConsumesIt) {
  grpc::AuthMetadataProcessor::OutputMetadata consumed;
  grpc::Status status =
      Call("/codi.v1.CoordinatorService/GetJob", std::string("Bearer ") + kReaderToken, &consumed);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(consumed.count("authorization"), 1u) << "services never see the token";
}

TEST_F(TokenAuthProcessorTest, RefusesMissingUnknownAndOutOfRoleCallsWithoutEchoingTheToken) {
  const std::string method = "/codi.v1.CoordinatorService/CancelJob";
  EXPECT_EQ(Call(method, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call(method, std::string("Basic ") + kReaderToken).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status unknown = Call(method, "Bearer not-a-known-token");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(unknown.error_message().find("not-a-known-token"), std::string::npos);
  grpc::Status denied = Call(method, std::string("Bearer ") + kReaderToken);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.error_message(), "role reader may not call " + method);
  EXPECT_TRUE(Call("/grpc.health.v1.Health/Check", "").ok());
}

TEST_F(TokenAuthProcessorTest, ReloadSwapsTheTableAndABadFileKeepsTheOldOne) {
  const std::string method = "/codi.v1.WorkService/Lease";
  EXPECT_EQ(Call(method, std::string("Bearer ") + kWorkerToken).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  WriteFile(dir_.File("tokens"), std::string("worker ") + Sha256Hex(kWorkerToken) + "\n");
  ASSERT_TRUE(processor_->Reload().ok());
  EXPECT_TRUE(Call(method, std::string("Bearer ") + kWorkerToken).ok());
  WriteFile(dir_.File("tokens"), "worker nonsense\n");
  absl::Status bad = processor_->Reload();
  EXPECT_EQ(bad.message(), dir_.File("tokens") +
                               ":1: the second field must be the token's SHA-256 as 64 hex digits");
  EXPECT_TRUE(Call(method, std::string("Bearer ") + kWorkerToken).ok()) << "the old table stays";
}

}  // namespace
}  // namespace codi
