// SIGINT/SIGTERM handling without async-signal-safety traps: the signals are
// blocked in every thread and one watcher thread receives them with sigwait
// and runs a plain callback.
#pragma once

#include <functional>

namespace codi {

// Call first thing in main(), before any thread starts (threads inherit the mask).
void BlockTerminationSignals();

// Starts a detached watcher that calls `on_signal(signo)` for each SIGINT or
// SIGTERM received.
void WatchTerminationSignals(std::function<void(int)> on_signal);

}  // namespace codi
