// Decides, request by request, which fault (if any) the simulator injects.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace codi {

// What replaces (or alters) the normal reply of one request.
enum class Fault {
  kNone,
  // Request-level faults: the whole reply is replaced.
  kHttp500,
  kHttp503,
  kHttp429,    // with a Retry-After header
  kHang,       // held, then the connection is dropped without a reply
  kMalformed,  // 200 whose body is not JSON
  kTruncated,  // 200 whose JSON body is cut in half
  // Content faults: a well-formed reply with bad content.
  kFinishLength,  // cut short, finish_reason "length"
  kRefuse,        // a canned refusal
  kEmpty,         // empty content
};

// The name used in the request log and in metrics labels: "none", "500",
// "503", "429", "hang", "malformed", "truncated", "finish_length", "refuse",
// "empty".
absl::string_view FaultName(Fault fault);

// Each rate is a probability in [0, 1].
struct FaultRates {
  double http_500 = 0;
  double http_503 = 0;
  double http_429 = 0;
  double hang = 0;
  double malformed = 0;
  double truncated = 0;
  double finish_length = 0;
  double refuse = 0;
  double empty = 0;
};

// Names the first rate outside [0, 1], e.g. "--fail-500 must be in [0,1], got 1.5".
[[nodiscard]] absl::Status ValidateFaultRates(const FaultRates& rates);

// Thread-safe and lock-free. Every request draws one independent uniform
// number per fault from a counter-based generator keyed by (seed, request
// ordinal), so a run with a given seed injects the same sequence of faults
// (the order in which concurrent requests take ordinals is up to the
// scheduler). Faults are tried in declaration order and the first that fires
// wins, so a fault's effective rate is its rate times the chance that none
// before it fired.
class FaultInjector {
 public:
  FaultInjector(FaultRates rates, uint64_t seed) : rates_(rates), seed_(seed) {}

  Fault Next();

 private:
  const FaultRates rates_;
  const uint64_t seed_;
  std::atomic<uint64_t> ordinal_{0};
};

}  // namespace codi
