#include "agent/solvers/tls_alpn01.h"

#include <arpa/inet.h>

#include <cstdio>

#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace anvil::agent {
namespace {

constexpr char kAcmeTls1[] = "acme-tls/1";

Result<std::string> SelfSigned(const crypto::PrivateKey& key, const std::vector<std::string>& dns_names,
                               const std::vector<std::string>& ip_addresses,
                               std::optional<std::string> acme_id) {
  crypto::CertificateTemplate t;
  t.serial = crypto::RandomBytes(16);
  t.serial[0] = static_cast<char>((t.serial[0] & 0x7f) | 0x01);
  TimePoint now = std::chrono::system_clock::now();
  t.not_before = now - std::chrono::hours(1);
  t.not_after = now + std::chrono::hours(24 * 7);
  t.dns_names = dns_names;
  t.ip_addresses = ip_addresses;
  t.acme_identifier = std::move(acme_id);
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cert,
                         crypto::IssueCertificate(t, key.public_key(), nullptr, key));
  return cert.ToPem();
}

}  // namespace

std::string TlsAlpnServerName(const acme::Identifier& identifier) {
  if (identifier.type == acme::IdentifierType::kDns) return identifier.authorization_value();
  unsigned char buf[16];
  if (inet_pton(AF_INET, identifier.value.c_str(), buf) == 1) {
    char out[64];
    std::snprintf(out, sizeof(out), "%u.%u.%u.%u.in-addr.arpa", buf[3], buf[2], buf[1], buf[0]);
    return out;
  }
  if (inet_pton(AF_INET6, identifier.value.c_str(), buf) == 1) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 15; i >= 0; --i) {
      out += kHex[buf[i] & 0xf];
      out += '.';
      out += kHex[buf[i] >> 4];
      out += '.';
    }
    return out + "ip6.arpa";
  }
  return identifier.value;
}

Result<std::unique_ptr<TlsAlpn01Solver>> TlsAlpn01Solver::Start(const std::string& address, uint16_t port) {
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  std::unique_ptr<TlsAlpn01Solver> solver(new TlsAlpn01Solver(key));
  solver->key_pem_ = key.ToPem();
  // The server needs a default certificate; it is only shown to clients that do not ask for acme-tls/1.
  ANVIL_ASSIGN_OR_RETURN(std::string default_pem,
                         SelfSigned(key, {"acme-tls-alpn.invalid"}, {}, std::nullopt));
  http::ServerOptions options;
  options.listen.push_back({address, port});
  options.tls_certificate_chain_pem = default_pem;
  options.tls_private_key_pem = solver->key_pem_;
  options.alpn_protocols = {kAcmeTls1, "http/1.1"};
  options.io_threads = 1;
  options.worker_threads = 0;  // the handler only answers 404: it runs on a fiber, no pool needed
  options.request_timeout = std::chrono::seconds(10);
  options.idle_timeout = std::chrono::seconds(10);
  TlsAlpn01Solver* self = solver.get();
  options.certificate_selector = [self](const std::string& sni, const std::string& alpn) {
    return self->Select(sni, alpn);
  };
  ANVIL_ASSIGN_OR_RETURN(solver->server_, http::Server::Start(std::move(options), [](const http::Request&) {
                           http::Response r;
                           r.status = 404;
                           return r;
                         }));
  return solver;
}

TlsAlpn01Solver::~TlsAlpn01Solver() {
  if (server_) server_->Stop(std::chrono::seconds(1));
}

uint16_t TlsAlpn01Solver::port() const {
  auto ports = server_->ports();
  return ports.empty() ? 0 : ports[0];
}

std::optional<std::pair<std::string, std::string>> TlsAlpn01Solver::Select(const std::string& sni,
                                                                           const std::string& alpn) {
  if (alpn != kAcmeTls1) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = certificates_.find(sni);
  if (it == certificates_.end()) return std::nullopt;
  return std::make_pair(it->second, key_pem_);
}

Status TlsAlpn01Solver::Present(const ChallengeTask& task) {
  std::vector<std::string> dns, ips;
  if (task.identifier.type == acme::IdentifierType::kDns) {
    dns.push_back(task.identifier.authorization_value());
  } else {
    ips.push_back(task.identifier.value);
  }
  // RFC 8737 §3: the extension holds SHA-256 of the key authorization.
  ANVIL_ASSIGN_OR_RETURN(std::string pem, SelfSigned(key_, dns, ips, crypto::Sha256(task.key_authorization)));
  std::lock_guard<std::mutex> lock(mu_);
  certificates_[TlsAlpnServerName(task.identifier)] = std::move(pem);
  return Status::Ok();
}

Status TlsAlpn01Solver::CleanUp(const ChallengeTask& task) {
  std::lock_guard<std::mutex> lock(mu_);
  certificates_.erase(TlsAlpnServerName(task.identifier));
  return Status::Ok();
}

}  // namespace anvil::agent
