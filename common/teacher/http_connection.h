// One keep-alive HTTP/1.1 client connection over plain TCP, for the teacher's
// http:// endpoints: the request goes out in one sendmsg() and the reply is
// read with blocking recv() calls bounded by SO_RCVTIMEO, so a turn costs one
// send and usually one receive (cpp-httplib polls before every read and
// writes headers and body separately). https endpoints keep using
// cpp-httplib. Not thread-safe: one request at a time per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace codi {

struct HttpReply {
  int status = 0;
  std::string body;
  bool has_retry_after = false;
  std::string retry_after;  // the Retry-After header's value
};

// How a round trip failed, for the caller's retry decision.
enum class HttpFailure {
  kNone,
  kConnect,  // could not connect (refused, unreachable, name unknown, connect timeout)
  kTimeout,  // no byte of the reply (or of its rest) within the read timeout
  kReset,    // write failed, connection closed early, or a reply that is not HTTP
};

class HttpConnection {
 public:
  // Connects to host:port (a name or an IPv4/IPv6 address) within
  // `connect_timeout_ms`; reads and writes then time out after `io_timeout_ms`
  // without progress. On failure returns null and sets `error`.
  static std::unique_ptr<HttpConnection> Connect(const std::string& host, uint16_t port,
                                                 int connect_timeout_ms, int io_timeout_ms,
                                                 std::string* error);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Whether an idle connection can carry another request: the peer has not
  // closed it and sent nothing unasked (one non-blocking peek, no poll).
  bool StillOpen() const;

  // Sends `head` (request line and headers, ending in the blank line) and
  // `body`, and reads one reply into `reply`. On failure `detail` says why.
  HttpFailure RoundTrip(absl::string_view head, absl::string_view body, HttpReply* reply,
                        std::string* detail);

  // After a successful RoundTrip: whether the connection may be reused
  // (HTTP/1.1 without "Connection: close", or a keep-alive HTTP/1.0 reply).
  bool reusable() const { return reusable_; }

 private:
  explicit HttpConnection(int fd);

  // Reads more bytes into buf_ (growing it); kNone, or why not.
  HttpFailure Fill(std::string* detail);
  HttpFailure ReadBody(size_t from, size_t length, HttpReply* reply, std::string* detail);
  HttpFailure ReadChunked(size_t from, HttpReply* reply, std::string* detail);
  HttpFailure ReadToClose(size_t from, HttpReply* reply, std::string* detail);

  int fd_ = -1;
  bool reusable_ = false;
  bool eof_ = false;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t len_ = 0;
};

}  // namespace codi
