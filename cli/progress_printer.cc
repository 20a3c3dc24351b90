#include "cli/progress_printer.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace codi {

ProgressSnapshot SnapshotOf(const codi::v1::JobStatus& status) {
  ProgressSnapshot s;
  s.done = status.conversations_done();
  s.failed = status.conversations_failed();
  s.in_flight = status.conversations_in_flight();
  s.total = status.conversations_estimated_total();
  s.turns = status.turns();
  s.completion_tokens = status.usage().completion_tokens();
  s.conversations_per_second = status.conversations_per_second();
  s.turns_per_second = status.turns_per_second();
  s.tokens_per_second = status.tokens_per_second();
  return s;
}

namespace {

std::string Clock(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--:--:--";
  int64_t s = static_cast<int64_t>(seconds);
  return absl::StrFormat("%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
}

}  // namespace

ProgressPrinter::ProgressPrinter(bool bar, absl::Time start) : bar_(bar), start_(start) {}

std::string ProgressPrinter::Format(const ProgressSnapshot& s, absl::Time now) const {
  const double elapsed = std::max(absl::ToDoubleSeconds(now - start_), 1e-3);
  const uint64_t finished = s.done + s.failed;
  const double rate = s.conversations_per_second;
  const double turn_rate = s.turns_per_second;
  const double tok_rate = s.tokens_per_second;
  const uint64_t total = std::max(s.total, finished);
  const double eta = rate > 0 && total > 0 ? (total - finished) / rate : -1;
  std::string bar;
  if (bar_ && total > 0) {
    const int width = 24;
    const int filled = static_cast<int>(width * static_cast<double>(finished) / total);
    bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  }
  return absl::StrFormat(
      "%s%d/%s conversations (%d failed, %d in flight) | %.1f conv/s, %.1f turns/s, %.0f tok/s | "
      "elapsed %s ETA %s",
      bar, finished, total > 0 ? absl::StrCat(total) : "?", s.failed, s.in_flight, rate, turn_rate,
      tok_rate, Clock(elapsed), Clock(eta));
}

void ProgressPrinter::Print(const ProgressSnapshot& s, absl::Time now) const {
  std::string line = Format(s, now);
  if (bar_) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void ProgressPrinter::Finish() const {
  if (bar_) std::fprintf(stderr, "\n");
}

}  // namespace codi
