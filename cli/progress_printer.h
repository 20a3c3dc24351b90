// Live progress of a job: a one-line bar with rate and ETA redrawn in place on
// a terminal, plain periodic lines otherwise (logs, CI).
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "codi/v1/service.pb.h"

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
};

// The figures of a JobStatus that the progress line shows, rates included.
ProgressSnapshot SnapshotOf(const codi::v1::JobStatus& status);

class ProgressPrinter {
 public:
  // `bar`: redraw in place with \r (a terminal); otherwise print lines.
  ProgressPrinter(bool bar, absl::Time start);

  // The line for `now` (elapsed time counted from `start`).
  std::string Format(const ProgressSnapshot& s, absl::Time now) const;
  // Writes the line to stderr (in place for a bar).
  void Print(const ProgressSnapshot& s, absl::Time now) const;
  // Ends the bar's line.
  void Finish() const;

 private:
  bool bar_;
  absl::Time start_;
};

}  // namespace codi
