// Sockets on 127.0.0.1 for tests: a port bound (and kept, or closed) to provoke refusals and timeouts.
#pragma once

#include <cstdint>

namespace anvil::testing {

// A socket of `type` (SOCK_STREAM, SOCK_DGRAM) bound to 127.0.0.1:port (0: any free port), or -1.
int BindLoopback(int type, uint16_t port = 0);
// The local port of a bound socket (IPv4 or IPv6).
uint16_t LocalPort(int fd);

}  // namespace anvil::testing
