#include "tools/teacher_sim/request_log.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace codi {

absl::StatusOr<std::unique_ptr<RequestLog>> RequestLog::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--request-log ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<RequestLog>(new RequestLog(f));
}

RequestLog::~RequestLog() {
  MutexLock lock(&mu_);
  std::fclose(file_);
}

void RequestLog::Append(const RequestLogEntry& entry) {
  nlohmann::ordered_json line;
  line["request_id"] = entry.request_id;
  line["status"] = entry.status;
  line["fault"] = entry.fault;
  line["prompt_tokens"] = entry.prompt_tokens;
  line["cached_tokens"] = entry.cached_tokens;
  line["seed"] = entry.seed;
  line["ms"] = static_cast<double>(static_cast<int64_t>(entry.ms * 100)) / 100;  // 0.01 ms
  // Invalid UTF-8 in a client's header is replaced rather than thrown on.
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  MutexLock lock(&mu_);
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

}  // namespace codi
