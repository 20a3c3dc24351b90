#include "common/teacher/concurrency_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/base/logging.h"

namespace codi {
namespace {

// A limit cut on a 429/503/timeout keeps this share.
constexpr double kDropFactor = 0.75;
// A latency cut never goes below this share of the limit in one window: half
// in slow start (which may overshoot the knee by a doubling), a quarter after
// (the probe overshoots by at most a quarter; a replica that really shrank is
// followed in a few windows, a false alarm from a busy client host costs less).
constexpr double kMaxSlowStartCut = 0.5;
constexpr double kMaxLatencyCut = 0.75;
// Latency noise (the client's own scheduling, a loaded host) inflates round
// trips by a few percent at any load, which at hundreds in flight reads as a
// queue of dozens. So the queue must also exceed these shares of the requests
// in flight before it holds the limit (grow) or cuts it (cut).
constexpr double kGrowShare = 0.02;
constexpr double kCutShare = 0.05;
// Round trips this much above the unloaded one are still "unloaded": thread
// wake-ups and the loopback stack vary by about that much, which against a
// sub-millisecond teacher (a cache, a simulator) would otherwise read as a
// queue and pin the limit at 1-3. Against an LLM (hundreds of ms and up) it
// changes nothing.
constexpr absl::Duration kRttNoise = absl::Milliseconds(1);
// Windows whose minima make up the unloaded latency: long enough to remember
// the unloaded round trip through minutes of steady, slightly queued load.
constexpr size_t kNoLoadWindows = 100;
// A window is at least one unloaded round trip and at least this long.
constexpr absl::Duration kMinWindow = absl::Milliseconds(1);

double Log10Limit(double limit) { return std::log10(std::max(limit, 1.0)); }
// Queue (in requests) below which the limit grows: a standing queue of a
// few requests keeps the batch full while the client is between turns, and
// a tenth of the limit at most keeps latency near unloaded on small teachers.
double Alpha(double limit) { return std::max(1.0, std::min(3 * Log10Limit(limit), 0.1 * limit)); }
// Queue above which the limit is cut.
double Beta(double limit) { return 2 * Alpha(limit); }

}  // namespace

ConcurrencyLimiter::ConcurrencyLimiter(std::string endpoint, ConcurrencyLimiterOptions options,
                                       Clock* clock)
    : endpoint_(std::move(endpoint)), options_(options), clock_(clock) {
  MutexLock lock(&mu_);
  limit_ = options_.fixed > 0 ? options_.fixed : options_.initial_limit;
  if (options_.fixed <= 0) SetLimit(limit_);
  window_start_ = clock_->Now();
  window_span_ = kMinWindow;
}

LimiterSlot ConcurrencyLimiter::Admit(absl::Time now) {
  LimiterSlot slot{.acquired = true, .in_flight = ++in_flight_};
  if (options_.fixed > 0) return slot;
  if (window_sending_ && now - window_start_ >= window_span_ &&
      (window_sent_ >= std::max(1, static_cast<int>(limit_) / 2) ||
       now - window_start_ >= 4 * window_span_)) {
    window_sending_ = false;
  }
  if (window_sending_) {
    slot.window = window_id_;
    ++window_sent_;
    ++window_outstanding_;
  }
  return slot;
}

LimiterSlot ConcurrencyLimiter::Acquire(absl::Time deadline) {
  std::shared_ptr<Waiter> waiter;
  {
    MutexLock lock(&mu_);
    if (waiters_.empty() && in_flight_ < static_cast<int>(limit_)) return Admit(clock_->Now());
    waiter = std::make_shared<Waiter>();
    waiters_.push_back(waiter);
  }
  {
    MutexLock lock(&waiter->mu);
    if (clock_->AwaitWithDeadline(&waiter->mu, absl::Condition(&waiter->granted), deadline)) {
      return waiter->slot;  // the releaser counted the slot as ours
    }
  }
  // Timed out: leave the queue, unless a release granted the slot meanwhile.
  MutexLock lock(&mu_);
  auto it = std::find(waiters_.begin(), waiters_.end(), waiter);
  if (it != waiters_.end()) {
    waiters_.erase(it);
    return LimiterSlot{};
  }
  MutexLock waiter_lock(&waiter->mu);
  return waiter->slot;
}

void ConcurrencyLimiter::Release(const LimiterSlot& slot, LimiterSample sample,
                                 absl::Duration rtt) {
  if (!slot.acquired) return;
  std::vector<std::shared_ptr<Waiter>> wake;
  {
    MutexLock lock(&mu_);
    --in_flight_;
    const absl::Time now = clock_->Now();
    if (options_.fixed <= 0) Update(slot, sample, rtt, now);
    while (!waiters_.empty() && in_flight_ < static_cast<int>(limit_)) {
      wake.push_back(std::move(waiters_.front()));
      waiters_.pop_front();
      const LimiterSlot granted = Admit(now);
      MutexLock waiter_lock(&wake.back()->mu);
      wake.back()->slot = granted;
    }
  }
  for (const auto& waiter : wake) {
    MutexLock lock(&waiter->mu);
    waiter->granted = true;
  }
}

void ConcurrencyLimiter::Update(const LimiterSlot& slot, LimiterSample sample, absl::Duration rtt,
                                absl::Time now) {
  if (sample != LimiterSample::kOk && slot.window == window_id_) --window_outstanding_;
  if (sample == LimiterSample::kIgnored) {
    MaybeCloseWindow(now);
    return;
  }
  if (sample == LimiterSample::kDropped) {
    ++drops_;
    slow_start_ = false;
    // One cut per round trip: the failures of one overload burst arrive together.
    const absl::Duration spacing = std::max(Unloaded(), kMinWindow);
    if (now - last_drop_cut_ >= spacing) {
      last_drop_cut_ = now;
      growth_streak_ = 0;
      SetLimit(limit_ * kDropFactor);
      StartWindow(now);
    } else {
      MaybeCloseWindow(now);
    }
    return;
  }
  window_min_ = std::min(window_min_, rtt);
  if (slot.window == window_id_) {
    --window_outstanding_;
    ++window_samples_;
    window_rtt_sum_ += rtt;
    window_in_flight_sum_ += slot.in_flight;
    window_peak_in_flight_ = std::max(window_peak_in_flight_, slot.in_flight);
  }
  MaybeCloseWindow(now);
}

void ConcurrencyLimiter::MaybeCloseWindow(absl::Time now) {
  if (window_outstanding_ > 0) return;
  if (window_sending_ && now - window_start_ < 4 * window_span_) return;
  if (window_samples_ > 0) {
    CloseWindow(now);
  } else {
    StartWindow(now);  // nothing was sent to measure: start again
  }
}

void ConcurrencyLimiter::StartWindow(absl::Time now) {
  window_minima_.push_back(window_min_);
  if (window_minima_.size() > kNoLoadWindows) window_minima_.pop_front();
  ++window_id_;
  window_start_ = now;
  window_span_ = std::max(Unloaded(), kMinWindow);
  window_sending_ = true;
  window_sent_ = 0;
  window_outstanding_ = 0;
  window_samples_ = 0;
  window_rtt_sum_ = absl::ZeroDuration();
  window_min_ = absl::InfiniteDuration();
  window_in_flight_sum_ = 0;
  window_peak_in_flight_ = 0;
}

void ConcurrencyLimiter::CloseWindow(absl::Time now) {
  const double unloaded = absl::ToDoubleSeconds(Unloaded());
  const double mean_rtt = absl::ToDoubleSeconds(window_rtt_sum_) / window_samples_;
  recent_rtt_ = window_rtt_sum_ / window_samples_;
  const double in_flight = static_cast<double>(window_in_flight_sum_) / window_samples_;
  const bool app_limited = window_peak_in_flight_ * 2 < static_cast<int>(limit_);
  StartWindow(now);

  // A round trip within kRttNoise of the unloaded one is not queueing.
  const double queued = mean_rtt - unloaded - absl::ToDoubleSeconds(kRttNoise);
  queue_ = mean_rtt > 0 ? std::max(0.0, in_flight * queued / mean_rtt) : 0;
  const double before = limit_;
  Decide(in_flight, app_limited);
  Log(LogLevel::kDebug, "limiter_window",
      {{"endpoint", endpoint_},
       {"limit", absl::StrFormat("%.1f->%.1f", before, limit_)},
       {"in_flight", absl::StrFormat("%.1f", in_flight)},
       {"rtt_ms", absl::StrFormat("%.1f", mean_rtt * 1000)},
       {"unloaded_ms", absl::StrFormat("%.1f", unloaded * 1000)},
       {"queue", absl::StrFormat("%.1f", queue_)}});
}

void ConcurrencyLimiter::Decide(double in_flight, bool app_limited) {
  if (app_limited) return;
  const double alpha = Alpha(limit_);
  if (queue_ > std::max(Beta(limit_), kCutShare * in_flight)) {
    // Queueing: go to the capacity the replica shows (what runs rather than
    // waits) plus a small standing queue that keeps its batch full.
    const double floor = limit_ * (slow_start_ ? kMaxSlowStartCut : kMaxLatencyCut);
    slow_start_ = false;
    growth_streak_ = 0;
    SetLimit(std::max(in_flight - queue_ + alpha, floor));
  } else if (queue_ < std::max(alpha, kGrowShare * in_flight)) {
    if (slow_start_) {
      SetLimit(limit_ * 2);
      return;
    }
    // Probe upward: log10(limit) per window at first, doubling with every
    // window in a row that still shows no queue (at most a quarter of the
    // limit), so a limit cut far below the knee (a burst of timeouts, a
    // noisy host) climbs back in a few windows, while one near the knee,
    // where windows alternate between growing and holding, creeps.
    const double step = std::ldexp(std::max(1.0, Log10Limit(limit_)), std::min(growth_streak_, 16));
    ++growth_streak_;
    SetLimit(limit_ + std::min(step, std::max(1.0, limit_ / 4)));
  } else {
    slow_start_ = false;  // at the knee: from now on probe upward slowly
    growth_streak_ = 0;
  }
}

void ConcurrencyLimiter::SetLimit(double limit) {
  limit_ = std::clamp(limit, static_cast<double>(std::max(1, options_.min_limit)),
                      static_cast<double>(std::max(options_.min_limit, options_.max_limit)));
}

absl::Duration ConcurrencyLimiter::Unloaded() const {
  absl::Duration out = window_min_;
  for (absl::Duration d : window_minima_) out = std::min(out, d);
  return out == absl::InfiniteDuration() ? absl::ZeroDuration() : out;
}

LimiterState ConcurrencyLimiter::State() const {
  MutexLock lock(&mu_);
  LimiterState out;
  out.endpoint = endpoint_;
  out.adaptive = options_.fixed <= 0;
  out.limit = static_cast<int>(limit_);
  out.in_flight = in_flight_;
  out.waiting = static_cast<int>(waiters_.size());
  out.unloaded = Unloaded();
  out.queue = queue_;
  out.recent_rtt = recent_rtt_;
  out.drops = drops_;
  return out;
}

int ConcurrencyLimiter::limit() const {
  MutexLock lock(&mu_);
  return static_cast<int>(limit_);
}

LimiterRegistry::LimiterRegistry(ConcurrencyLimiterOptions options, Clock* clock)
    : options_(options), clock_(clock) {}

ConcurrencyLimiter& LimiterRegistry::For(const std::string& endpoint) {
  MutexLock lock(&mu_);
  for (const auto& limiter : limiters_) {
    if (limiter->endpoint() == endpoint) return *limiter;
  }
  limiters_.push_back(std::make_unique<ConcurrencyLimiter>(endpoint, options_, clock_));
  return *limiters_.back();
}

std::vector<LimiterState> LimiterRegistry::States() const {
  MutexLock lock(&mu_);
  std::vector<LimiterState> out;
  out.reserve(limiters_.size());
  for (const auto& limiter : limiters_) out.push_back(limiter->State());
  return out;
}

int LimiterRegistry::SumOfLimits() const {
  MutexLock lock(&mu_);
  int sum = 0;
  for (const auto& limiter : limiters_) sum += limiter->limit();
  return sum;
}

int LimiterRegistry::InFlightTarget() const {
  int limits = SumOfLimits();
  if (limits == 0) {
    limits = options_.fixed > 0
                 ? options_.fixed
                 : std::clamp(options_.initial_limit, std::max(1, options_.min_limit),
                              std::max(1, options_.max_limit));
  }
  return limits + limits / 4 + 4;
}

}  // namespace codi
