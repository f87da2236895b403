// Server: an HTTP/1.1 (optionally TLS) listener that turns each request into a call of one Handler.
//
// Transport only: accept, TLS (with ALPN and per-SNI certificate selection for tls-alpn-01 responders),
// request parsing with limits, keep-alive, timeouts, connection limits and graceful shutdown. It knows
// nothing of ACME. Sockets are served by `io_threads` threads. Handlers run either on a separate pool of
// `worker_threads`, so a handler that blocks (on a database, say) never stalls I/O of other connections, or,
// with worker_threads = 0, on a fiber (base/fiber.h) on the I/O thread of their connection: such a handler
// must wait only through fiber::Await (a store write does), never by blocking its thread, and then costs no
// hand-off between threads at all.
// Requests on one connection are handled one after the other (pipelined requests are answered in order).
//
// Limits and their responses: a header block above max_header_bytes → 431, a body above max_body_bytes
// (Content-Length or chunked) → 413, a malformed request (bad syntax, missing or repeated Host in HTTP/1.1, a
// target that is not origin- or absolute-form) → 400; each of these closes the connection. A request that
// does not arrive completely within request_timeout, a TLS handshake that does not finish within it, or a
// response the client does not read within it closes the connection without a response. Connections beyond
// max_connections are accepted and closed at once.
//
// Thread-safety: Start, ports, ReloadCertificate and Stop may be called from any thread (ports and
// ReloadCertificate concurrently with serving). Stop must not be called from inside the handler. The
// implementation (Boost.Beast/Asio) is hidden behind a pointer so including this header stays cheap.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "http/message.h"

namespace anvil::http {

// An address to listen on. `host` is an IP literal ("127.0.0.1", "::1", "0.0.0.0", "::") or "localhost",
// which means both 127.0.0.1 and ::1 (::1 is skipped when the host has no IPv6). IPv6 sockets are IPv6-only,
// so "::" and "0.0.0.0" can be combined on one port.
struct ListenAddress {
  std::string host;
  uint16_t port = 0;  // 0 = an ephemeral port; see Server::ports().
};

struct ServerOptions {
  std::vector<ListenAddress> listen;
  // PEM certificate chain (leaf first) and private key; an empty chain means plain HTTP.
  std::string tls_certificate_chain_pem;
  std::string tls_private_key_pem;
  // Protocols offered via ALPN, in preference order, when non-empty (e.g. {"acme-tls/1"} for a tls-alpn-01
  // responder, {"http/1.1"} for the API). A client offering none of them is served without ALPN.
  std::vector<std::string> alpn_protocols;
  // Optional per-handshake certificate choice (tls-alpn-01 responders, RFC 8737): called with the SNI server
  // name
  // ("" if none) and the ALPN protocol the server will select ("" if none); returns {chain_pem, key_pem} or
  // nullopt for the default certificate. Called on an I/O thread during the handshake, so it must be fast and
  // thread-safe. A returned pair that does not parse fails that handshake.
  std::function<std::optional<std::pair<std::string, std::string>>(const std::string& sni,
                                                                   const std::string& alpn)>
      certificate_selector;
  // PEM certificates (roots, and intermediates to build chains with) that client certificates must chain to,
  // for TLS client authentication (the admin API). Empty: no certificate is asked for. Otherwise one is asked
  // for but not required; one presented that does not verify fails the handshake, and a verified one reaches
  // the handler as Request::client_certificate_der. Who it names is the handler's decision.
  std::string client_ca_pem;
  size_t max_body_bytes = 64 * 1024;
  size_t max_header_bytes = 16 * 1024;
  std::chrono::seconds idle_timeout{30};  // A keep-alive connection with no request for this long is closed.
  std::chrono::seconds request_timeout{
      30};  // TLS handshake, one request (headers + body), one response write.
  size_t max_connections = 10000;
  int io_threads = 0;  // 0 → std::thread::hardware_concurrency().
  int worker_threads = 16;  // 0 → handlers run on fibers on the I/O threads (see the top of this file).
  // The response to what the server refuses before or instead of the handler: a request it cannot read (400,
  // 413, 431, 505) or a handler that threw or answered an invalid status (500). `detail` is the reason. Called
  // on an I/O thread: must be quick and must not throw. Empty: a text/plain body with the reason. (The ACME
  // server answers with problem documents: WebFrontEnd::Refusal.)
  std::function<Response(int status, const std::string& detail)> refusal_response;
};

class Server {
 public:
  // Binds every address, starts the threads and returns the running server. Errors: kIo naming the address
  // when a bind fails; kInvalidArgument for a bad certificate, key, option (no address, zero threads) or ALPN
  // name. TLS 1.2 minimum (1.3 allowed), no compression, no renegotiation.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, Handler handler);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // Stop() with the default grace if still running.

  // The bound ports, one per listening socket in `listen` order ("localhost" counts as its 127.0.0.1 and, if
  // bound, ::1 sockets, which share one port).
  std::vector<uint16_t> ports() const;

  // Graceful shutdown: stops accepting, closes idle connections, lets in-flight requests finish and be
  // answered (with "Connection: close") for up to `grace`, then closes what is left and joins the threads. A
  // handler still running after `grace` cannot be interrupted: Stop waits for it to return. Idempotent.
  void Stop(std::chrono::seconds grace = std::chrono::seconds(10));

  // Replaces the default TLS certificate for connections accepted from now on (certificate renewal without a
  // restart); existing connections keep theirs. kInvalidArgument on a bad chain or key (the old one stays);
  // kInvalidArgument on a plain-HTTP server.
  Status ReloadCertificate(const std::string& chain_pem, const std::string& key_pem);

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace anvil::http
