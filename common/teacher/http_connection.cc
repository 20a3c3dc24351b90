#include "common/teacher/http_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace codi {
namespace {

constexpr size_t kInitialBuffer = 64 * 1024;
constexpr size_t kMaxHeaderBytes = 64 * 1024;
// A chat completion is kilobytes; a reply this large is not one.
constexpr size_t kMaxReplyBytes = 64 * 1024 * 1024;

timeval ToTimeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

// Connects `fd` (non-blocking) within `timeout_ms`; 0 or an errno.
int ConnectWithin(int fd, const sockaddr* addr, socklen_t len, int timeout_ms) {
  if (connect(fd, addr, len) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  pollfd p{fd, POLLOUT, 0};
  int ready;
  do {
    ready = poll(&p, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) return ETIMEDOUT;
  if (ready < 0) return errno;
  int error = 0;
  socklen_t error_len = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_len) != 0) return errno;
  return error;
}

// The end of the header block (the index after its blank line) in
// text[0, size), or 0 when it is not complete yet. Bare LF line ends are
// accepted as well as CRLF.
size_t HeaderEnd(const char* text, size_t size) {
  for (size_t i = 0; i + 1 < size; ++i) {
    if (text[i] != '\n') continue;
    if (text[i + 1] == '\n') return i + 2;
    if (text[i + 1] == '\r' && i + 2 < size && text[i + 2] == '\n') return i + 3;
  }
  return 0;
}

// The next line of `text` from `pos` without its line end; `next` is set past
// it. False when no full line is there yet.
bool NextLine(absl::string_view text, size_t pos, absl::string_view* line, size_t* next) {
  const size_t nl = text.find('\n', pos);
  if (nl == absl::string_view::npos) return false;
  size_t end = nl;
  if (end > pos && text[end - 1] == '\r') --end;
  *line = text.substr(pos, end - pos);
  *next = nl + 1;
  return true;
}

bool ContainsIgnoreCase(absl::string_view haystack, absl::string_view needle) {
  return absl::StrContains(absl::AsciiStrToLower(haystack), needle);
}

}  // namespace

std::unique_ptr<HttpConnection> HttpConnection::Connect(const std::string& host, uint16_t port,
                                                        int connect_timeout_ms, int io_timeout_ms,
                                                        std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(port);
  const int gai = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found);
  if (gai != 0) {
    *error = absl::StrCat("cannot resolve ", host, ": ", gai_strerror(gai));
    return nullptr;
  }
  int last_errno = ECONNREFUSED;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd =
        socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    last_errno = ConnectWithin(fd, a->ai_addr, a->ai_addrlen, connect_timeout_ms);
    if (last_errno != 0) {
      close(fd);
      continue;
    }
    freeaddrinfo(found);
    // Blocking from here on: reads and writes wait in the kernel, bounded by
    // the socket timeouts, instead of a poll() before each one.
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const timeval io = ToTimeval(io_timeout_ms);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &io, sizeof(io));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &io, sizeof(io));
    return std::unique_ptr<HttpConnection>(new HttpConnection(fd));
  }
  freeaddrinfo(found);
  *error = absl::StrCat("could not connect to ", host, ":", port, ": ",
                        last_errno == ETIMEDOUT ? "timed out" : std::strerror(last_errno));
  return nullptr;
}

HttpConnection::HttpConnection(int fd) : fd_(fd) {}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) close(fd_);
}

bool HttpConnection::StillOpen() const {
  char c;
  const ssize_t got = recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

HttpFailure HttpConnection::Fill(std::string* detail) {
  if (cap_ - len_ < 4096) {
    if (cap_ >= kMaxReplyBytes + kMaxHeaderBytes) {
      *detail = "reply larger than 64 MiB";
      return HttpFailure::kReset;
    }
    const size_t cap = std::max(kInitialBuffer, cap_ * 2);
    std::unique_ptr<char[]> grown(new char[cap]);
    if (len_ > 0) std::memcpy(grown.get(), buf_.get(), len_);
    buf_ = std::move(grown);
    cap_ = cap;
  }
  while (true) {
    const ssize_t got = recv(fd_, buf_.get() + len_, cap_ - len_, 0);
    if (got > 0) {
      len_ += static_cast<size_t>(got);
      return HttpFailure::kNone;
    }
    if (got == 0) {
      eof_ = true;
      *detail = "connection closed without a complete reply";
      return HttpFailure::kReset;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      *detail = "no reply within the read timeout";
      return HttpFailure::kTimeout;
    }
    *detail = absl::StrCat("read failed: ", std::strerror(errno));
    return HttpFailure::kReset;
  }
}

HttpFailure HttpConnection::RoundTrip(absl::string_view head, absl::string_view body,
                                      HttpReply* reply, std::string* detail) {
  reusable_ = false;
  eof_ = false;
  len_ = 0;
  *reply = HttpReply();

  // The whole request in one system call (one TCP segment on loopback).
  iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
  size_t part = 0;
  while (part < 2) {
    msghdr msg{};
    msg.msg_iov = parts + part;
    msg.msg_iovlen = 2 - part;
    const ssize_t sent = sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      *detail = errno == EAGAIN || errno == EWOULDBLOCK
                    ? std::string("request not accepted within the write timeout")
                    : absl::StrCat("write failed: ", std::strerror(errno));
      return errno == EAGAIN || errno == EWOULDBLOCK ? HttpFailure::kTimeout : HttpFailure::kReset;
    }
    size_t left = static_cast<size_t>(sent);
    while (part < 2 && left >= parts[part].iov_len) left -= parts[part++].iov_len;
    if (part < 2) {
      parts[part].iov_base = static_cast<char*>(parts[part].iov_base) + left;
      parts[part].iov_len -= left;
    }
  }

  size_t header_end = 0;
  while ((header_end = HeaderEnd(buf_.get(), len_)) == 0) {
    if (len_ > kMaxHeaderBytes) {
      *detail = "reply headers larger than 64 KiB";
      return HttpFailure::kReset;
    }
    if (HttpFailure f = Fill(detail); f != HttpFailure::kNone) return f;
  }

  const absl::string_view text(buf_.get(), header_end);
  absl::string_view line;
  size_t pos = 0;
  NextLine(text, 0, &line, &pos);
  // "HTTP/1.1 200 OK"
  if (line.size() < 12 || !absl::StartsWith(line, "HTTP/1.") || line[8] != ' ' ||
      !absl::SimpleAtoi(line.substr(9, 3), &reply->status) || reply->status < 100 ||
      (line.size() > 12 && line[12] != ' ')) {
    *detail = "reply is not HTTP/1.x";
    return HttpFailure::kReset;
  }
  bool keep_alive = line[7] == '1';  // HTTP/1.1 keeps the connection by default
  bool chunked = false;
  bool has_length = false;
  size_t length = 0;
  while (NextLine(text, pos, &line, &pos) && !line.empty()) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    const absl::string_view name = line.substr(0, colon);
    const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "Content-Length")) {
      uint64_t n = 0;
      if (!absl::SimpleAtoi(value, &n) || (has_length && n != length)) {
        *detail = "bad Content-Length in the reply";
        return HttpFailure::kReset;
      }
      if (n > kMaxReplyBytes) {
        *detail = "reply larger than 64 MiB";
        return HttpFailure::kReset;
      }
      has_length = true;
      length = static_cast<size_t>(n);
    } else if (absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      chunked = ContainsIgnoreCase(value, "chunked");
    } else if (absl::EqualsIgnoreCase(name, "Connection")) {
      if (ContainsIgnoreCase(value, "close")) keep_alive = false;
      if (ContainsIgnoreCase(value, "keep-alive")) keep_alive = true;
    } else if (absl::EqualsIgnoreCase(name, "Retry-After")) {
      reply->has_retry_after = true;
      reply->retry_after = std::string(value);
    }
  }

  HttpFailure body_result = HttpFailure::kNone;
  const int status = reply->status;
  if (status < 200 || status == 204 || status == 304) {
    reusable_ = keep_alive && len_ == header_end;
  } else if (chunked) {
    body_result = ReadChunked(header_end, reply, detail);
    reusable_ = keep_alive && body_result == HttpFailure::kNone;
  } else if (has_length) {
    body_result = ReadBody(header_end, length, reply, detail);
    reusable_ = keep_alive && body_result == HttpFailure::kNone && len_ == header_end + length;
  } else {
    body_result = ReadToClose(header_end, reply, detail);
    reusable_ = false;
  }
  return body_result;
}

HttpFailure HttpConnection::ReadBody(size_t from, size_t length, HttpReply* reply,
                                     std::string* detail) {
  if (cap_ < from + length + 1) {
    // One allocation for the whole body rather than doubling towards it.
    std::unique_ptr<char[]> grown(new char[from + length + 4096]);
    std::memcpy(grown.get(), buf_.get(), len_);
    buf_ = std::move(grown);
    cap_ = from + length + 4096;
  }
  while (len_ < from + length) {
    if (HttpFailure f = Fill(detail); f != HttpFailure::kNone) return f;
  }
  reply->body.assign(buf_.get() + from, length);
  return HttpFailure::kNone;
}

HttpFailure HttpConnection::ReadChunked(size_t from, HttpReply* reply, std::string* detail) {
  size_t pos = from;
  while (true) {
    absl::string_view line;
    size_t next = 0;
    while (!NextLine(absl::string_view(buf_.get(), len_), pos, &line, &next)) {
      if (HttpFailure f = Fill(detail); f != HttpFailure::kNone) return f;
    }
    const absl::string_view size_text = absl::StripAsciiWhitespace(line.substr(0, line.find(';')));
    uint64_t size = 0;
    if (size_text.empty() || size_text.size() > 8 || !absl::SimpleHexAtoi(size_text, &size)) {
      *detail = "bad chunk size in the reply";
      return HttpFailure::kReset;
    }
    pos = next;
    if (size == 0) {
      // Trailers, up to the blank line.
      while (true) {
        while (!NextLine(absl::string_view(buf_.get(), len_), pos, &line, &next)) {
          if (HttpFailure f = Fill(detail); f != HttpFailure::kNone) return f;
        }
        pos = next;
        if (line.empty()) break;
      }
      if (pos != len_) reusable_ = false;
      return HttpFailure::kNone;
    }
    if (reply->body.size() + size > kMaxReplyBytes) {
      *detail = "reply larger than 64 MiB";
      return HttpFailure::kReset;
    }
    while (len_ < pos + size + 1) {
      if (HttpFailure f = Fill(detail); f != HttpFailure::kNone) return f;
    }
    reply->body.append(buf_.get() + pos, size);
    pos += size;
    // The chunk's line end: CRLF (or a bare LF).
    while (!NextLine(absl::string_view(buf_.get(), len_), pos, &line, &next)) {
      if (HttpFailure f = Fill(detail); f != HttpFailure::kNone) return f;
    }
    if (!line.empty()) {
      *detail = "bad chunk in the reply";
      return HttpFailure::kReset;
    }
    pos = next;
  }
}

HttpFailure HttpConnection::ReadToClose(size_t from, HttpReply* reply, std::string* detail) {
  while (!eof_) {
    if (len_ - from > kMaxReplyBytes) {
      *detail = "reply larger than 64 MiB";
      return HttpFailure::kReset;
    }
    HttpFailure f = Fill(detail);
    if (f != HttpFailure::kNone && !eof_) return f;
  }
  reply->body.assign(buf_.get() + from, len_ - from);
  return HttpFailure::kNone;
}

}  // namespace codi
