#include "tools/teacher_sim/listen_address.h"

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(ListenAddress, ParsesHostAndPort) {
  auto a = ParseListenAddress("--listen", "127.0.0.1:8000");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8000);
  EXPECT_EQ(a->ToString(8000), "127.0.0.1:8000");
}

TEST(ListenAddress, ParsesBracketedIpv6AndPortZero) {
  auto a = ParseListenAddress("--listen", "[::1]:0");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 0);
  EXPECT_EQ(a->ToString(4242), "[::1]:4242");
}

TEST(ListenAddress, RejectsMalformedValuesNamingTheFlag) {
  for (const char* bad :
       {"", "8000", "host:", ":80", "host:99999", "host:-1", "host:x", "::1:80"}) {
    auto a = ParseListenAddress("--listen", bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.status().message().rfind("--listen: ", 0), 0u) << a.status().message();
  }
}

}  // namespace
}  // namespace codi
