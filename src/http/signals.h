// Waiting for SIGINT/SIGTERM so a program can shut down gracefully (Server::Stop) instead of dying
// mid-request.
//
// Signal masks are per thread and inherited by threads created later, so call BlockTerminationSignals() first
// in main(), before any other thread exists; WaitForTerminationSignal() then receives the signal
// synchronously with sigwait. (Threads started by http::Server block these signals themselves, whenever they
// are created.) Thread-safety: both functions affect only the calling thread's signal mask; call them from
// the main thread.
#pragma once

namespace anvil::http {

// Blocks SIGINT and SIGTERM in the calling thread (and so in threads it creates afterwards).
void BlockTerminationSignals();

// Blocks SIGINT and SIGTERM in the calling thread and returns once one of them arrives; returns the signal
// number.
int WaitForTerminationSignal();

}  // namespace anvil::http
