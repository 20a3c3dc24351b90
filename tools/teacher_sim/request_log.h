// An append-only JSON-lines log of chat-completion requests, one line per
// request, flushed at once so a reader sees it even if a client is killed
// right after.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/base/mutex.h"

namespace codi {

struct RequestLogEntry {
  std::string request_id;  // the X-Request-Id header, or ""
  int status = 0;          // HTTP status, 0 for a hang (no reply)
  std::string fault;       // FaultName(), "none" when there was none
  uint64_t prompt_tokens = 0;
  uint64_t cached_tokens = 0;
  uint64_t seed = 0;
  // Time inside the simulator, from the request's arrival to its reply:
  // queueing for a batch slot included, so it is the latency a client on
  // loopback sees (tools/bench reads percentiles from it).
  double ms = 0;
};

// Thread-safe.
class RequestLog {
 public:
  // Opens `path` for appending (created if missing).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RequestLog>> Open(const std::string& path);
  ~RequestLog();

  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // Writes {"request_id":..,"status":..,"fault":..,"prompt_tokens":..,
  // "cached_tokens":..,"seed":..,"ms":..} and a newline, then flushes.
  void Append(const RequestLogEntry& entry);

 private:
  explicit RequestLog(std::FILE* file) : file_(file) {}

  Mutex mu_;
  std::FILE* file_ ABSL_GUARDED_BY(mu_);
};

}  // namespace codi
