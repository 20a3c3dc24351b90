// Live progress of a job: a one-line bar with rate and ETA redrawn in place on
// a terminal, plain periodic lines otherwise (logs, CI).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "codi/v1/service.pb.h"
#include "common/teacher/concurrency_limiter.h"

namespace codi {

struct ProgressSnapshot {
  uint64_t done = 0;
  uint64_t failed = 0;
  uint64_t in_flight = 0;
  uint64_t total = 0;  // estimate; 0 when unknown
  uint64_t turns = 0;
  uint64_t completion_tokens = 0;
  // Rates from ProgressRates (codi watch gets them from the coordinator).
  double conversations_per_second = 0, turns_per_second = 0, tokens_per_second = 0;
  // The teacher limiters, summed over replicas; replicas == 0: not known
  // (codi watch, which sees the coordinator only).
  int replicas = 0;
  bool adaptive = true;
  int64_t limit = 0;
  int64_t teacher_in_flight = 0;
  double queue = 0;
  absl::Duration unloaded = absl::ZeroDuration();  // the smallest over replicas
  absl::Duration rtt = absl::ZeroDuration();       // the largest recent mean round trip
};

// Adds the limiters' figures to `s`.
void AddLimiterFigures(const std::vector<LimiterState>& states, ProgressSnapshot* s);

// The width of the terminal on `fd` (TIOCGWINSZ), else $COLUMNS, else 80.
int TerminalWidth(int fd);

// The figures of a JobStatus that the progress line shows, rates included.
ProgressSnapshot SnapshotOf(const codi::v1::JobStatus& status);

class ProgressPrinter {
 public:
  // `bar`: redraw in place with \r (a terminal); otherwise print lines.
  // `width`: the most columns a line may take (0: the terminal's width on
  // stderr, read at each Print, so a resized window is followed).
  ProgressPrinter(bool bar, absl::Time start, int width = 0);

  // The line for `now` (elapsed time counted from `start`), at most `width`
  // columns: the least useful fields are shortened or dropped to fit.
  std::string Format(const ProgressSnapshot& s, absl::Time now, int width) const;
  std::string Format(const ProgressSnapshot& s, absl::Time now) const;
  // Writes the line to stderr (in place for a bar: \r, the line, clear to
  // the end of the line; one line per update otherwise).
  void Print(const ProgressSnapshot& s, absl::Time now) const;
  // Ends the bar's line.
  void Finish() const;

 private:
  bool bar_;
  absl::Time start_;
  int width_;
};

}  // namespace codi
