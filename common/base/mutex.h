// The mutex, lock guard and notification every part of codi uses.
//
// In a normal build these are absl::Mutex, absl::MutexLock and
// absl::Notification themselves (type aliases: no cost, same behaviour).
//
// In a ThreadSanitizer build (scripts/test-tsan.sh) they are small classes on
// std::mutex and std::condition_variable instead. Debian's Abseil is not
// compiled with -fsanitize=thread, so TSan cannot see absl::Mutex lock and
// unlock, and reports every access made under one as a race. std::mutex goes
// through pthread, which TSan intercepts, so these locks order accesses as
// TSan expects. They keep the thread-safety annotations (clang
// -Wthread-safety checks both variants) and the subset of the absl API that
// codi uses: Lock/Unlock, Await and AwaitWithDeadline on an absl::Condition,
// and Notification.
//
// Code outside this file uses codi::Mutex, never absl::Mutex directly
// (tests/architecture/check_layout.py enforces it).
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#if defined(__SANITIZE_THREAD__)
#define CODI_TSAN_MUTEX 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CODI_TSAN_MUTEX 1
#endif
#endif

#ifdef CODI_TSAN_MUTEX
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/time/clock.h"
#endif

namespace codi {

#ifndef CODI_TSAN_MUTEX

using Mutex = absl::Mutex;
using MutexLock = absl::MutexLock;
using Notification = absl::Notification;

#else  // CODI_TSAN_MUTEX

// absl::Mutex's semantics as far as codi uses them: Await(condition)
// re-evaluates the condition whenever the mutex is released by any thread,
// so every Unlock wakes all waiters (fine for a race-checking build, where
// speed does not matter).
class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    changed_.notify_all();
    mu_.unlock();
  }
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

  // With the mutex held: returns once `condition` holds, the mutex held again.
  void Await(const absl::Condition& condition) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    changed_.notify_all();  // what this thread changed may be what others await
    while (!condition.Eval()) changed_.wait(lock);
    lock.release();
  }

  // As Await, but gives up at `deadline`; returns whether `condition` held.
  bool AwaitWithDeadline(const absl::Condition& condition, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    if (deadline == absl::InfiniteFuture()) {
      Await(condition);
      return true;
    }
    const auto until = absl::ToChronoTime(deadline);
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    changed_.notify_all();
    bool held = condition.Eval();
    while (!held && changed_.wait_until(lock, until) == std::cv_status::no_timeout) {
      held = condition.Eval();
    }
    if (!held) held = condition.Eval();
    lock.release();
    return held;
  }

  bool AwaitWithTimeout(const absl::Condition& condition, absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return AwaitWithDeadline(condition, absl::Now() + timeout);
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }

 private:
  Mutex* const mu_;
};

class Notification {
 public:
  Notification() = default;
  explicit Notification(bool prenotify) : notified_(prenotify) {}
  Notification(const Notification&) = delete;
  Notification& operator=(const Notification&) = delete;

  void Notify() {
    MutexLock lock(&mu_);
    notified_ = true;
  }
  bool HasBeenNotified() const {
    MutexLock lock(&mu_);
    return notified_;
  }
  void WaitForNotification() const {
    MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&notified_));
  }
  bool WaitForNotificationWithTimeout(absl::Duration timeout) const {
    return WaitForNotificationWithDeadline(absl::Now() + timeout);
  }
  bool WaitForNotificationWithDeadline(absl::Time deadline) const {
    MutexLock lock(&mu_);
    return mu_.AwaitWithDeadline(absl::Condition(&notified_), deadline);
  }

 private:
  mutable Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
};

#endif  // CODI_TSAN_MUTEX

// Turns off absl::Mutex's lock-order (deadlock) detection, which Debian's
// Abseil builds with on: it records every lock in a global graph
// (GraphCycles::GetId, mutex slow paths, under its own global lock): a few
// per cent of a busy worker's CPU, a tenth of a busy coordinator's (gRPC's
// own mutexes pay it too). Call first thing in every binary's main(), before any thread starts.
// TSan builds check lock order themselves; there this is a no-op.
inline void DisableMutexDeadlockDetection() {
#ifndef CODI_TSAN_MUTEX
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
}

}  // namespace codi
