// Sockets on 127.0.0.1 for tests: a port bound (and kept, or closed) to provoke refusals and timeouts, and free
// ports for test servers.
#pragma once

#include <cstdint>

#include "base/status.h"

namespace anvil::testing {

// A socket of `type` (SOCK_STREAM, SOCK_DGRAM) bound to 127.0.0.1:port (0: any free port), or -1.
int BindLoopback(int type, uint16_t port = 0);
// The local port of a bound socket (IPv4 or IPv6).
uint16_t LocalPort(int fd);

// A port free on 127.0.0.1 for both TCP and UDP, for a server the test starts a moment later. Drawn from below
// the kernel's ephemeral range, so no outgoing connection of a test running alongside can take it before the
// server binds, and reserved in $TMPDIR/anvil-test-ports against the other tests' picks: the same rule as
// tests/support/free_port.py, whose reservations it shares.
Result<uint16_t> FreePort();

}  // namespace anvil::testing
