// X.509 certificates (RFC 5280): parsing, building, signing and chain verification.
//
// Certificate is an immutable parsed certificate; copies share it and it is thread-safe. PreparedCertificate
// is a fully populated but unsigned certificate: its exact TBSCertificate bytes can be inspected (linted,
// logged, sent to a remote signer) before the one signature is made, which keeps "what was checked" and
// "what was signed" the same bytes. It is move-only and not thread-safe (one issuance, one thread).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "crypto/device_name.h"
#include "crypto/key.h"

namespace anvil::crypto {

// Default member initializers everywhere below let callers use designated initializers for a subset of the
// fields without -Wmissing-field-initializers.
struct DistinguishedName {
  std::string common_name{}, organization{}, organizational_unit{}, country{};
};

// One extension as it is encoded: `value` is the content of extnValue (the DER of the extension's own type).
struct CertificateExtension {
  std::string oid{};  // dotted decimal
  std::string value{};
  bool critical = false;
};

class Certificate {
 public:
  // kMalformed on garbage, trailing data, or a public key of an unsupported type.
  static Result<Certificate> FromDer(std::string_view der);
  // The first "CERTIFICATE" block; kMalformed if there is none.
  static Result<Certificate> FromPem(std::string_view pem);
  // All CERTIFICATE blocks in order (other blocks are skipped); kMalformed if there is none or one is bad.
  static Result<std::vector<Certificate>> ChainFromPem(std::string_view pem);
  std::string ToDer() const;
  std::string ToPem() const;
  std::string serial_hex() const;    // Lowercase, no leading zeros ("0" for zero).
  std::string serial_bytes() const;  // Big-endian magnitude, minimal ("\0" for zero).
  TimePoint not_before() const;
  TimePoint not_after() const;
  std::string subject() const;  // RFC 2253 strings, e.g. "CN=example.com,O=Example".
  std::string issuer() const;
  std::string subject_common_name() const;        // Empty if none.
  std::vector<std::string> dns_names() const;     // SAN dNSName entries, as written.
  std::vector<std::string> ip_addresses() const;  // SAN iPAddress entries: v4 dotted, v6 RFC 5952.
  // SAN PermanentIdentifier / HardwareModuleName entries (crypto/device_name.h), in order.
  std::vector<DeviceName> device_names() const;
  // The extension `dotted_oid` (value and criticality); nullopt if absent; kMalformed if present twice
  // (RFC 5280 §4.2).
  Result<std::optional<CertificateExtension>> extension(std::string_view dotted_oid) const;
  std::string subject_der() const;  // The DER Name; an empty subject is "\x30\x00".
  int version() const;              // 1, 2 or 3.
  PublicKey public_key() const;
  std::string subject_key_id() const;      // Raw bytes, empty if absent.
  std::string authority_key_id() const;    // keyIdentifier of the AKI: raw bytes, empty if absent.
  bool is_ca() const;                      // basicConstraints cA.
  std::string fingerprint_sha256() const;  // Raw 32 bytes of SHA-256(DER).
  // The certificate's signature verifies under `issuer_key`.
  bool IsSignedBy(const PublicKey& issuer_key) const;
  // tls-alpn-01 (RFC 8737 §3): the id-pe-acmeIdentifier extension (1.3.6.1.5.5.7.1.31). Returns the
  // contents of the extension's inner OCTET STRING (the 32-byte SHA-256 of the key authorization) and
  // whether it is critical; nullopt if absent; kMalformed if present but not a DER OCTET STRING, or present
  // twice (RFC 5280 §4.2).
  Result<std::optional<std::pair<std::string, bool>>> acme_identifier() const;
  // The names CertificateTemplate::ext_key_usages takes ("serverAuth", "OCSPSigning", ...), or dotted OIDs.
  std::vector<std::string> ext_key_usages() const;
  // The DER TBSCertificate as it was signed.
  std::string tbs_der() const;

  struct Impl;  // Opaque; defined in crypto/internal.h, used only inside crypto/.

 private:
  friend struct internal::Access;
  explicit Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

struct CertificateTemplate {
  // Big-endian bytes; leading zero bits allowed (DER encodes it positive). Must be non-zero and fit the 20
  // octets RFC 5280 §4.1.2.2 allows.
  std::string serial{};
  DistinguishedName subject{};
  TimePoint not_before{}, not_after{};
  std::vector<std::string> dns_names{},
      ip_addresses{};  // SAN; the extension is critical when subject is empty.
  bool is_ca = false;
  std::optional<int> path_length{};  // basicConstraints (critical); pathLen only for a CA.
  // keyUsage (critical; RFC 5280 §4.2.1.3); omitted if no bit is set.
  bool digital_signature = true, key_encipherment = false, key_cert_sign = false, crl_sign = false;
  // extKeyUsage (non-critical); omitted when empty. Names: "serverAuth", "clientAuth", "codeSigning",
  // "emailProtection", "OCSPSigning" (RFC 5280 §4.2.1.12); anything else as a dotted OID.
  std::vector<std::string> ext_key_usages{};
  std::string ca_issuers_url{}, ocsp_url{},
      crl_url{};  // AIA caIssuers / OCSP, CRL distribution point; omitted when empty.
  std::optional<std::string>
      acme_identifier{};  // RFC 8737 §3: critical extension, OCTET STRING of this value.
  // SAN otherName entries after the DNS names and addresses (draft-ietf-acme-device-attest-09 §3.2, §4.2).
  std::vector<DeviceName> device_names{};
  // Further extensions added as given, after all others (their OIDs must not be ones the template sets
  // itself). For profiles that carry an extension Anvil does not model, and for tests that build the
  // certificates of other issuers (attestation chains).
  std::vector<CertificateExtension> extra_extensions{};
  // id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): non-critical, value NULL. For a delegated OCSP responder's
  // certificate (with ext_key_usages {"OCSPSigning"}): clients need not check its revocation.
  bool ocsp_no_check = false;
};

// Builds a certificate; issuer == nullptr means self-signed (issuer name = subject, AKI = own SKI). SKI is
// SHA-1 of the subject public key bit string (RFC 5280 §4.2.1.2 method 1); AKI keyIdentifier = issuer's SKI.
// Signature: ecdsa-with-SHA256 for P-256 issuers, SHA384 for P-384, SHA512 for P-521,
// sha256WithRSAEncryption, Ed25519.
class PreparedCertificate {  // Move-only; all fields set, not yet signed.
 public:
  // kInvalidArgument for a bad template (empty, zero or over-long serial, not_after before not_before, an
  // unparsable IP address or OID, a name OpenSSL refuses) or an issuer certificate whose key is not
  // `issuer_key`.
  static Result<PreparedCertificate> Create(const CertificateTemplate& tmpl, const PublicKey& subject_key,
                                            const Certificate* issuer, const PublicKey& issuer_key);
  PreparedCertificate(PreparedCertificate&&) noexcept;
  PreparedCertificate& operator=(PreparedCertificate&&) noexcept;
  ~PreparedCertificate();

  // DER of the TBSCertificate exactly as it will be signed (i2d_re_X509_tbs).
  Result<std::string> tbs_der() const;
  // Signs tbs_der() with `issuer_key` and returns the certificate's DER, after checking the signature with
  // the issuer's public key. kInvalidArgument if the key is not the issuer_key given to Create.
  Result<std::string> SignToDer(const PrivateKey& issuer_key) &&;
  // SignToDer, parsed.
  Result<Certificate> Sign(const PrivateKey& issuer_key) &&;

  struct Impl;  // Opaque; defined in certificate_builder.cc.

 private:
  explicit PreparedCertificate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Convenience: Create + Sign.
Result<Certificate> IssueCertificate(const CertificateTemplate& tmpl, const PublicKey& subject_key,
                                     const Certificate* issuer, const PrivateKey& issuer_key);

// Verifies `leaf` up to `root` through `intermediates` with X509_verify_cert (purpose any, at time `at`).
// `root` is the trust anchor even if it is not self-signed. kMalformed with OpenSSL's reason on failure.
Status VerifyChain(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                   const Certificate& root, TimePoint at);
// The same with several trust anchors: OK when `leaf` chains to any of `roots` (kMalformed when `roots` is
// empty).
Status VerifyChainToAny(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                        const std::vector<Certificate>& roots, TimePoint at);

}  // namespace anvil::crypto
