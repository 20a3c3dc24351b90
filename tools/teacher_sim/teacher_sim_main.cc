// codi-teacher-sim: an OpenAI/vLLM-compatible simulated teacher for tests,
// demos and benchmarks. See teacher_sim.h for what it does.
//
// Prints "listening on HOST:PORT" (the bound port) as its first stdout line.
// Exit codes: 0 after SIGTERM/SIGINT, 1 when it cannot serve, 2 on bad usage.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "common/base/flags.h"
#include "common/base/mutex.h"
#include "tools/teacher_sim/listen_address.h"
#include "tools/teacher_sim/teacher_sim.h"

namespace codi {
namespace {

int Main(int argc, char** argv) {
  // Every flag reads CODI_SIM_<NAME> from the environment.
  FlagSet flags("codi-teacher-sim",
                "an OpenAI/vLLM-compatible simulated teacher: grounded deterministic replies, a "
                "latency model, prefix-cache accounting and fault injection.",
                "CODI_SIM_");
  flags.AddUsage("codi-teacher-sim --listen HOST:PORT [flags]");
  std::string listen = "127.0.0.1:8000";
  TeacherSim::Options o;
  int64_t fault_seed = 0;
  flags.String("listen", &listen, "address to serve on; port 0 picks one");
  flags.String("model", &o.model, "served model name; other names get 404 (empty: accept any)");
  flags.String("api-key", &o.api_key,
               "require 'Authorization: Bearer KEY' on /v1 routes (empty: no key)");
  flags.Double("latency-ms", &o.latency_ms, "time to first token, ms");
  flags.Double("per-token-ms", &o.per_token_ms, "time per completion token, ms");
  flags.Double("prefill-per-token-ms", &o.prefill_per_token_ms,
               "time per prompt token not served from the prefix cache, ms");
  flags.Int("max-batch", &o.max_batch,
            "requests generated at once (vLLM's max_num_seqs); the rest queue");
  flags.Int("threads", &o.threads,
            "HTTP worker threads, i.e. connections served at once (0: 2 x --max-batch plus "
            "1024, so the simulator never caps a client, adaptive ones included)");
  flags.Int("block-tokens", &o.block_tokens, "prefix-cache block size in tokens");
  flags.Int("cache-blocks", &o.cache_blocks,
            "prefix-cache capacity in blocks (LRU); 0 disables the cache");
  flags.Int("max-model-len", &o.max_model_len,
            "reject prompt+max_tokens above this many tokens with 400 (0: no limit)");
  flags.Double("fail-500", &o.faults.http_500, "rate of 500 replies");
  flags.Double("fail-503", &o.faults.http_503, "rate of 503 replies");
  flags.Double("fail-429", &o.faults.http_429, "rate of 429 replies (with Retry-After)");
  flags.Double("hang", &o.faults.hang,
               "rate of requests held for --hang-ms, then dropped without a reply");
  flags.Double("malformed", &o.faults.malformed, "rate of 200 replies whose body is not JSON");
  flags.Double("truncated", &o.faults.truncated,
               "rate of 200 replies whose JSON body is cut in half");
  flags.Double("finish-length", &o.faults.finish_length,
               "rate of replies cut short with finish_reason \"length\"");
  flags.Double("refuse", &o.faults.refuse, "rate of canned refusals");
  flags.Double("empty", &o.faults.empty, "rate of empty replies");
  flags.Int("fault-seed", &fault_seed, "seed of the per-request fault draws");
  flags.Int("retry-after-s", &o.retry_after_s, "Retry-After header of a simulated 429, seconds");
  flags.Int("hang-ms", &o.hang_ms, "how long a hang holds a request, ms");
  flags.Int("keep-alive-s", &o.keep_alive_s,
            "idle keep-alive connections are closed after this many seconds");
  flags.String("request-log", &o.request_log, "append one JSON line per chat request to this file");
  flags.Bool("verbose", &o.verbose, "log one line per request on stderr");

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

int main(int argc, char** argv) {
  codi::DisableMutexDeadlockDetection();
  return codi::Main(argc, argv);
}
