// anvil-bench's HTTP client: Boost.Beast HTTP/1.1 over one kept-alive TLS connection per worker, each step
// bounded by `timeout`. Created on a FiberLoop fiber (fiber_loop.h), it waits by suspending that fiber and
// its I/O runs on the loop; elsewhere each call runs to completion on the client's own io_context.
//
// The agent's libcurl client spends about 40% of anvil-bench's CPU in curl's state machine and its poll(2)
// calls (perf, docs/performance.md); a load generator must leave the cores to the server it measures. It also
// speaks HTTP/1.1 to every server, where libcurl would pick HTTP/2 for servers that offer it (Pebble).
// Same contract as http::Client: the server's certificate and host name are always verified (against
// `ca_bundle`, or the system store), a response larger than `max_response_bytes` fails the request, no
// redirects are followed. https only (every ACME server is). A request on a kept-alive connection that the
// server had closed (an error before any byte of the response, other than a timeout) is sent once more on a
// new connection, as browsers and libcurl do. Not thread-safe: one client per worker.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "http/client.h"

namespace anvil::bench {

struct BeastHttpClientOptions {
  std::string ca_bundle;  // PEM file of trusted CAs; empty = the system store.
  std::chrono::seconds timeout{60};  // Each step: connect, TLS handshake, sending a request, reading a response.
  size_t max_response_bytes = 8 * 1024 * 1024;
  std::string user_agent = "anvil-bench/0.1";
};

// kInvalidArgument if the CA bundle cannot be read.
Result<std::unique_ptr<http::Client>> NewBeastHttpClient(BeastHttpClientOptions options);

}  // namespace anvil::bench
