// SIGINT/SIGTERM (and, for the coordinator, SIGHUP) handling without
// async-signal-safety traps: the signals are blocked in every thread and one
// watcher thread per kind receives them with sigwait and runs a plain callback.
#pragma once

#include <functional>

namespace codi {

// Call first thing in main(), before any thread starts (threads inherit the mask).
void BlockTerminationSignals();

// Starts a detached watcher that calls `on_signal(signo)` for each SIGINT or
// SIGTERM received.
void WatchTerminationSignals(std::function<void(int)> on_signal);

// SIGHUP means "reload your configuration" to a process that calls these
// (first thing in main(), like BlockTerminationSignals); other processes keep
// the default action.
void BlockReloadSignal();
// Starts a detached watcher that calls `on_reload()` for each SIGHUP received.
void WatchReloadSignal(std::function<void()> on_reload);

}  // namespace codi
