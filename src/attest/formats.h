// Internal to attest/: one verifier per attestation format (format_*.cc) and the helpers they share
// (attestation.cc): typed attStmt access, x5c parsing, chain verification against a format's anchors, COSE
// algorithms, subjectAltName parsing (otherName device identities, directoryName attributes) and the identity
// comparison. Every error here is already Code::kBadAttestationStatement with the format as prefix. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attest/attestation.h"
#include "attest/cbor.h"
#include "crypto/certificate.h"
#include "crypto/device_name.h"
#include "crypto/digest.h"
#include "crypto/key.h"

namespace anvil::attest::internal {

// Code::kBadAttestationStatement "<fmt>: <detail>".
Status Bad(std::string_view fmt, std::string_view detail);

// attStmt members, each required: "<fmt>: attStmt.<key> is missing" / "... is not a <kind>".
Result<std::string> StmtBytes(std::string_view fmt, const CborValue& stmt, std::string_view key);
Result<std::string> StmtText(std::string_view fmt, const CborValue& stmt, std::string_view key);
Result<int64_t> StmtInt(std::string_view fmt, const CborValue& stmt, std::string_view key);
// attStmt.x5c: a non-empty array of DER certificates, leaf first.
Result<std::vector<crypto::Certificate>> StmtX5c(std::string_view fmt, const CborValue& stmt);

// COSE algorithms (IANA COSE Algorithms registry) the formats accept.
inline constexpr int64_t kCoseEs256 = -7, kCoseEdDsa = -8, kCosePs256 = -37, kCoseRs256 = -257;
// "ES256", "RS256", ... or the number.
std::string CoseName(int64_t alg);
// Checks that `alg` is one of `allowed` and fits `key` (ES256: P-256; RS256/PS256: RSA; EdDSA: Ed25519), and
// returns the digest it signs with. `key_name` names the key in the message ("the AK certificate's key").
Result<crypto::DigestAlg> CoseDigestForKey(std::string_view fmt, int64_t alg,
                                           const std::vector<int64_t>& allowed, const crypto::PublicKey& key,
                                           std::string_view key_name);

// Verifies x5c[0] through x5c[1..] to one of `roots` at `now` ("<fmt>: <what> does not chain to a trusted
// root: <reason>"; "<fmt>: format not enabled" when `roots` is empty) and returns the chain's hex SHA-256s,
// leaf first, ending with the anchor (added unless x5c already ends with it).
Result<std::vector<std::string>> VerifyX5cChain(std::string_view fmt,
                                                const std::vector<crypto::Certificate>& x5c,
                                                const std::vector<crypto::Certificate>& roots, TimePoint now,
                                                std::string_view what);
// The anchor the chain's last certificate is, or is issued by; nullptr when none (only after a failed
// verification).
const crypto::Certificate* FindAnchor(const crypto::Certificate& last,
                                      const std::vector<crypto::Certificate>& roots);

// A certificate extension's value (extnValue content): "<fmt>: <what> (<oid>) is missing" when absent.
Result<crypto::CertificateExtension> RequireExtension(std::string_view fmt, const crypto::Certificate& cert,
                                                      std::string_view oid, std::string_view what);
// The extension if present (nullopt otherwise); "<fmt>: ..." when it appears twice.
Result<std::optional<crypto::CertificateExtension>> FindExtension(std::string_view fmt,
                                                                  const crypto::Certificate& cert,
                                                                  std::string_view oid);

// A subjectAltName's contents (RFC 5280 §4.2.1.6) as attestation uses them.
struct SubjectAltName {
  std::vector<crypto::DeviceName>
      devices;  // PermanentIdentifier (with identifierValue) and HardwareModuleName
  // Every AttributeTypeAndValue of every directoryName: dotted OID → the string value's octets.
  std::vector<std::pair<std::string, std::string>> directory_attributes;
};
// Parses GeneralNames DER (the SAN extension's value). kMalformed with a message on a malformed entry.
Result<SubjectAltName> ParseSubjectAltName(std::string_view general_names_der);
// The ACME identifier a device name is (draft §3.1, §4.1 text forms). The serial must be non-empty UTF-8
// without "/" (the draft's ABNF; a "/" would let "A/1.2.3" with no assigner pass for serial "A" with assigner
// 1.2.3): "<fmt>: <what> ... is not a usable device identifier" otherwise.
Result<acme::Identifier> DeviceIdentifier(std::string_view fmt, const crypto::DeviceName& name,
                                          std::string_view what);
// `bytes` as JSON and problem details may carry them: the text if it is UTF-8 without control characters,
// else "hex:" and its hex; at most 64 octets of text ("..." appended when cut).
std::string Shown(std::string_view bytes);
// "<fmt>: the attestation names no device identity" or "<fmt>: the attested device identities (...) do not
// include <identifier>" unless `wanted` is in `named` (same type, same value octet for octet).
Status CheckIdentity(std::string_view fmt, const acme::Identifier& wanted,
                     const std::vector<acme::Identifier>& named);

// Lowercase hex SHA-256 of the certificate's DER.
std::string CertificateSha256(const crypto::Certificate& cert);

// The format verifiers. `stmt` is the attStmt map. Identity is checked by the caller (VerifyAttestation).
Result<Evidence> VerifyTpm(const CborValue& stmt, const AttestationInput& input, const TrustAnchors& anchors);
Result<Evidence> VerifyApple(const CborValue& stmt, const AttestationInput& input,
                             const TrustAnchors& anchors);
Result<Evidence> VerifyAndroidKey(const CborValue& stmt, const AttestationInput& input,
                                  const TrustAnchors& anchors);
Result<Evidence> VerifyStep(const CborValue& stmt, const AttestationInput& input,
                            const TrustAnchors& anchors);

}  // namespace anvil::attest::internal
