// codi-teacher-sim's server: an OpenAI/vLLM-compatible chat-completions
// endpoint that writes deterministic replies grounded in the prompt's
// document, with vLLM-like usage and prefix-cache accounting, a latency model
// and fault injection. Used by tests, demos and benchmarks in place of a real
// teacher. cpp-httplib stays behind the private implementation.
//
// Routes: POST /v1/chat/completions, GET /v1/models, GET /health,
// GET /metrics (Prometheus text).
//
// Token accounting: see sim_tokenizer.h. A prompt's tokens are its messages
// flattened in order, each as one role-marker token followed by the tokens of
// its content; the prefix cache (prefix_cache.h) hashes blocks of them.
//
// Latency model: a request that is not failed at once waits for one of
// `max_batch` slots (vLLM's max_num_seqs), then holds it for latency_ms +
// per_token_ms * completion_tokens + prefill_per_token_ms * uncached prompt
// tokens. Every wait (also a hang) ends early when Stop() is called.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/teacher_sim/fault_injector.h"

namespace codi {

class TeacherSim {
 public:
  struct Options {
    // The served model name. Set: requests naming another model get 404.
    // Empty: any model is accepted and /v1/models lists "codi-sim".
    std::string model;
    // Set: /v1/* requires "Authorization: Bearer <api_key>", else 401.
    std::string api_key;
    double latency_ms = 0;            // time to first token
    double per_token_ms = 0;          // per completion token
    double prefill_per_token_ms = 0;  // per prompt token not served from the cache
    int64_t max_batch = 64;           // requests running at once; the rest queue
    // HTTP worker threads (concurrent connections); 0: max_batch plus headroom
    // (ThreadsFor), so the simulator never caps a benchmark below its batch.
    int64_t threads = 0;
    int64_t block_tokens = 16;     // prefix-cache block size in tokens
    int64_t cache_blocks = 65536;  // prefix-cache capacity in blocks; 0 disables it
    // Above 0: prompt_tokens + max_tokens beyond this gets vLLM's 400.
    int64_t max_model_len = 0;
    FaultRates faults;
    uint64_t fault_seed = 0;
    int64_t retry_after_s = 1;  // the Retry-After header of a simulated 429
    int64_t hang_ms = 60000;    // how long a hang holds a request before dropping it
    int64_t keep_alive_s = 5;   // idle keep-alive connections are closed after this
    std::string request_log;    // a JSON-lines file; empty: no log
    bool verbose = false;       // one line per request on stderr
  };

  // A snapshot of what the server has done; counts cover POST
  // /v1/chat/completions only.
  struct Counters {
    uint64_t requests = 0;       // received
    uint64_t replies = 0;        // answered 200 (content faults, malformed, truncated included)
    uint64_t faults = 0;         // with any injected fault
    uint64_t client_errors = 0;  // 400, 401, 404
    uint64_t prompt_tokens = 0;  // of 200 replies
    uint64_t completion_tokens = 0;
    uint64_t cached_tokens = 0;
    int64_t running = 0;  // holding a batch slot now
    int64_t waiting = 0;  // queued for a batch slot now
    int64_t hanging = 0;  // held by a hang fault now
    int64_t peak_running = 0;
    int64_t max_batch = 0;
    // Batch-slot seconds used so far: utilisation over a window is
    // delta(busy_slot_seconds) / (max_batch * delta(t)).
    double busy_slot_seconds = 0;
  };

  // The HTTP threads `options` asks for: options.threads, or when 0,
  // 2 * max_batch + 1024: more connections than an adaptive client
  // opens (up to 1.25 x its limit per replica, the limit at most 1,024), so the
  // simulator never caps a benchmark and /metrics always gets a thread.
  static int64_t ThreadsFor(const Options& options);

  // Checks ranges: rates in [0,1], max_batch/threads/block_tokens >= 1,
  // others >= 0. The message names the flag.
  [[nodiscard]] static absl::Status Validate(const Options& options);

  explicit TeacherSim(Options options);
  // Stops the server if it runs.
  ~TeacherSim();

  TeacherSim(const TeacherSim&) = delete;
  TeacherSim& operator=(const TeacherSim&) = delete;

  // Binds host:port (port 0 picks a free port), starts serving on background
  // threads and returns the bound port. Fails on bad options, an unusable
  // request log, a bind failure, or a second call.
  [[nodiscard]] absl::StatusOr<int> Start(const std::string& host, int port);

  // Ends waits in progress, stops accepting, and returns when every handler
  // has finished. Idle keep-alive connections may delay it by up to
  // keep_alive_s. Safe to call more than once, and from any thread but a
  // handler's.
  void Stop();

  // Thread-safe.
  Counters counters() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace codi
