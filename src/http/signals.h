// Waiting for SIGINT/SIGTERM so a program can shut down gracefully (Server::Stop) instead of dying
// mid-request, and for SIGHUP, the conventional "read your files again" (systemctl reload).
//
// Signal masks are per thread and inherited by threads created later, so call BlockTerminationSignals() first
// in main(), before any other thread exists; WaitForTerminationSignal() then receives the signal
// synchronously with sigwait. (Threads started by http::Server block these signals themselves, whenever they
// are created.) Thread-safety: both functions affect only the calling thread's signal mask; call them from
// the main thread.
#pragma once

namespace anvil::http {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and so in threads it creates afterwards).
void BlockTerminationSignals();

// Blocks SIGINT and SIGTERM in the calling thread and returns once one of them arrives; returns the signal
// number.
int WaitForTerminationSignal();

// The same, and also returns on SIGHUP (blocked by BlockTerminationSignals, so that it does not end the
// process, whose default action for it that is).
int WaitForTerminationOrReloadSignal();

}  // namespace anvil::http
