// codi-teacher-sim: an OpenAI/vLLM-compatible simulated teacher for tests,
// demos and benchmarks. See teacher_sim.h for what it does.
//
// Prints "listening on HOST:PORT" (the bound port) as its first stdout line.
// Exit codes: 0 after SIGTERM/SIGINT, 1 when it cannot serve, 2 on bad usage.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "common/base/flags.h"
#include "tools/teacher_sim/listen_address.h"
#include "tools/teacher_sim/teacher_sim.h"

namespace codi {
namespace {

int Main(int argc, char** argv) {
  FlagSet flags("codi-teacher-sim",
                "an OpenAI/vLLM-compatible simulated teacher: grounded deterministic replies, a "
                "latency model, prefix-cache accounting and fault injection.");
  flags.AddUsage("codi-teacher-sim --listen HOST:PORT [flags]");
  std::string listen = "127.0.0.1:8000";
  TeacherSim::Options o;
  int64_t fault_seed = 0;
  flags.String("listen", "CODI_SIM_LISTEN", &listen, "address to serve on; port 0 picks one");
  flags.String("model", "CODI_SIM_MODEL", &o.model,
               "served model name; other names get 404 (empty: accept any)");
  flags.String("api-key", "CODI_SIM_API_KEY", &o.api_key,
               "require 'Authorization: Bearer KEY' on /v1 routes (empty: no key)");
  flags.Double("latency-ms", "CODI_SIM_LATENCY_MS", &o.latency_ms, "time to first token, ms");
  flags.Double("per-token-ms", "CODI_SIM_PER_TOKEN_MS", &o.per_token_ms,
               "time per completion token, ms");
  flags.Double("prefill-per-token-ms", "CODI_SIM_PREFILL_PER_TOKEN_MS", &o.prefill_per_token_ms,
               "time per prompt token not served from the prefix cache, ms");
  flags.Int("max-batch", "CODI_SIM_MAX_BATCH", &o.max_batch,
            "requests generated at once (vLLM's max_num_seqs); the rest queue");
  flags.Int("threads", "CODI_SIM_THREADS", &o.threads,
            "HTTP worker threads, i.e. connections served at once");
  flags.Int("block-tokens", "CODI_SIM_BLOCK_TOKENS", &o.block_tokens,
            "prefix-cache block size in tokens");
  flags.Int("cache-blocks", "CODI_SIM_CACHE_BLOCKS", &o.cache_blocks,
            "prefix-cache capacity in blocks (LRU); 0 disables the cache");
  flags.Int("max-model-len", "CODI_SIM_MAX_MODEL_LEN", &o.max_model_len,
            "reject prompt+max_tokens above this many tokens with 400 (0: no limit)");
  flags.Double("fail-500", "CODI_SIM_FAIL_500", &o.faults.http_500, "rate of 500 replies");
  flags.Double("fail-503", "CODI_SIM_FAIL_503", &o.faults.http_503, "rate of 503 replies");
  flags.Double("fail-429", "CODI_SIM_FAIL_429", &o.faults.http_429,
               "rate of 429 replies (with Retry-After)");
  flags.Double("hang", "CODI_SIM_HANG", &o.faults.hang,
               "rate of requests held for --hang-ms, then dropped without a reply");
  flags.Double("malformed", "CODI_SIM_MALFORMED", &o.faults.malformed,
               "rate of 200 replies whose body is not JSON");
  flags.Double("truncated", "CODI_SIM_TRUNCATED", &o.faults.truncated,
               "rate of 200 replies whose JSON body is cut in half");
  flags.Double("finish-length", "CODI_SIM_FINISH_LENGTH", &o.faults.finish_length,
               "rate of replies cut short with finish_reason \"length\"");
  flags.Double("refuse", "CODI_SIM_REFUSE", &o.faults.refuse, "rate of canned refusals");
  flags.Double("empty", "CODI_SIM_EMPTY", &o.faults.empty, "rate of empty replies");
  flags.Int("fault-seed", "CODI_SIM_FAULT_SEED", &fault_seed,
            "seed of the per-request fault draws");
  flags.Int("retry-after-s", "CODI_SIM_RETRY_AFTER_S", &o.retry_after_s,
            "Retry-After header of a simulated 429, seconds");
  flags.Int("hang-ms", "CODI_SIM_HANG_MS", &o.hang_ms, "how long a hang holds a request, ms");
  flags.Int("keep-alive-s", "CODI_SIM_KEEP_ALIVE_S", &o.keep_alive_s,
            "idle keep-alive connections are closed after this many seconds");
  flags.String("request-log", "CODI_SIM_REQUEST_LOG", &o.request_log,
               "append one JSON line per chat request to this file");
  flags.Bool("verbose", "CODI_SIM_VERBOSE", &o.verbose, "log one line per request on stderr");

  switch (flags.Parse(argc, argv)) {
    case FlagSet::kHelp:
      return 0;
    case FlagSet::kError:
      return 2;
    case FlagSet::kOk:
      break;
  }
  if (!flags.positional().empty()) {
    std::cerr << "codi-teacher-sim: unexpected argument '" << flags.positional()[0]
              << "' (see --help)\n";
    return 2;
  }
  o.fault_seed = static_cast<uint64_t>(fault_seed);
  absl::StatusOr<ListenAddress> address = ParseListenAddress("--listen", listen);
  if (!address.ok()) {
    std::cerr << "codi-teacher-sim: " << address.status().message() << "\n";
    return 2;
  }
  if (absl::Status s = TeacherSim::Validate(o); !s.ok()) {
    std::cerr << "codi-teacher-sim: " << s.message() << "\n";
    return 2;
  }

  // SIGTERM and SIGINT are taken by sigwait below; every thread started from
  // here on inherits the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  TeacherSim sim(o);
  absl::StatusOr<int> port = sim.Start(address->host, address->port);
  if (!port.ok()) {
    std::cerr << "codi-teacher-sim: " << port.status().message() << "\n";
    return 1;
  }
  std::printf("listening on %s\n", address->ToString(*port).c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (o.verbose) std::fprintf(stderr, "codi-teacher-sim: signal %d, stopping\n", signal_number);
  sim.Stop();
  return 0;
}

}  // namespace
}  // namespace codi

int main(int argc, char** argv) { return codi::Main(argc, argv); }
