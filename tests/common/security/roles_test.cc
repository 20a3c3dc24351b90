#include "common/security/roles.h"

#include <set>
#include <string>

#include "codi/v1/service.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(Roles, TheTableNamesEveryRpcOfBothServicesAndNothingElse) {
  std::set<std::string> rpcs;
  // Through the messages' files, which links the generated descriptors in.
  for (const auto* descriptor :
       {codi::v1::JobRef::descriptor()->file()->FindServiceByName("CoordinatorService"),
        codi::v1::JobRef::descriptor()->file()->FindServiceByName("WorkService")}) {
    ASSERT_NE(descriptor, nullptr);
    const std::string service = descriptor->full_name();
    for (int i = 0; i < descriptor->method_count(); ++i) {
      rpcs.insert("/" + service + "/" + descriptor->method(i)->name());
    }
  }
  const auto table = MethodsWithRoles();
  EXPECT_EQ(std::set<std::string>(table.begin(), table.end()), rpcs);
}

TEST(Roles, EachRoleMayCallExactlyItsMethods) {
  const std::string coord = "/codi.v1.CoordinatorService/";
  const std::string work = "/codi.v1.WorkService/";
  for (const std::string m :
       {"GetJob", "ListJobs", "WatchJob", "StreamConversations", "GetReport"}) {
    EXPECT_TRUE(RoleMayCall(Role::kReader, coord + m)) << m;
    EXPECT_TRUE(RoleMayCall(Role::kClient, coord + m)) << m;
    EXPECT_FALSE(RoleMayCall(Role::kWorker, coord + m)) << m;
  }
  for (const std::string m : {"SubmitJob", "SubmitJobWithDocuments", "CancelJob"}) {
    EXPECT_FALSE(RoleMayCall(Role::kReader, coord + m)) << m;
    EXPECT_TRUE(RoleMayCall(Role::kClient, coord + m)) << m;
    EXPECT_FALSE(RoleMayCall(Role::kWorker, coord + m)) << m;
  }
  for (const std::string m : {"Lease", "ReportTurn", "Finish", "Report", "Release", "Heartbeat"}) {
    EXPECT_FALSE(RoleMayCall(Role::kReader, work + m)) << m;
    EXPECT_FALSE(RoleMayCall(Role::kClient, work + m)) << m;
    EXPECT_TRUE(RoleMayCall(Role::kWorker, work + m)) << m;
  }
  // Export reads the stored spec: readers and clients may too.
  for (Role r : {Role::kReader, Role::kClient, Role::kWorker}) {
    EXPECT_TRUE(RoleMayCall(r, work + "GetJobSpec"));
  }
  for (const auto& m : MethodsWithRoles()) EXPECT_TRUE(RoleMayCall(Role::kAdmin, m)) << m;
  EXPECT_FALSE(RoleMayCall(Role::kClient, "/codi.v1.CoordinatorService/Unknown"));
}

TEST(Roles, OnlyTheHealthServiceIsOpen) {
  EXPECT_TRUE(IsOpenMethod("/grpc.health.v1.Health/Check"));
  EXPECT_TRUE(IsOpenMethod("/grpc.health.v1.Health/Watch"));
  EXPECT_FALSE(IsOpenMethod("/codi.v1.CoordinatorService/ListJobs"));
  EXPECT_FALSE(IsOpenMethod(""));
}

TEST(Roles, NamesParseBackAndUnknownOnesAreRefused) {
  for (Role r : {Role::kAdmin, Role::kClient, Role::kReader, Role::kWorker}) {
    auto parsed = ParseRole(RoleName(r));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, r);
  }
  EXPECT_EQ(ParseRole("root").status().message(),
            "unknown role 'root' (admin, client, reader or worker)");
}

}  // namespace
}  // namespace codi
