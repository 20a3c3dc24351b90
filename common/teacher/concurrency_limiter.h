// ConcurrencyLimiter: how many requests one teacher replica gets at once.
//
// Adaptive mode (the default) finds the replica's knee from latency alone,
// because vLLM never answers 429: it queues whatever exceeds max_num_seqs and
// the only sign of overload is that requests take longer. Vegas-style, as in
// Netflix's concurrency-limits (our own code):
//
//   - the unloaded latency is the smallest round trip seen over a long
//     horizon (the minimum of the last kNoLoadWindows windows' minima);
//   - a window starts at each decision and measures the requests sent during
//     its first unloaded round trip (at least half a limit of them); it ends
//     when the last of those is back, so it sees the effect of the decision
//     and nothing from before it. Then the queue at the replica is estimated by Little's law from
//     those requests' round trips and the in-flight count each was sent with:
//       queue = in_flight * (mean_rtt - unloaded - 1 ms) / mean_rtt,
//     i.e. how many of the requests in flight are waiting rather than running
//     (the millisecond is host noise: a sub-millisecond teacher is not
//     throttled to one request by scheduling jitter);
//   - queue below alpha (3 * log10(limit), at most a tenth of the limit, at
//     least 1; and at least 2% of the requests in flight, since a few percent
//     of latency noise reads as dozens queued at hundreds in flight): grow.
//     Until the first sign of queueing the limit doubles per window (slow
//     start, so a 1,024 sequence teacher is found in a few round trips);
//     afterwards it grows by log10(limit) per window, doubling the step with
//     each window in a row that grew (at most a quarter of the limit), so it
//     creeps near the knee and climbs back fast after a cut far below it;
//   - queue above beta (twice alpha, and at least 5% of the requests in
//     flight): cut straight to the estimated capacity (in_flight - queue)
//     plus alpha, at most halving in slow start and at most a quarter after;
//   - a 429, 503 or timeout cuts multiplicatively (x kDropFactor), at most
//     once per unloaded round trip so a burst of failures is one cut;
//   - a window whose peak in-flight stayed below half the limit is
//     application-limited and changes nothing (no evidence either way).
//
// The limit stays within [min_limit, max_limit]. Fixed mode keeps it at
// `fixed` (`--concurrency N`): the limiter then only counts and queues.
//
// Calls beyond the limit wait, in arrival order, until a slot frees or their
// deadline passes. Each waiter sleeps on its own mutex and a release hands
// its slot to the first waiter directly, so the cost of a release does not
// grow with the number of waiters (thousands of conversations in flight).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "common/base/clock.h"
#include "common/base/mutex.h"

namespace codi {

struct ConcurrencyLimiterOptions {
  // 0: adaptive within [min_limit, max_limit]; > 0: fixed at this limit.
  int fixed = 0;
  int min_limit = 1;
  int max_limit = 1024;
  // Where the adaptive limit starts (clamped into the bounds).
  int initial_limit = 16;
};

// A snapshot for metrics and progress lines.
struct LimiterState {
  std::string endpoint;
  bool adaptive = true;
  int limit = 0;
  int in_flight = 0;  // requests holding a slot (sent, not yet answered)
  int waiting = 0;    // requests waiting for a slot
  absl::Duration unloaded = absl::ZeroDuration();    // 0 until the first sample
  double queue = 0;                                  // latest queueing estimate (requests)
  absl::Duration recent_rtt = absl::ZeroDuration();  // mean round trip of the last window
  uint64_t drops = 0;                                // 429/503/timeouts seen
};

// How a request that held a slot ended, for the limiter.
enum class LimiterSample {
  kOk,       // answered; its round trip says something about the load
  kDropped,  // 429, 503 or a timeout: the replica is overloaded
  kIgnored,  // other failures (connect errors, 4xx): no load signal
};

// A slot taken by Acquire(); give it back with Release().
struct LimiterSlot {
  bool acquired = false;
  int in_flight = 0;    // requests holding a slot once this one took it
  uint64_t window = 0;  // the measurement window it was sent in; 0: none
  explicit operator bool() const { return acquired; }
};

// Thread-safe.
class ConcurrencyLimiter {
 public:
  ConcurrencyLimiter(std::string endpoint, ConcurrencyLimiterOptions options, Clock* clock);

  ConcurrencyLimiter(const ConcurrencyLimiter&) = delete;
  ConcurrencyLimiter& operator=(const ConcurrencyLimiter&) = delete;

  // Waits (first come, first served) until a slot is free or `deadline`
  // passes. Each acquired slot needs one Release().
  [[nodiscard]] LimiterSlot Acquire(absl::Time deadline);
  // Gives the slot back: `rtt` is how long the request held it.
  void Release(const LimiterSlot& slot, LimiterSample sample, absl::Duration rtt);

  LimiterState State() const;
  int limit() const;
  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Waiter {
    Mutex mu;
    bool granted ABSL_GUARDED_BY(mu) = false;
    LimiterSlot slot;  // set by the releaser that granted the slot, before `granted`
  };

  void Update(const LimiterSlot& slot, LimiterSample sample, absl::Duration rtt, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts a request in flight from `now` on and says which window measures it.
  LimiterSlot Admit(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartWindow(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseWindow(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Closes the window once every request it measures is back.
  void MaybeCloseWindow(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The new limit after a window of `in_flight` requests (mean) and queue_.
  void Decide(double in_flight, bool app_limited) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetLimit(double limit) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration Unloaded() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string endpoint_;
  const ConcurrencyLimiterOptions options_;
  Clock* clock_;

  mutable Mutex mu_;
  double limit_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<std::shared_ptr<Waiter>> waiters_ ABSL_GUARDED_BY(mu_);
  bool slow_start_ ABSL_GUARDED_BY(mu_) = true;
  // Windows in a row that grew the limit after slow start (the probe's pace).
  int growth_streak_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t drops_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_drop_cut_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  double queue_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration recent_rtt_ ABSL_GUARDED_BY(mu_);

  // The current window: it starts at the last decision and measures the
  // requests sent from then until it has at least one unloaded round trip's
  // worth (and half a limit's) of them; it closes when the last of those is
  // back, so it sees the whole effect of the decision and nothing from before.
  uint64_t window_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::Time window_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration window_span_ ABSL_GUARDED_BY(mu_);
  bool window_sending_ ABSL_GUARDED_BY(mu_) = true;  // still admitting requests to measure
  int window_sent_ ABSL_GUARDED_BY(mu_) = 0;
  int window_outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  int window_samples_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration window_rtt_sum_ ABSL_GUARDED_BY(mu_);
  // Smallest round trip this window, of any request (for the unloaded latency).
  absl::Duration window_min_ ABSL_GUARDED_BY(mu_) = absl::InfiniteDuration();
  int64_t window_in_flight_sum_ ABSL_GUARDED_BY(mu_) = 0;
  int window_peak_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Minima of past windows, newest last, for the unloaded latency.
  std::deque<absl::Duration> window_minima_ ABSL_GUARDED_BY(mu_);
};

// The limiters of one process, one per replica base URL, shared by every
// teacher client the process makes (jobs that use the same replica share its
// limit). Thread-safe; limiters live as long as the registry.
class LimiterRegistry {
 public:
  LimiterRegistry(ConcurrencyLimiterOptions options, Clock* clock);

  // The limiter of `endpoint`, made on first use.
  ConcurrencyLimiter& For(const std::string& endpoint);
  // Every limiter's state, in order of first use.
  std::vector<LimiterState> States() const;
  // The sum of the current limits; 0 before any limiter exists.
  int SumOfLimits() const;
  // Conversations a process should hold in flight so that these limits
  // bind: the limits plus a quarter (turns spend a little time between
  // teacher calls: reporting, building the next prompt) plus a few. Before
  // any limiter exists, what one new limiter would start with.
  int InFlightTarget() const;
  const ConcurrencyLimiterOptions& options() const { return options_; }

 private:
  const ConcurrencyLimiterOptions options_;
  Clock* clock_;
  mutable Mutex mu_;
  std::vector<std::unique_ptr<ConcurrencyLimiter>> limiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace codi
