// codi-dedup-bench: dedups N synthetic conversations in one pass, as
// `codi export --dedup` does, and prints the time, what it dropped, the
// deduplicator's own bytes and the process's peak RSS (VmHWM), so the memory
// bound of common/quality/deduplicator.h can be measured at 10^5..10^6.
//
// Conversation i is 8 turns of 30 words drawn from a 20,000-word vocabulary
// by a generator seeded with i (about 1.7 KB of text); every 20th is an exact
// copy of an earlier odd-numbered one (case and punctuation changed) and
// every 20th + 10 a near copy of one (one word in 240 changed), so the
// expected drops are known.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/base/flags.h"
#include "common/base/stable_hash.h"
#include "common/quality/deduplicator.h"

namespace codi {
namespace {

constexpr int kTurns = 8;
constexpr int kWordsPerTurn = 30;

std::string Conversation(uint64_t i, int changed_word = -1) {
  std::string text;
  uint64_t state = Mix64(i + 1);
  int word = 0;
  for (int t = 0; t < kTurns; ++t) {
    absl::StrAppend(&text, t % 2 == 0 ? "USER:" : "AGENT:");
    for (int w = 0; w < kWordsPerTurn; ++w, ++word) {
      state = Mix64(state);
      if (word == changed_word) {
        absl::StrAppend(&text, " changed");
      } else {
        absl::StrAppend(&text, " w", state % 20000);
      }
    }
    text += ".\n";
  }
  return text;
}

uint64_t PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

int Main(int argc, char** argv) {
  FlagSet flags("codi-dedup-bench", "dedup N synthetic conversations; print time and peak RSS");
  flags.AddUsage("codi-dedup-bench [--conversations N] [--dedup exact|near] [--near-threshold J]");
  int64_t n = 100000;
  std::string mode_name = "near";
  DedupOptions options;
  flags.Int("conversations", &n, "conversations to dedup (default 100000)");
  flags.String("dedup", &mode_name, "exact or near (default near)");
  flags.Double("near-threshold", &options.near_threshold, "near-duplicate threshold (0.8)");
  if (auto r = flags.Parse(argc, argv); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  auto mode = ParseDedupMode(mode_name);
  if (!mode.has_value() || *mode == DedupMode::kOff || n < 1) {
    std::cerr << "codi-dedup-bench: --dedup must be exact or near, --conversations at least 1\n";
    return 2;
  }
  options.mode = *mode;
  if (absl::Status s = ValidateDedupOptions(options); !s.ok()) {
    std::cerr << "codi-dedup-bench: " << s.message() << "\n";
    return 2;
  }
  const uint64_t rss_before = PeakRssKib();
  Deduplicator dedup(options);
  uint64_t planted_exact = 0, planted_near = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < static_cast<uint64_t>(n); ++i) {
    std::string text;
    if (i >= 20 && i % 20 == 0) {
      text = absl::AsciiStrToUpper(Conversation((i / 2) | 1)) + "!";
      ++planted_exact;
    } else if (i >= 20 && i % 20 == 10) {
      text = Conversation((i / 3) | 1, /*changed_word=*/120);
      ++planted_near;
    } else {
      text = Conversation(i);
    }
    dedup.Offer(absl::StrCat("doc-", i, "#0"), text);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "dedup-bench: %lld conversations, --dedup %s%s\n"
      "dedup-bench: planted %llu exact and %llu near; dropped %llu exact and %llu near\n"
      "dedup-bench: %.1f s, %.0f conversations/s\n"
      "dedup-bench: deduplicator tables %.1f MiB (%.0f bytes per kept conversation)\n"
      "dedup-bench: peak RSS (VmHWM) %.1f MiB (%.1f MiB at start)\n",
      static_cast<long long>(n), DedupModeName(options.mode),
      options.mode == DedupMode::kNear
          ? absl::StrFormat(" (threshold %.2f, %d bands x %d rows)", options.near_threshold,
                            dedup.bands().bands, dedup.bands().rows)
                .c_str()
          : "",
      static_cast<unsigned long long>(planted_exact), static_cast<unsigned long long>(planted_near),
      static_cast<unsigned long long>(dedup.exact_duplicates()),
      static_cast<unsigned long long>(dedup.near_duplicates()), seconds, n / seconds,
      dedup.MemoryBytes() / 1048576.0,
      static_cast<double>(dedup.MemoryBytes()) / static_cast<double>(dedup.kept()),
      PeakRssKib() / 1024.0, rss_before / 1024.0);
  return 0;
}

}  // namespace
}  // namespace codi

int main(int argc, char** argv) { return codi::Main(argc, argv); }
