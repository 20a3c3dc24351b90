#include "worker/worker_runtime.h"

#include <pthread.h>

#include "common/base/logging.h"

namespace codi {
namespace {

// Sanitizers need far larger stacks than the code itself.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

}  // namespace

// A joinable thread with the given stack size (0 or under a sanitizer: the
// default), since std::thread cannot set one.
class SmallStackThread {
 public:
  SmallStackThread(std::function<void()> body, size_t stack_bytes) : body_(std::move(body)) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (stack_bytes > 0 && !kSanitized) pthread_attr_setstacksize(&attr, stack_bytes);
    started_ = pthread_create(&thread_, &attr, &SmallStackThread::Main, this) == 0;
    pthread_attr_destroy(&attr);
    if (!started_) {
      // Out of threads or memory: run the body in a normal thread instead.
      fallback_ = std::thread(body_);
    }
  }
  SmallStackThread(const SmallStackThread&) = delete;
  SmallStackThread& operator=(const SmallStackThread&) = delete;
  ~SmallStackThread() { Join(); }

  void Join() {
    if (started_) {
      pthread_join(thread_, nullptr);
      started_ = false;
    }
    if (fallback_.joinable()) fallback_.join();
  }

 private:
  static void* Main(void* self) {
    static_cast<SmallStackThread*>(self)->body_();
    return nullptr;
  }

  std::function<void()> body_;
  pthread_t thread_{};
  bool started_ = false;
  std::thread fallback_;
};

WorkerRuntime::WorkerRuntime(WorkSource* source, WorkerOptions options)
    : source_(source), options_(std::move(options)) {}

WorkerRuntime::~WorkerRuntime() {
  Stop();
  MutexLock lock(&mu_);
  heartbeat_stop_ = true;
}

void WorkerRuntime::Stop() {
  stop_.store(true);
  {
    MutexLock lock(&gate_mu_);  // threads waiting at the gate see stop_
  }
  source_->CancelWaits();  // threads waiting for work return now
}

int WorkerRuntime::ReleaseHeld() {
  codi::v1::ReleaseRequest release;
  {
    MutexLock lock(&mu_);
    for (const auto& [text, held] : held_) {
      *release.add_keys() = held.first;
      release.add_epochs(held.second);
    }
  }
  if (release.keys().empty()) return 0;
  if (absl::Status status = source_->Release(release); !status.ok()) {
    Log(LogLevel::kWarning, "release_failed", {{"error", std::string(status.message())}});
    return 0;
  }
  return release.keys_size();
}

absl::StatusOr<std::shared_ptr<const JobContext>> WorkerRuntime::ContextFor(
    const std::string& job_id) {
  {
    MutexLock lock(&mu_);
    if (auto it = contexts_.find(job_id); it != contexts_.end()) return it->second;
  }
  codi::v1::JobSpecRequest request;
  request.set_job_id(job_id);
  auto spec = source_->GetJobSpec(request);
  if (!spec.ok()) return spec.status();
  auto teacher = options_.make_teacher(spec->spec());
  if (!teacher.ok()) return teacher.status();
  auto ctx = JobContext::Create(job_id, spec->spec(), *std::move(teacher), options_.clock);
  if (!ctx.ok()) return ctx.status();
  MutexLock lock(&mu_);
  contexts_[job_id] = *ctx;
  return *ctx;
}

void WorkerRuntime::RefreshGate() {
  const int target = std::min(options_.in_flight_target(), options_.concurrency);
  if (gate_target_seen_.exchange(target) == target) return;
  {
    MutexLock lock(&gate_mu_);  // unlocking wakes the threads the new target admits
    gate_target_ = gate_target_seen_.load();
  }
  SpawnUpTo(target + 1);  // and one waiting at the gate, to watch the target
}

void WorkerRuntime::EnterGate(int index) {
  if (!options_.in_flight_target) return;
  RefreshGate();
  struct Admitted {
    WorkerRuntime* self;
    int index;
    bool Open() const ABSL_NO_THREAD_SAFETY_ANALYSIS {  // evaluated with gate_mu_ held
      return self->stop_.load() || self->idle_.load() || index < self->gate_target_;
    }
  } admitted{this, index};
  while (true) {
    // The first thread beyond the target reads it every 100 ms, so a limit
    // that grows is followed within a round trip even while no conversation
    // ends (the first seconds of a job); the others only every 2 s.
    const absl::Duration poll =
        index == gate_target_seen_.load() ? absl::Milliseconds(100) : absl::Seconds(2);
    {
      MutexLock lock(&gate_mu_);
      if (options_.clock->AwaitWithDeadline(&gate_mu_, absl::Condition(&admitted, &Admitted::Open),
                                            options_.clock->Now() + poll)) {
        return;
      }
    }
    RefreshGate();  // no conversation ended for a while: read the target here
  }
}

void WorkerRuntime::WorkLoop(int index) {
  absl::Duration failure_backoff = absl::ZeroDuration();
  while (!stop_.load()) {
    EnterGate(index);
    if (stop_.load() || idle_.load()) return;
    codi::v1::LeaseRequest request;
    request.set_worker_id(options_.worker_id);
    request.set_max_conversations(1);
    request.set_wait_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(options_.lease_wait)));
    request.set_wait_when_idle(!options_.exit_when_idle);
    auto response = source_->Lease(request);
    if (!response.ok()) {
      // The coordinator may be restarting: back off, and log once per outage.
      if (failure_backoff == absl::ZeroDuration()) {
        Log(LogLevel::kWarning, "lease_failed",
            {{"error", std::string(response.status().message())}});
      }
      failure_backoff =
          std::min(std::max(failure_backoff * 2, absl::Milliseconds(100)), absl::Seconds(5));
      options_.clock->SleepFor(failure_backoff);
      continue;
    }
    if (failure_backoff != absl::ZeroDuration()) {
      Log(LogLevel::kInfo, "lease_recovered", {});
      failure_backoff = absl::ZeroDuration();
    }
    if (response->leases().empty()) {
      // Idle: no job has work now or later (a job ends only when none of its
      // conversations is queued or leased, so none can come back).
      if (options_.exit_when_idle && response->idle()) {
        // No conversation is queued or leased, so none is in flight: the
        // threads waiting at the gate end too.
        idle_.store(true);
        MutexLock lock(&gate_mu_);
        return;
      }
      continue;  // the call waited for work up to lease_wait; ask again
    }
    for (const auto& lease : response->leases()) {
      const std::string key = ConversationKeyText(lease.key());
      auto ctx = ContextFor(lease.key().job_id());
      if (!ctx.ok()) {
        Log(LogLevel::kError, "job_context_failed",
            {{"job", lease.key().job_id()}, {"error", std::string(ctx.status().message())}});
        codi::v1::FinishReport failed;
        *failed.mutable_key() = lease.key();
        failed.set_epoch(lease.epoch());
        failed.set_failed(true);
        failed.set_reason("worker:job_context");
        failed.set_detail(std::string(ctx.status().message()));
        (void)source_->Finish(failed);
        MutexLock lock(&mu_);
        if (fatal_.ok()) fatal_ = ctx.status();
        continue;
      }
      {
        MutexLock lock(&mu_);
        held_[key] = {lease.key(), lease.epoch()};
      }
      WorkerObserver no_observer;
      WorkerObserver& observer = options_.observer != nullptr ? *options_.observer : no_observer;
      counters_.in_flight.fetch_add(1);
      observer.InFlightChanged(1);
      ExecutionStats stats;
      ExecutionOutcome outcome =
          ExecuteConversation(**ctx, lease, *source_, stop_, &stats, &observer);
      counters_.in_flight.fetch_sub(1);
      observer.InFlightChanged(-1);
      counters_.turns.fetch_add(stats.turns);
      switch (outcome) {
        case ExecutionOutcome::kFinished:
          counters_.conversations_finished.fetch_add(1);
          observer.ConversationEnded("done");
          break;
        case ExecutionOutcome::kFailed:
          counters_.conversations_failed.fetch_add(1);
          observer.ConversationEnded("failed");
          break;
        case ExecutionOutcome::kStopped: {
          codi::v1::ReleaseRequest release;
          *release.add_keys() = lease.key();
          release.add_epochs(lease.epoch());
          (void)source_->Release(release);
          observer.ConversationEnded("released");
          break;
        }
        case ExecutionOutcome::kLeaseLost:
        case ExecutionOutcome::kUnreachable:
          counters_.leases_lost.fetch_add(1);
          observer.ConversationEnded("lost");
          break;
      }
      MutexLock lock(&mu_);
      held_.erase(key);
    }
  }
}

void WorkerRuntime::HeartbeatLoop() {
  Clock& clock = *options_.clock;
  while (true) {
    codi::v1::HeartbeatRequest request;
    request.set_worker_id(options_.worker_id);
    {
      MutexLock lock(&mu_);
      clock.AwaitWithDeadline(&mu_, absl::Condition(&heartbeat_stop_),
                              clock.Now() + options_.heartbeat_interval);
      if (heartbeat_stop_) return;
      for (const auto& [text, held] : held_) {
        *request.add_keys() = held.first;
        request.add_epochs(held.second);
      }
    }
    if (request.keys().empty()) continue;
    auto response = source_->Heartbeat(request);
    if (!response.ok()) {
      Log(LogLevel::kWarning, "heartbeat_failed",
          {{"error", std::string(response.status().message())}});
    }
  }
}

void WorkerRuntime::SpawnUpTo(int count) {
  MutexLock lock(&threads_mu_);
  count = std::min(count, options_.concurrency);
  while (static_cast<int>(threads_.size()) < count && !stop_.load()) {
    const int index = static_cast<int>(threads_.size());
    threads_.push_back(std::make_unique<SmallStackThread>([this, index] { WorkLoop(index); },
                                                          options_.thread_stack_bytes));
  }
}

absl::Status WorkerRuntime::Run() {
  // With a target, threads start as it grows (RefreshGate), so a small
  // teacher never costs thousands of idle threads.
  SpawnUpTo(options_.in_flight_target
                ? std::max(1, std::min(options_.in_flight_target(), options_.concurrency)) + 1
                : options_.concurrency);
  std::thread heartbeat([this] { HeartbeatLoop(); });
  // A thread may start another until it ends, so the list is read again
  // after each join; it ends once every started thread has been joined.
  for (size_t i = 0;; ++i) {
    SmallStackThread* thread = nullptr;
    {
      MutexLock lock(&threads_mu_);
      if (i >= threads_.size()) break;
      thread = threads_[i].get();
    }
    thread->Join();
  }
  stop_.store(true);
  {
    MutexLock lock(&mu_);
    heartbeat_stop_ = true;  // every work thread returned: stop the heartbeat too
  }
  heartbeat.join();
  MutexLock lock(&mu_);
  return fatal_;
}

}  // namespace codi
