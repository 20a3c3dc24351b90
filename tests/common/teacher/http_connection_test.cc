#include "common/teacher/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

using ::testing::HasSubstr;

// A reply piece that makes the server close the connection there.
const std::string kClose = "<close>";

// A one-connection TCP server on 127.0.0.1 (port chosen by the kernel) that
// answers each request with the next scripted reply, written in the given
// pieces; an empty script entry means: close without answering.
class ScriptedTcpServer {
 public:
  explicit ScriptedTcpServer(std::vector<std::vector<std::string>> replies)
      : replies_(std::move(replies)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(listen_fd_, 4), 0);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedTcpServer() {
    shutdown(listen_fd_, SHUT_RDWR);
    Join();
    close(listen_fd_);
  }

  uint16_t port() const { return port_; }
  // Waits until the server has served its script and the client has closed.
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // The requests received, as bytes (after Join()).
  const std::vector<std::string>& requests() const { return requests_; }

 private:
  void Serve() {
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string in;
    for (const std::vector<std::string>& reply : replies_) {
      // One request: the head, then Content-Length bytes of body.
      size_t head_end;
      while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
        if (!Read(fd, &in)) return Close(fd);
      }
      size_t length = 0;
      const size_t at = in.find("Content-Length: ");
      if (at != std::string::npos && at < head_end) {
        EXPECT_TRUE(absl::SimpleAtoi(in.substr(at + 16, in.find("\r\n", at) - at - 16), &length));
      }
      while (in.size() < head_end + 4 + length) {
        if (!Read(fd, &in)) return Close(fd);
      }
      requests_.push_back(in.substr(0, head_end + 4 + length));
      in.erase(0, head_end + 4 + length);
      if (reply.empty()) return Close(fd);
      for (const std::string& piece : reply) {
        if (piece == kClose) return Close(fd);
        EXPECT_EQ(send(fd, piece.data(), piece.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(piece.size()));
        std::this_thread::yield();
      }
    }
    // Script done: wait for the client to close (or the test to end).
    std::string rest;
    while (Read(fd, &rest)) {
    }
    Close(fd);
  }
  static bool Read(int fd, std::string* in) {
    char buf[4096];
    const ssize_t got = recv(fd, buf, sizeof(buf), 0);
    if (got <= 0) return false;
    in->append(buf, static_cast<size_t>(got));
    return true;
  }
  static void Close(int fd) { close(fd); }

  std::vector<std::vector<std::string>> replies_;
  std::vector<std::string> requests_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

std::unique_ptr<HttpConnection> ConnectTo(const ScriptedTcpServer& server, int io_ms = 10000) {
  std::string error;
  auto connection = HttpConnection::Connect("127.0.0.1", server.port(), 5000, io_ms, &error);
  EXPECT_NE(connection, nullptr) << error;
  return connection;
}

const std::string kHead =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n";

TEST(HttpConnection, SendsTheRequestAsGivenAndReadsAContentLengthReplyInPieces) {
  ScriptedTcpServer server({{"HTTP/1.1 429 Too Many\r\nRetry-After:  7 \r\nContent-Le",
                             "ngth: 11\r\n\r\nhello", " world"},
                            {"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"}});
  auto connection = ConnectTo(server);
  ASSERT_NE(connection, nullptr);
  HttpReply reply;
  std::string error;
  ASSERT_EQ(connection->RoundTrip(kHead, "ping", &reply, &error), HttpFailure::kNone) << error;
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.body, "hello world");
  EXPECT_TRUE(reply.has_retry_after);
  EXPECT_EQ(reply.retry_after, "7");
  EXPECT_TRUE(connection->reusable());
  EXPECT_TRUE(connection->StillOpen());
  ASSERT_EQ(connection->RoundTrip(kHead, "pong", &reply, &error), HttpFailure::kNone) << error;
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");
  EXPECT_FALSE(reply.has_retry_after);
  connection.reset();
  server.Join();
  EXPECT_THAT(server.requests(), ::testing::ElementsAre(kHead + "ping", kHead + "pong"));
}

TEST(HttpConnection, ReadsAChunkedReplyWithExtensionsAndTrailers) {
  ScriptedTcpServer server({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                             "5;ext=1\r\nhello\r\n", "6\r\n worl", "d\r\n0\r\nX-T: 1\r\n\r\n"}});
  auto connection = ConnectTo(server);
  ASSERT_NE(connection, nullptr);
  HttpReply reply;
  std::string error;
  ASSERT_EQ(connection->RoundTrip(kHead, "ping", &reply, &error), HttpFailure::kNone) << error;
  EXPECT_EQ(reply.body, "hello world");
  EXPECT_TRUE(connection->reusable());
}

TEST(HttpConnection, ReadsToTheCloseWithoutALengthAndHonoursConnectionClose) {
  {
    ScriptedTcpServer server({{"HTTP/1.0 200 OK\r\n\r\nall of ", "it", kClose}});
    auto connection = ConnectTo(server);
    ASSERT_NE(connection, nullptr);
    HttpReply reply;
    std::string error;
    ASSERT_EQ(connection->RoundTrip(kHead, "ping", &reply, &error), HttpFailure::kNone) << error;
    EXPECT_EQ(reply.body, "all of it");
    EXPECT_FALSE(connection->reusable());
  }
  ScriptedTcpServer server(
      {{"HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"}});
  auto connection = ConnectTo(server);
  ASSERT_NE(connection, nullptr);
  HttpReply reply;
  std::string error;
  ASSERT_EQ(connection->RoundTrip(kHead, "ping", &reply, &error), HttpFailure::kNone) << error;
  EXPECT_EQ(reply.status, 500);
  EXPECT_FALSE(connection->reusable());
}

TEST(HttpConnection, SaysWhyARoundTripFailed) {
  {
    ScriptedTcpServer server({std::vector<std::string>{}});  // closes without a reply
    auto connection = ConnectTo(server);
    ASSERT_NE(connection, nullptr);
    HttpReply reply;
    std::string error;
    EXPECT_EQ(connection->RoundTrip(kHead, "ping", &reply, &error), HttpFailure::kReset);
    EXPECT_THAT(error, HasSubstr("closed"));
  }
  {
    ScriptedTcpServer server({{"SMTP ready\r\n\r\n"}});
    auto connection = ConnectTo(server);
    ASSERT_NE(connection, nullptr);
    HttpReply reply;
    std::string error;
    EXPECT_EQ(connection->RoundTrip(kHead, "ping", &reply, &error), HttpFailure::kReset);
    EXPECT_THAT(error, HasSubstr("not HTTP"));
  }
  {
    ScriptedTcpServer server({{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"}, {}});
    auto connection = ConnectTo(server, /*io_ms=*/200);
    ASSERT_NE(connection, nullptr);
    HttpReply reply;
    std::string error;
    // The promised bytes never come: the read times out.
    EXPECT_EQ(connection->RoundTrip(kHead, "ping", &reply, &error), HttpFailure::kTimeout);
  }
  // A port nothing listens on: connecting fails with a reason.
  int port = 0;
  {
    ScriptedTcpServer server(std::vector<std::vector<std::string>>{});
    port = server.port();
  }
  std::string error;
  EXPECT_EQ(HttpConnection::Connect("127.0.0.1", static_cast<uint16_t>(port), 2000, 2000, &error),
            nullptr);
  EXPECT_THAT(error, HasSubstr("could not connect"));
}

}  // namespace
}  // namespace codi
