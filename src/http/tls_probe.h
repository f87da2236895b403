// ProbeTls: one TLS handshake to an address, reporting what the server presented, for tls-alpn-01 validation
// (RFC 8737) by the validation authority.
//
// The probe connects to an IP literal (no DNS: the caller resolved and chose the address), sends SNI and
// exactly the given ALPN protocols, does NOT verify the peer certificate (the caller checks the
// acmeIdentifier extension and names itself), returns the chain and the negotiated ALPN, and closes. It never
// sends application data.
//
// Thread-safety: blocking and self-contained; safe to call from many threads at once. Raises no SIGPIPE.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace anvil::http {

struct TlsProbeResult {
  std::string negotiated_alpn;              // "" if the server selected none.
  std::vector<std::string> peer_chain_der;  // DER certificates as sent by the server, leaf first.
  std::string tls_version;                  // "TLSv1.3" or "TLSv1.2".
};

// Connects to ip:port, does a TLS 1.2+ handshake with SNI `server_name` (none if empty) offering exactly
// `alpn_protocols` (no ALPN extension if empty), all within `timeout` (connect + handshake).
// Errors: kInvalidArgument (ip is not an IP literal, an ALPN name is empty or longer than 255 bytes);
// kConnection (refused, unreachable, reset, or the timeout expired); kTls (handshake failure, e.g. an alert,
// or no certificate).
Result<TlsProbeResult> ProbeTls(const std::string& ip, uint16_t port, const std::string& server_name,
                                const std::vector<std::string>& alpn_protocols,
                                std::chrono::milliseconds timeout);

}  // namespace anvil::http
