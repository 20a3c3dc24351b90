#include "common/teacher/endpoint_url.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

using ::testing::HasSubstr;

TEST(ParseEndpointUrl, SplitsSchemeHostPortAndPath) {
  absl::StatusOr<EndpointUrl> url = ParseEndpointUrl("http://127.0.0.1:8000/v1");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8000);
  EXPECT_EQ(url->path, "/v1");
  EXPECT_EQ(url->SchemeHostPort(), "http://127.0.0.1:8000");
  EXPECT_EQ(url->Base(), "http://127.0.0.1:8000/v1");
}

TEST(ParseEndpointUrl, DefaultsThePortFromTheSchemeAndDropsTrailingSlashes) {
  absl::StatusOr<EndpointUrl> https = ParseEndpointUrl("HTTPS://api.example.com/openai/v1/");
  ASSERT_TRUE(https.ok()) << https.status();
  EXPECT_EQ(https->scheme, "https");
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->path, "/openai/v1");
  absl::StatusOr<EndpointUrl> http = ParseEndpointUrl("http://vllm-0.vllm.svc");
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->path, "");
  EXPECT_EQ(http->Base(), "http://vllm-0.vllm.svc:80");
}

TEST(ParseEndpointUrl, AcceptsBracketedIpv6Hosts) {
  absl::StatusOr<EndpointUrl> url = ParseEndpointUrl("http://[::1]:9000/v1");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(url->SchemeHostPort(), "http://[::1]:9000");
}

TEST(ParseEndpointUrl, RejectsBadUrlsNamingThem) {
  for (const std::string bad :
       {"", "localhost:8000", "ftp://host/v1", "http://", "http:///v1", "http://:8000",
        "http://host:", "http://host:0", "http://host:65536", "http://host:-1", "http://host:8x",
        "http://user:pw@host/v1", "http://host/v1?key=1", "http://host/v1#frag", "http://ho st/",
        "http://[::1/v1", "http://[]:80", "http://[::1]x"}) {
    SCOPED_TRACE(bad);
    absl::StatusOr<EndpointUrl> url = ParseEndpointUrl(bad);
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(url.status().message()), HasSubstr("\"" + bad + "\""));
  }
}

}  // namespace
}  // namespace codi
