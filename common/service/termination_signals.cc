#include "common/service/termination_signals.h"

#include <pthread.h>
#include <signal.h>

#include <thread>

namespace codi {
namespace {

sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

sigset_t ReloadSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WatchTerminationSignals(std::function<void(int)> on_signal) {
  std::thread([on_signal = std::move(on_signal)] {
    sigset_t set = TerminationSet();
    while (true) {
      int signo = 0;
      if (sigwait(&set, &signo) == 0) on_signal(signo);
    }
  }).detach();
}

void BlockReloadSignal() {
  sigset_t set = ReloadSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WatchReloadSignal(std::function<void()> on_reload) {
  std::thread([on_reload = std::move(on_reload)] {
    sigset_t set = ReloadSet();
    while (true) {
      int signo = 0;
      if (sigwait(&set, &signo) == 0) on_reload();
    }
  }).detach();
}

}  // namespace codi
