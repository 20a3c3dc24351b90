#include "cli/progress_printer.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
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

void AddLimiterFigures(const std::vector<LimiterState>& states, ProgressSnapshot* s) {
  s->replicas = static_cast<int>(states.size());
  s->limit = 0;
  s->teacher_in_flight = 0;
  s->queue = 0;
  s->unloaded = absl::ZeroDuration();
  s->rtt = absl::ZeroDuration();
  for (const LimiterState& state : states) {
    s->adaptive = state.adaptive;
    s->limit += state.limit;
    s->teacher_in_flight += state.in_flight;
    s->queue += state.queue;
    s->rtt = std::max(s->rtt, state.recent_rtt);
    if (state.unloaded > absl::ZeroDuration() &&
        (s->unloaded == absl::ZeroDuration() || state.unloaded < s->unloaded)) {
      s->unloaded = state.unloaded;
    }
  }
}

int TerminalWidth(int fd) {
  struct winsize size {};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    int value = 0;
    if (absl::SimpleAtoi(columns, &value) && value > 0) return value;
  }
  return 80;
}

namespace {

std::string HhMmSs(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--:--:--";
  int64_t s = static_cast<int64_t>(seconds);
  return absl::StrFormat("%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
}

// One part of the progress line: its full and short forms, and how readily
// it gives way when the line is too wide (higher: sooner).
struct Field {
  std::string full;
  std::string brief;
  int give_way = 0;
  bool keep = false;  // cut at most, never dropped
  enum { kFull, kBrief, kGone } form = kFull;
  const std::string& text() const { return form == kBrief ? brief : full; }
};

std::string Join(const std::vector<Field>& fields) {
  std::string out;
  for (const Field& f : fields) {
    if (f.form == Field::kGone || f.text().empty()) continue;
    if (!out.empty()) out += " ";
    out += f.text();
  }
  return out;
}

// Shortens, then drops, the fields most ready to give way until the line
// fits `width` columns; a field to keep is only ever cut.
std::string Fit(std::vector<Field> fields, int width) {
  const size_t limit = static_cast<size_t>(std::max(width, 1));
  for (auto step : {Field::kBrief, Field::kGone}) {
    while (Join(fields).size() > limit) {
      Field* next = nullptr;
      for (Field& f : fields) {
        if (f.form >= step || (f.keep && step == Field::kGone)) continue;
        if (next == nullptr || f.give_way > next->give_way) next = &f;
      }
      if (next == nullptr) break;
      next->form = step;
    }
  }
  std::string line = Join(fields);
  if (line.size() > limit) line.resize(limit);
  return line;
}

}  // namespace

ProgressPrinter::ProgressPrinter(bool bar, absl::Time start, int width)
    : bar_(bar), start_(start), width_(width) {}

std::string ProgressPrinter::Format(const ProgressSnapshot& s, absl::Time now) const {
  return Format(s, now, width_ > 0 ? width_ : TerminalWidth(STDERR_FILENO));
}

std::string ProgressPrinter::Format(const ProgressSnapshot& s, absl::Time now, int width) const {
  const double elapsed = std::max(absl::ToDoubleSeconds(now - start_), 1e-3);
  const uint64_t finished = s.done + s.failed;
  const double rate = s.conversations_per_second;
  const uint64_t total = std::max(s.total, finished);
  const double eta = rate > 0 && total > 0 ? (total - finished) / rate : -1;
  const std::string total_text = total > 0 ? absl::StrCat(total) : "?";
  std::vector<Field> fields;
  if (bar_ && total > 0) {
    const auto bar = [&](int cells) {
      const int filled = static_cast<int>(cells * static_cast<double>(finished) / total);
      return "[" + std::string(filled, '#') + std::string(cells - filled, '.') + "]";
    };
    fields.push_back({bar(24), bar(10), 5});
  }
  fields.push_back({absl::StrCat(finished, "/", total_text, " conversations"),
                    absl::StrCat(finished, "/", total_text), 0, /*keep=*/true});
  fields.push_back({absl::StrFormat("(%d failed, %d in flight)", s.failed, s.in_flight),
                    absl::StrFormat("(%d failed)", s.failed), 4});
  fields.push_back({absl::StrFormat("| %.1f conv/s, %.1f turns/s, %.0f tok/s", rate,
                                    s.turns_per_second, s.tokens_per_second),
                    absl::StrFormat("| %.1f turns/s", s.turns_per_second), 2});
  if (s.replicas > 0) {
    const std::string unloaded = s.unloaded > absl::ZeroDuration()
                                     ? absl::StrFormat("%.2fs", absl::ToDoubleSeconds(s.unloaded))
                                     : std::string("?");
    fields.push_back({absl::StrFormat("| limit %d%s (%d sent, queue %.1f, rtt %.2fs, unloaded %s)",
                                      s.limit, s.adaptive ? "" : " fixed", s.teacher_in_flight,
                                      s.queue, absl::ToDoubleSeconds(s.rtt), unloaded),
                      absl::StrFormat("| limit %d q %.0f", s.limit, s.queue), 3});
  }
  fields.push_back({absl::StrFormat("| elapsed %s ETA %s", HhMmSs(elapsed), HhMmSs(eta)),
                    absl::StrFormat("| ETA %s", HhMmSs(eta)), 1});
  return Fit(std::move(fields), width);
}

void ProgressPrinter::Print(const ProgressSnapshot& s, absl::Time now) const {
  // One column spare: a line that fills the last column makes some
  // terminals wrap before the next \r.
  // Lines (logs, CI) are not cut.
  const int width = (width_ > 0 ? width_ : TerminalWidth(STDERR_FILENO)) - 1;
  std::string line = Format(s, now, bar_ ? width : 4096);
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
