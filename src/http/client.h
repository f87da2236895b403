// Client: the one way Anvil talks HTTP(S) as a client — the agent to an ACME server, anvil-ca to an
// authorization webhook and to its notification endpoints — and its libcurl implementation.
//
// The interface is deliberately small (one request → one response, no redirects followed) so that callers
// (the agent's protocol flow, agent/acme_client.h; the RA's webhook, ra/authorization_hook.h) can be tested
// against a scripted fake without a network. The libcurl
// implementation always verifies the server's certificate and host name (there is no switch to turn that
// off); `ca_bundle` replaces the system trust store for a private CA's HTTPS. Proxies come from the usual
// environment variables (http_proxy, https_proxy, no_proxy), which libcurl reads itself. A response body
// larger than `max_response_bytes` fails the request (kIo) instead of growing without bound.
//
// Thread-safety: implementations must allow concurrent Send calls; the curl client gives each concurrent call
// an easy handle of its own and keeps a few idle ones (with their connections) for the next calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace anvil::http {

struct ClientResponse {
  int status = 0;
  Headers
      headers;  // Every header field of the final response, in order (Link may occur several times).
  std::string body;
};

class Client {
 public:
  virtual ~Client() = default;
  // Sends one request and returns the response whatever its status code (4xx/5xx are responses, not errors).
  // Errors: kConnection (cannot connect / resolve), kTls (certificate or handshake), kTimeout, kIo (other
  // transport failures, oversized response), kInvalidArgument (bad URL or method).
  virtual Result<ClientResponse> Send(std::string_view method, const std::string& url,
                                    const Headers& headers, std::string_view body) = 0;
};

struct CurlClientOptions {
  std::string ca_bundle;  // PEM file of trusted CAs; empty = the system store.
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds total_timeout{120000};  // Whole request, including the body transfer.
  size_t max_response_bytes = 8 * 1024 * 1024;
  std::string user_agent = "anvil/0.1";
};

// kInvalidArgument if the CA bundle is set but unreadable; kInternal if libcurl cannot be initialized.
Result<std::unique_ptr<Client>> NewCurlClient(CurlClientOptions options);

}  // namespace anvil::http
