#include "tools/teacher_sim/fault_injector.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/stable_hash.h"

namespace codi {

absl::string_view FaultName(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::kHttp500:
      return "500";
    case Fault::kHttp503:
      return "503";
    case Fault::kHttp429:
      return "429";
    case Fault::kHang:
      return "hang";
    case Fault::kMalformed:
      return "malformed";
    case Fault::kTruncated:
      return "truncated";
    case Fault::kFinishLength:
      return "finish_length";
    case Fault::kRefuse:
      return "refuse";
    case Fault::kEmpty:
      return "empty";
  }
  return "none";
}

absl::Status ValidateFaultRates(const FaultRates& rates) {
  const std::pair<const char*, double> named[] = {
      {"--fail-500", rates.http_500},
      {"--fail-503", rates.http_503},
      {"--fail-429", rates.http_429},
      {"--hang", rates.hang},
      {"--malformed", rates.malformed},
      {"--truncated", rates.truncated},
      {"--finish-length", rates.finish_length},
      {"--refuse", rates.refuse},
      {"--empty", rates.empty},
  };
  for (const auto& [name, rate] : named) {
    // Written so that NaN fails too.
    if (!(rate >= 0.0 && rate <= 1.0)) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be in [0,1], got ", rate));
    }
  }
  return absl::OkStatus();
}

Fault FaultInjector::Next() {
  const uint64_t ordinal = ordinal_.fetch_add(1, std::memory_order_relaxed);
  const uint64_t base = HashCombine(seed_, ordinal);
  const std::pair<Fault, double> ordered[] = {
      {Fault::kHttp500, rates_.http_500},
      {Fault::kHttp503, rates_.http_503},
      {Fault::kHttp429, rates_.http_429},
      {Fault::kHang, rates_.hang},
      {Fault::kMalformed, rates_.malformed},
      {Fault::kTruncated, rates_.truncated},
      {Fault::kFinishLength, rates_.finish_length},
      {Fault::kRefuse, rates_.refuse},
      {Fault::kEmpty, rates_.empty},
  };
  uint64_t stream = 0;
  for (const auto& [fault, rate] : ordered) {
    // Each fault has its own draw, so one rate does not shift another's.
    ++stream;
    if (rate <= 0) continue;
    // 53 random bits make a uniform double in [0, 1).
    const uint64_t bits = HashCombine(base, stream) >> 11;
    const double u = static_cast<double>(bits) * 0x1.0p-53;
    if (u < rate) return fault;
  }
  return Fault::kNone;
}

}  // namespace codi
