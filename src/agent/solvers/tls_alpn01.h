// tls-alpn-01 standalone responder (RFC 8737): a TLS server that, when a client offers ALPN "acme-tls/1" with
// the SNI name of an identifier being validated, presents a self-signed certificate for that name carrying
// the critical id-pe-acmeIdentifier extension (SHA-256 of the key authorization). IP identifiers (RFC 8738
// §6) are answered for their reverse-DNS SNI name ("4.3.2.1.in-addr.arpa") with an iPAddress SAN.
//
// Thread-safety: see solver.h; the certificate table is guarded and read from the server's handshake threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "agent/solvers/solver.h"
#include "crypto/key.h"
#include "http/server.h"

namespace anvil::agent {

// The SNI name a validator sends for `identifier` (the DNS name, or the reverse-DNS name of an IP).
std::string TlsAlpnServerName(const acme::Identifier& identifier);

class TlsAlpn01Solver final : public Solver {
 public:
  // kIo when the address cannot be bound; port 0 = ephemeral (see port()).
  static Result<std::unique_ptr<TlsAlpn01Solver>> Start(const std::string& address, uint16_t port);
  ~TlsAlpn01Solver() override;

  std::string_view challenge_type() const override { return "tls-alpn-01"; }
  Status Present(const ChallengeTask& task) override;
  Status CleanUp(const ChallengeTask& task) override;
  uint16_t port() const;

 private:
  explicit TlsAlpn01Solver(crypto::PrivateKey key) : key_(std::move(key)) {}
  std::optional<std::pair<std::string, std::string>> Select(const std::string& sni, const std::string& alpn);

  crypto::PrivateKey key_;
  std::string key_pem_;
  std::mutex mu_;
  std::map<std::string, std::string> certificates_;  // SNI name → certificate PEM
  std::unique_ptr<http::Server> server_;
};

}  // namespace anvil::agent
