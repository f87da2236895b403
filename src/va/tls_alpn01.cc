// tls-alpn-01 (RFC 8737 §3; RFC 8738 §6 for ip identifiers): a TLS handshake offering only "acme-tls/1" whose
// leaf certificate names exactly the identifier and carries the critical id-pe-acmeIdentifier extension with
// SHA-256 of the key authorization. The handshake is http::ProbeTls; the certificate is read with crypto.
#include <algorithm>
#include <chrono>

#include "crypto/certificate.h"
#include "crypto/digest.h"
#include "http/tls_probe.h"
#include "va/common.h"
#include "va/network_validator.h"

namespace anvil::va {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kAcmeTls1[] = "acme-tls/1";  // RFC 8737 §6.2

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return s;
}

// RFC 8737 §3 checks on the leaf the server presented for `id`.
Status CheckCertificate(const http::TlsProbeResult& probe, const acme::Identifier& id,
                        const std::string& key_authorization) {
  const std::string prefix = "Incorrect validation certificate for tls-alpn-01 challenge. ";
  if (probe.peer_chain_der.empty())
    return Error(Code::kUnauthorized, prefix + "No certificate was presented");
  auto leaf = crypto::Certificate::FromDer(probe.peer_chain_der.front());
  if (!leaf.ok()) return Error(Code::kUnauthorized, prefix + "The certificate could not be parsed");

  // "The client prepares for validation by constructing a self-signed certificate that MUST contain an
  // acmeIdentifier extension and a subjectAlternativeName extension [RFC5280]. The subjectAlternativeName
  // extension MUST contain a single dNSName entry where the value is the domain name being validated."
  // RFC 8738 §6: for an ip identifier, a single iPAddress entry instead.
  const std::vector<std::string> dns_names = leaf->dns_names();
  const std::vector<std::string> ips = leaf->ip_addresses();
  const size_t names = dns_names.size() + ips.size();
  const bool is_ip = id.type == acme::IdentifierType::kIp;
  const std::string kind = is_ip ? "iPAddress" : "dNSName";
  if (names != 1) {
    return Error(Code::kUnauthorized, prefix + "Requested " + kind + " " + id.value +
                                          ", but the certificate has " + std::to_string(names) +
                                          " subjectAltName entries; exactly one is required");
  }
  const bool matches = is_ip ? (ips.size() == 1 && ips.front() == id.value)
                             : (dns_names.size() == 1 && Lower(dns_names.front()) == id.value);
  if (!matches) {
    const std::string got = dns_names.empty() ? "iPAddress " + ips.front() : "dNSName " + dns_names.front();
    return Error(Code::kUnauthorized, prefix + "Requested " + kind + " " + id.value +
                                          ", but the certificate names " +
                                          internal::QuoteForDetail(got, 255));
  }

  // "The acmeIdentifier extension MUST be critical and the value ... MUST contain the SHA-256 digest of the
  // key authorization".
  auto ext = leaf->acme_identifier();
  // A certificate was presented but its proof is wrong: RFC 8555 §6.7 incorrectResponse (a missing proof stays
  // unauthorized, as a missing http-01 file or TXT record).
  if (!ext.ok()) return Error(Code::kIncorrectResponse, prefix + "The acmeIdentifier extension is malformed");
  if (!ext->has_value())
    return Error(Code::kUnauthorized, prefix + "The acmeIdentifier extension is missing");
  const auto& [value, critical] = **ext;
  if (!critical) return Error(Code::kIncorrectResponse, prefix + "The acmeIdentifier extension is not critical");
  if (!crypto::ConstantTimeEquals(value, crypto::Sha256(key_authorization))) {
    return Error(Code::kIncorrectResponse, prefix + "The acmeIdentifier extension's value (" +
                                          crypto::HexEncode(value.substr(0, 32)) +
                                          ") is not SHA-256 of the expected key authorization");
  }
  return Status::Ok();
}

}  // namespace

ValidationResult ValidateTlsAlpn01(const ValidationRequest& request, const ValidatorOptions& options,
                                   DnsResolver& resolver) {
  ValidationResult result;
  const acme::Identifier& id = request.identifier;
  if (id.wildcard()) {
    result.status = Error(Code::kMalformed, "tls-alpn-01 cannot validate a wildcard name (RFC 8737 §3)");
    return result;
  }
  std::string server_name = id.value;
  if (id.type == acme::IdentifierType::kIp) {
    // RFC 8738 §6: SNI carries the reverse-DNS name, since SNI cannot carry an address (RFC 6066 §3).
    auto reverse = ReverseDnsName(id.value);
    if (!reverse.ok()) {
      result.status = reverse.status();
      return result;
    }
    server_name = *std::move(reverse);
  }
  const auto deadline = Clock::now() + options.tls_timeout;

  ValidationRecord record;
  record.hostname = id.value;
  record.port = std::to_string(options.tls_alpn_port);
  auto addresses = internal::ResolveTarget(id.value, resolver);
  if (!addresses.ok()) {
    result.records.push_back(std::move(record));
    result.status = addresses.status();
    return result;
  }
  record.addresses_resolved = *addresses;
  const std::vector<std::string> order = internal::ConnectOrder(*addresses);
  Result<http::TlsProbeResult> probe = Error(Code::kDns, "DNS problem: no usable address for " + id.value);
  for (size_t i = 0; i < order.size(); ++i) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      probe = Error(Code::kConnection,
                    "Timeout during connect to " + internal::HostPort(order[i], options.tls_alpn_port));
      break;
    }
    const bool fallback_exists = i + 1 < order.size();
    record.address_used = order[i];
    probe = http::ProbeTls(order[i], options.tls_alpn_port, server_name, {kAcmeTls1},
                           fallback_exists ? left / 2 : left);
    // Fall back from IPv6 to IPv4 only when the connection failed, not when TLS or the certificate did.
    if (probe.ok() || probe.status().code() != Code::kConnection || !fallback_exists) break;
    record.addresses_tried.push_back(order[i]);
  }
  result.records.push_back(std::move(record));
  if (!probe.ok()) {
    const Status& s = probe.status();
    const std::string where = internal::HostPort(result.records.back().address_used, options.tls_alpn_port);
    if (s.code() == Code::kConnection) {
      result.status = Error(Code::kConnection, "Connecting to " + where + " for tls-alpn-01: " + s.message());
    } else if (s.code() == Code::kTls) {
      result.status =
          Error(Code::kTls, "TLS handshake with " + where + " for tls-alpn-01 failed: " + s.message());
    } else if (s.code() == Code::kDns) {
      result.status = s;
    } else {
      result.status = Error(Code::kConnection, "Connecting to " + where + " for tls-alpn-01 failed");
    }
    return result;
  }
  if (probe->negotiated_alpn != kAcmeTls1) {
    result.status = Error(Code::kUnauthorized,
                          "Cannot negotiate ALPN protocol \"acme-tls/1\" for tls-alpn-01 "
                          "challenge (the server selected " +
                              internal::QuoteForDetail(probe->negotiated_alpn) + ")");
    return result;
  }
  // RFC 8737 §4: TLS 1.2 or higher. ProbeTls already refuses older versions; this guards a future change
  // there.
  if (probe->tls_version != "TLSv1.2" && probe->tls_version != "TLSv1.3") {
    result.status =
        Error(Code::kTls, "tls-alpn-01 requires TLS 1.2 or higher (RFC 8737 §4), the server used " +
                              internal::QuoteForDetail(probe->tls_version));
    return result;
  }
  result.status = CheckCertificate(*probe, id, request.key_authorization);
  return result;
}

}  // namespace anvil::va
