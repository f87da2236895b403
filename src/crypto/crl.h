// X.509 certificate revocation lists (RFC 5280 §5): signing a CRL for an issuing CA, and reading one back.
//
// SignCrl builds a v2 CRL from a CrlTemplate: issuer name and authorityKeyIdentifier from the issuer
// certificate (the AKI is the issuer's subjectKeyIdentifier, RFC 5280 §5.2.1), the cRLNumber (§5.2.3),
// optionally a critical issuingDistributionPoint (§5.2.5), and one entry per revoked certificate, sorted by
// serial, each with its revocationDate and, unless the reason is unspecified (0) or absent, a non-critical
// reasonCode (§5.3.1: "unspecified" SHOULD be left out). The signature algorithm is the one the issuer key
// implies, as for certificates (crypto/certificate.h). Cost is O(n log n) in the entries (one sort); memory
// is the DER plus one OpenSSL entry per revoked certificate.
//
// Crl is an immutable parsed CRL; copies share it; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::crypto {

struct CrlEntry {
  std::string serial{};  // big-endian magnitude bytes, as Certificate::serial_bytes()
  TimePoint revoked_at{};
  // RFC 5280 §5.3.1 CRLReason; 0 (unspecified) is written as no reasonCode extension. Not 7 (unused) nor
  // 8 (removeFromCRL, which belongs only in delta CRLs).
  int reason = 0;
};

struct CrlTemplate {
  TimePoint this_update{}, next_update{};
  // Big-endian magnitude bytes of a non-negative integer of at most 20 octets (§5.2.3); "\x00" is zero.
  std::string crl_number{};
  // Non-empty: a critical issuingDistributionPoint whose distributionPoint is this fullName URI, with
  // onlyContainsUserCerts TRUE (the CRL of one issuer's end-entity certificates, matching the
  // cRLDistributionPoints URI of the certificates it covers). Empty: no IDP (a complete CRL of everything).
  std::string distribution_point_url{};
  std::vector<CrlEntry> entries{};
};

// kInvalidArgument for a bad template (next_update not after this_update, an empty or over-long CRL number,
// an empty or over-long serial, a duplicate serial, a reason outside 0..10, 7 (unused) or 8 (removeFromCRL:
// SignCrl writes complete CRLs, and a verifier such as OpenSSL's takes an entry with reason 8 as not
// revoked), a distribution_point_url that is not printable ASCII) or an issuer certificate whose key is not
// `issuer_key`'s, or that has no subjectKeyIdentifier. Returns the DER.
Result<std::string> SignCrl(const CrlTemplate& tmpl, const Certificate& issuer, const PrivateKey& issuer_key);

class Crl {
 public:
  // kMalformed on garbage, trailing data, outer headers (CertificateList, TBSCertList, AlgorithmIdentifiers)
  // that are not DER, or a version other than v1 or v2.
  static Result<Crl> FromDer(std::string_view der);
  std::string ToDer() const;
  std::string ToPem() const;  // "-----BEGIN X509 CRL-----"

  int version() const;         // 2 for a v2 CRL (the encoded INTEGER + 1)
  std::string issuer() const;  // RFC 2253, as Certificate::subject()
  TimePoint this_update() const;
  std::optional<TimePoint> next_update() const;
  std::optional<std::string> crl_number() const;  // big-endian magnitude bytes
  std::string authority_key_id() const;           // keyIdentifier, raw bytes; empty if absent
  // The issuingDistributionPoint: its fullName URI (empty if none), whether it is critical and has
  // onlyContainsUserCerts; nullopt when the CRL has none.
  struct DistributionPoint {
    std::string url;
    bool critical = false;
    bool only_user_certs = false;
  };
  std::optional<DistributionPoint> issuing_distribution_point() const;
  // Entries in the order of the DER. reason is 0 when the entry has no reasonCode.
  std::vector<CrlEntry> entries() const;
  // The outer signatureAlgorithm equals the TBS signature field (§5.1.1.2) and the signature verifies.
  bool IsSignedBy(const PublicKey& issuer_key) const;
  // The signature algorithm's OpenSSL long name ("ecdsa-with-SHA256", "sha256WithRSAEncryption", "ED25519"),
  // or its dotted OID if OpenSSL does not know it.
  std::string signature_algorithm() const;

  struct Impl;  // Opaque; defined in crl.cc.

 private:
  explicit Crl(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace anvil::crypto
