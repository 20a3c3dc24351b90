#include "tools/teacher_sim/teacher_sim.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/base/mutex.h"
#include "common/base/stable_hash.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tools/teacher_sim/batch_gate.h"
#include "tools/teacher_sim/chat_request.h"
#include "tools/teacher_sim/prefix_cache.h"
#include "tools/teacher_sim/reply/eval_reply.h"
#include "tools/teacher_sim/reply/prompt_parser.h"
#include "tools/teacher_sim/reply/reply_writer.h"
#include "tools/teacher_sim/request_log.h"
#include "tools/teacher_sim/sim_metrics.h"
#include "tools/teacher_sim/sim_tokenizer.h"

namespace codi {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kDefaultModel[] = "codi-sim";
constexpr char kRefusal[] = "As an AI language model, I cannot help with that.";
constexpr char kJsonType[] = "application/json";

// httplib listens with a fixed backlog of 5; under a burst of connections
// the kernel would drop SYNs and clients would stall for a second. Calling
// listen() again on the bound socket raises the backlog.
class SimHttpServer : public httplib::Server {
 public:
  void RaiseBacklog(int backlog) {
    const auto sock = svr_sock_.load();
    if (sock != INVALID_SOCKET) ::listen(sock, backlog);
  }
};

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// vLLM's error body.
std::string ErrorBody(absl::string_view message, absl::string_view type, int code) {
  Json j;
  j["object"] = "error";
  j["message"] = std::string(message);
  j["type"] = std::string(type);
  j["param"] = nullptr;
  j["code"] = code;
  return Dump(j);
}

uint16_t PortOf(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  }
  return 0;
}

std::string AddressOf(const sockaddr_storage& addr) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, buf, sizeof(buf));
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

// Shuts down the connection a request arrived on, so the client gets no
// reply at all (httplib has no API for this). The socket is found among the
// process's descriptors by its local and peer addresses, which identify one
// TCP connection; httplib's later write fails and it closes the descriptor.
// Returns false when the socket was not found.
bool DropConnection(const httplib::Request& req) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool dropped = false;
  while (dirent* entry = readdir(dir)) {
    int fd;
    if (!absl::SimpleAtoi(entry->d_name, &fd) || fd == dirfd(dir)) continue;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (PortOf(local) != req.local_port || PortOf(peer) != req.remote_port) continue;
    if (AddressOf(peer) != req.remote_addr) continue;
    ::shutdown(fd, SHUT_RDWR);
    dropped = true;
    break;
  }
  closedir(dir);
  return dropped;
}

// Cuts `text` at the first occurrence of any stop string; true if cut.
bool ApplyStop(const std::vector<std::string>& stops, std::string* text) {
  size_t cut = std::string::npos;
  for (const auto& s : stops) {
    if (s.empty()) continue;
    cut = std::min(cut, text->find(s));
  }
  if (cut == std::string::npos) return false;
  text->resize(cut);
  return true;
}

// Keeps the first `n` tokens of `text` (and what lies between them).
void KeepTokens(size_t n, std::string* text) {
  if (n == 0) {
    text->clear();
    return;
  }
  const std::vector<absl::string_view> tokens = SplitTokens(*text);
  if (n >= tokens.size()) return;
  const absl::string_view last = tokens[n - 1];
  text->resize(static_cast<size_t>(last.data() + last.size() - text->data()));
}

}  // namespace

class TeacherSim::Impl {
 public:
  explicit Impl(Options options)
      : options_(std::move(options)),
        cache_(static_cast<size_t>(std::max<int64_t>(options_.block_tokens, 1)),
               static_cast<size_t>(std::max<int64_t>(options_.cache_blocks, 0))),
        faults_(options_.faults, options_.fault_seed),
        gate_(options_.max_batch),
        served_model_(options_.model.empty() ? kDefaultModel : options_.model),
        id_salt_(Mix64(static_cast<uint64_t>(absl::GetCurrentTimeNanos()))) {}

  ~Impl() { Stop(); }

  absl::StatusOr<int> Start(const std::string& host, int port) {
    if (absl::Status s = Validate(options_); !s.ok()) return s;
    {
      MutexLock lock(&lifecycle_mu_);
      if (started_ || stopped_) {
        return absl::FailedPreconditionError("the server was already started");
      }
      started_ = true;
    }
    if (!options_.request_log.empty()) {
      auto log = RequestLog::Open(options_.request_log);
      if (!log.ok()) return log.status();
      log_ = *std::move(log);
    }
    const size_t threads = static_cast<size_t>(TeacherSim::ThreadsFor(options_));
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_keep_alive_max_count(1000000);
    server_.set_keep_alive_timeout(static_cast<time_t>(options_.keep_alive_s));
    // Replies are small: without TCP_NODELAY, Nagle and delayed ACKs add ~40 ms each.
    server_.set_tcp_nodelay(true);
    server_.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                     std::exception_ptr ep) {
      // A safety net: handlers are written not to throw.
      std::string what = "unknown error";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      res.status = 500;
      res.set_content(ErrorBody(absl::StrCat("internal error: ", what), "InternalServerError", 500),
                      kJsonType);
    });
    server_.Get("/health",
                [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      metrics_.SetQueue(gate_.running(), gate_.waiting());
      metrics_.SetBatch(gate_.max_running(), gate_.busy_slot_seconds());
      res.set_content(metrics_.Render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server_.Get("/v1/models", [this](const httplib::Request& req, httplib::Response& res) {
      if (!Authorized(req, res)) return;
      Json model;
      model["id"] = served_model_;
      model["object"] = "model";
      model["created"] = static_cast<int64_t>(std::time(nullptr));
      model["owned_by"] = "codi-teacher-sim";
      model["root"] = served_model_;
      model["parent"] = nullptr;
      if (options_.max_model_len > 0) model["max_model_len"] = options_.max_model_len;
      Json list;
      list["object"] = "list";
      list["data"] = Json::array({model});
      res.set_content(Dump(list), kJsonType);
    });
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req,
                                                httplib::Response& res) { HandleChat(req, res); });

    int bound = port;
    if (port == 0) {
      bound = server_.bind_to_any_port(host);
      if (bound < 0) bound = 0;
    } else if (!server_.bind_to_port(host, port)) {
      bound = 0;
    }
    if (bound <= 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ":", port));
    }
    server_.RaiseBacklog(4096);
    listener_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() does nothing until the accept loop runs, so Stop()
    // right after Start() must not find it not yet running.
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!server_.is_running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    return bound;
  }

  void Stop() {
    {
      MutexLock lock(&lifecycle_mu_);
      if (stopped_) return;
      stopped_ = true;
      stopping_.Notify();
    }
    gate_.Shutdown();
    server_.stop();
    if (listener_.joinable()) listener_.join();
  }

  Counters counters() const {
    Counters c;
    {
      MutexLock lock(&counters_mu_);
      c = counters_;
    }
    c.running = gate_.running();
    c.waiting = gate_.waiting();
    c.peak_running = gate_.peak_running();
    c.max_batch = gate_.max_running();
    c.busy_slot_seconds = gate_.busy_slot_seconds();
    c.hanging = hanging_.load();
    return c;
  }

 private:
  bool Authorized(const httplib::Request& req, httplib::Response& res) {
    if (options_.api_key.empty()) return true;
    if (req.get_header_value("Authorization") == absl::StrCat("Bearer ", options_.api_key)) {
      return true;
    }
    // vLLM's answer to a missing or wrong key.
    res.status = 401;
    res.set_content(R"({"error":"Unauthorized"})", kJsonType);
    return false;
  }

  // One chat-completion request, from parsing to the reply. Fills `entry`
  // and returns the outcome label for metrics.
  void HandleChat(const httplib::Request& req, httplib::Response& res) {
    const absl::Time start = absl::Now();
    RequestLogEntry entry;
    entry.request_id = req.get_header_value("X-Request-Id");
    entry.fault = "none";
    uint64_t completion_tokens = 0;
    const std::string outcome = ServeChat(req, res, &entry, &completion_tokens);
    const bool is_fault = entry.fault != "none";
    const bool client_error = entry.status >= 400 && entry.status < 500 && entry.status != 429;
    {
      MutexLock lock(&counters_mu_);
      ++counters_.requests;
      if (is_fault) ++counters_.faults;
      if (client_error) ++counters_.client_errors;
      if (entry.status == 200) {
        ++counters_.replies;
        counters_.prompt_tokens += entry.prompt_tokens;
        counters_.completion_tokens += completion_tokens;
        counters_.cached_tokens += entry.cached_tokens;
      }
    }
    metrics_.CountRequest(outcome);
    if (entry.status == 200) {
      metrics_.AddTokens(entry.prompt_tokens, completion_tokens, entry.cached_tokens);
    }
    entry.ms = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (log_ != nullptr && entry.fault != "hang") log_->Append(entry);
    if (options_.verbose) {
      std::fprintf(
          stderr,
          "POST /v1/chat/completions status=%d outcome=%s prompt_tokens=%llu "
          "cached_tokens=%llu completion_tokens=%llu ms=%.1f request_id=%s\n",
          entry.status, outcome.c_str(), static_cast<unsigned long long>(entry.prompt_tokens),
          static_cast<unsigned long long>(entry.cached_tokens),
          static_cast<unsigned long long>(completion_tokens), entry.ms, entry.request_id.c_str());
    }
  }

  std::string ServeChat(const httplib::Request& req, httplib::Response& res, RequestLogEntry* entry,
                        uint64_t* completion_tokens) {
    auto fail = [&](int status, absl::string_view message, absl::string_view type,
                    absl::string_view outcome) {
      res.status = status;
      res.set_content(ErrorBody(message, type, status), kJsonType);
      entry->status = status;
      return std::string(outcome);
    };
    if (!Authorized(req, res)) {
      entry->status = 401;
      return "unauthorized";
    }
    absl::StatusOr<ChatRequest> parsed = ParseChatRequest(req.body);
    if (!parsed.ok()) return fail(400, parsed.status().message(), "BadRequestError", "bad_request");
    const ChatRequest& chat = *parsed;
    entry->seed = chat.seed;
    if (!options_.model.empty() && !chat.model.empty() && chat.model != options_.model) {
      return fail(404, absl::StrCat("The model `", chat.model, "` does not exist."),
                  "NotFoundError", "not_found");
    }

    std::vector<uint64_t> token_ids;
    for (const ChatMessage& m : chat.messages) {
      token_ids.push_back(TokenId(absl::StrCat("<|", m.role, "|>")));
      for (absl::string_view t : SplitTokens(m.content)) token_ids.push_back(TokenId(t));
    }
    entry->prompt_tokens = token_ids.size();
    if (options_.max_model_len > 0) {
      const int64_t wanted = static_cast<int64_t>(token_ids.size()) + chat.max_tokens.value_or(0);
      if (wanted > options_.max_model_len) {
        return fail(
            400,
            absl::StrCat("This model's maximum context length is ", options_.max_model_len,
                         " tokens. However, you requested ", wanted, " tokens (", token_ids.size(),
                         " in the messages, ", chat.max_tokens.value_or(0),
                         " in the completion). Please reduce the length of the messages "
                         "or completion."),
            "BadRequestError", "too_long");
      }
    }

    const Fault fault = faults_.Next();
    entry->fault = std::string(FaultName(fault));
    switch (fault) {
      case Fault::kHttp500:
        return fail(500, "Internal server error (simulated).", "InternalServerError", "500");
      case Fault::kHttp503:
        return fail(503, "Service unavailable (simulated).", "ServiceUnavailableError", "503");
      case Fault::kHttp429:
        res.set_header("Retry-After", std::to_string(options_.retry_after_s));
        return fail(429, "Too many requests (simulated).", "RateLimitError", "429");
      case Fault::kHang:
        Hang(req, res, entry);
        return "hang";
      default:
        break;
    }

    entry->cached_tokens = cache_.LookupAndInsert(token_ids);
    std::string content;
    switch (fault) {
      case Fault::kRefuse:
        content = kRefusal;
        break;
      case Fault::kEmpty:
        break;
      default:
        if (std::optional<std::string> answer = WriteEvalAnswer(chat.messages, chat.seed)) {
          content = *std::move(answer);  // a student under `codi eval`
        } else {
          content = WriteReply(ParsePrompt(chat.messages), chat.seed);
        }
    }
    std::string finish_reason = "stop";
    ApplyStop(chat.stop, &content);
    size_t n_tokens = CountTokens(content);
    if (chat.max_tokens.has_value() && n_tokens > static_cast<size_t>(*chat.max_tokens)) {
      n_tokens = static_cast<size_t>(*chat.max_tokens);
      KeepTokens(n_tokens, &content);
      finish_reason = "length";
    }
    if (fault == Fault::kFinishLength) {
      n_tokens /= 2;
      KeepTokens(n_tokens, &content);
      finish_reason = "length";
    }
    *completion_tokens = n_tokens;

    // The latency model.
    if (!gate_.Acquire()) {
      return fail(503, "The server is shutting down.", "ServiceUnavailableError", "shutting_down");
    }
    metrics_.SetQueue(gate_.running(), gate_.waiting());
    const double ms = options_.latency_ms + options_.per_token_ms * static_cast<double>(n_tokens) +
                      options_.prefill_per_token_ms *
                          static_cast<double>(entry->prompt_tokens - entry->cached_tokens);
    if (ms > 0) stopping_.WaitForNotificationWithTimeout(absl::Milliseconds(ms));
    gate_.Release();
    metrics_.SetQueue(gate_.running(), gate_.waiting());

    const uint64_t serial = next_id_.fetch_add(1, std::memory_order_relaxed);
    Json message;
    message["role"] = "assistant";
    message["content"] = content;
    Json choice;
    choice["index"] = 0;
    choice["message"] = message;
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = finish_reason;
    Json usage;
    usage["prompt_tokens"] = entry->prompt_tokens;
    usage["total_tokens"] = entry->prompt_tokens + n_tokens;
    usage["completion_tokens"] = n_tokens;
    usage["prompt_tokens_details"] = Json{{"cached_tokens", entry->cached_tokens}};
    Json body;
    body["id"] =
        absl::StrFormat("chatcmpl-%016x%016x", Mix64(id_salt_ ^ serial), Mix64(serial + 0x51ed));
    body["object"] = "chat.completion";
    body["created"] = static_cast<int64_t>(std::time(nullptr));
    body["model"] = chat.model.empty() ? served_model_ : chat.model;
    body["choices"] = Json::array({choice});
    body["usage"] = usage;
    std::string text = Dump(body);

    entry->status = 200;
    res.status = 200;
    if (fault == Fault::kMalformed) {
      // Not JSON whatever the content is: "<<" cannot start a JSON value.
      text = absl::StrCat(R"({"id": "chatcmpl-malformed", "object": "chat.completion", )",
                          R"("choices": [{"message": {"content": <<)", content, ">>}}]}");
      res.set_content(text, kJsonType);
      return "malformed";
    }
    if (fault == Fault::kTruncated) {
      text.resize(text.size() / 2);
      res.set_content(text, kJsonType);
      return "truncated";
    }
    res.set_content(text, kJsonType);
    return fault == Fault::kNone ? "ok" : std::string(FaultName(fault));
  }

  // Holds the request for hang_ms (or until Stop()), then drops the
  // connection without a reply. The log line is written first, so a test
  // sees it while the request still hangs.
  void Hang(const httplib::Request& req, httplib::Response& res, RequestLogEntry* entry) {
    entry->status = 0;
    if (log_ != nullptr) log_->Append(*entry);
    ++hanging_;
    stopping_.WaitForNotificationWithTimeout(absl::Milliseconds(options_.hang_ms));
    --hanging_;
    if (!DropConnection(req)) {
      // Fallback: a reply whose body never comes, which the client also
      // sees as a broken connection.
      res.set_content_provider(1, kJsonType,
                               [](size_t, size_t, httplib::DataSink&) { return false; });
    }
    res.status = 500;
  }

  const Options options_;
  SimHttpServer server_;
  std::thread listener_;
  PrefixCache cache_;
  FaultInjector faults_;
  BatchGate gate_;
  SimMetrics metrics_;
  std::unique_ptr<RequestLog> log_;
  const std::string served_model_;
  const uint64_t id_salt_;
  std::atomic<uint64_t> next_id_{0};
  std::atomic<int64_t> hanging_{0};
  Notification stopping_;

  Mutex lifecycle_mu_;
  bool started_ ABSL_GUARDED_BY(lifecycle_mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(lifecycle_mu_) = false;

  mutable Mutex counters_mu_;
  Counters counters_ ABSL_GUARDED_BY(counters_mu_);
};

absl::Status TeacherSim::Validate(const Options& o) {
  if (absl::Status s = ValidateFaultRates(o.faults); !s.ok()) return s;
  auto at_least = [](const char* flag, int64_t value, int64_t min) -> absl::Status {
    if (value >= min) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " must be at least ", min, ", got ", value));
  };
  auto non_negative = [](const char* flag, double value) -> absl::Status {
    if (value >= 0 && std::isfinite(value)) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(flag, " must be >= 0, got ", value));
  };
  for (absl::Status s : {
           at_least("--max-batch", o.max_batch, 1),
           at_least("--threads", o.threads, 0),
           at_least("--block-tokens", o.block_tokens, 1),
           at_least("--cache-blocks", o.cache_blocks, 0),
           at_least("--max-model-len", o.max_model_len, 0),
           at_least("--retry-after-s", o.retry_after_s, 0),
           at_least("--hang-ms", o.hang_ms, 0),
           at_least("--keep-alive-s", o.keep_alive_s, 0),
           non_negative("--latency-ms", o.latency_ms),
           non_negative("--per-token-ms", o.per_token_ms),
           non_negative("--prefill-per-token-ms", o.prefill_per_token_ms),
       }) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

TeacherSim::TeacherSim(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

TeacherSim::~TeacherSim() = default;

absl::StatusOr<int> TeacherSim::Start(const std::string& host, int port) {
  return impl_->Start(host, port);
}

void TeacherSim::Stop() { impl_->Stop(); }

TeacherSim::Counters TeacherSim::counters() const { return impl_->counters(); }

int64_t TeacherSim::ThreadsFor(const Options& options) {
  if (options.threads > 0) return options.threads;
  return 2 * options.max_batch + 1024;
}

}  // namespace codi
