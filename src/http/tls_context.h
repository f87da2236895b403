// Internal to http/: OpenSSL server contexts for Server (TLS versions, ciphers, ALPN selection, per-SNI
// certificate choice). Kept apart from server.cc so the TLS policy is in one short file and server.cc needs
// no OpenSSL calls.
//
// Thread-safety: NewServerContext may be called from any thread; the callbacks it installs read `config`
// concurrently from I/O threads, so `config` must not change while a context made from it is in use.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX.
struct ssl_st;      // OpenSSL's SSL.

namespace anvil::http::internal {

struct TlsServerConfig {
  std::vector<std::string> alpn_protocols;  // Server preference order; empty → no ALPN.
  std::function<std::optional<std::pair<std::string, std::string>>(const std::string& sni,
                                                                   const std::string& alpn)>
      certificate_selector;  // May be empty.
  // PEM certificates a client certificate must chain to (ServerOptions::client_ca_pem); empty: none is asked.
  std::string client_ca_pem;
};

struct SslCtxFree {
  void operator()(ssl_ctx_st* ctx) const;
};
using SslCtxPtr = std::unique_ptr<ssl_ctx_st, SslCtxFree>;

// kInvalidArgument unless every protocol is 1..255 bytes.
Status ValidateAlpnProtocols(const std::vector<std::string>& protocols);

// A server context serving `chain_pem` (leaf first) with `key_pem`: TLS 1.2 minimum, no compression, no
// renegotiation, AEAD ECDHE suites for TLS 1.2, and the ALPN and certificate callbacks of `config`, which
// must outlive the context and every connection made from it. With config->client_ca_pem, a client may present a
// certificate, and the handshake fails when one does that does not verify against those certificates (one
// that presents none is served). kInvalidArgument for a bad chain or key, a key that does not match the leaf,
// or client CA text without a certificate.
Result<SslCtxPtr> NewServerContext(const std::string& chain_pem, const std::string& key_pem,
                                   const TlsServerConfig* config);

// The DER of the client certificate `ssl`'s peer presented, when it verified against the context's client CAs;
// empty when none was presented (or none was asked for).
std::string VerifiedPeerCertificateDer(ssl_st* ssl);

}  // namespace anvil::http::internal
