// OCSP (RFC 6960, with the RFC 5019 lightweight profile) for anvil-ca's responder: reading a request,
// building and signing a response with a delegated responder certificate, and reading a response back (for
// tests and clients).
//
// Requests: an OCSPRequest with one or more CertIDs whose hashAlgorithm is SHA-1 (RFC 5019 §2.1.1, what
// every client sends) or SHA-256, optionally a nonce extension (RFC 6960 §4.4.1; RFC 8954 bounds it to 1..32
// octets). A signed request is read but its signature is not checked (the responder requires none).
//
// The nonce: the extension's extnValue is an OCTET STRING holding the DER of an OCTET STRING whose contents
// are the nonce (RFC 6960 §4.4.1, RFC 8954 §2.1; what `openssl ocsp -nonce` sends and compares). Here a
// nonce is always those innermost contents; the response echoes it in the same double wrapping.
//
// Responses: a successful BasicOCSPResponse — responderID byKey (RFC 5019 §2.2.3), producedAt, one
// SingleResponse per CertID asked for (good, revoked with time and optional reason, or unknown), thisUpdate
// and nextUpdate, the nonce echoed when the request had one, signed by the responder key with the algorithm
// its key implies, and the responder certificate in `certs` so a client can check the delegation. Or an
// unsuccessful response (malformedRequest, internalError, tryLater, unauthorized) with no body.
//
// Pure functions and immutable values; thread-safe.
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

enum class OcspHash { kSha1, kSha256 };

// RFC 6960 §4.1.1 CertID. The hashes are raw bytes.
struct OcspCertId {
  OcspHash hash = OcspHash::kSha1;
  std::string issuer_name_hash{};  // hash of the issuer's DER-encoded subject Name
  // Hash of the issuer's subjectPublicKey BIT STRING value (no tag, length or unused-bits octet).
  std::string issuer_key_hash{};
  std::string serial{};  // big-endian magnitude bytes, as Certificate::serial_bytes()

  bool operator==(const OcspCertId&) const = default;
};

// The CertID a client would send for `serial` issued by `issuer` (`serial` is normalized to the minimal
// magnitude, so leading zero octets do not matter).
OcspCertId CertIdFor(const Certificate& issuer, std::string serial, OcspHash hash = OcspHash::kSha1);

struct OcspRequest {
  std::vector<OcspCertId> ids;
  std::optional<std::string> nonce;  // the nonce extension's value (the inner OCTET STRING's contents)
};

// kMalformed for anything that is not an OCSPRequest (garbage, trailing data, an outer SEQUENCE that is not
// DER), with no CertID, a hash other than SHA-1/SHA-256, hashes of the wrong length for their algorithm, a
// negative serial (no certificate has one, and its magnitude would name another), a nonce outside 1..32
// octets (RFC 8954 §2.1) or whose extnValue is not a DER OCTET STRING, two nonces, or a critical extension
// other than the nonce (RFC 6960 §4.4: only non-critical unrecognized extensions may be ignored).
Result<OcspRequest> ParseOcspRequest(std::string_view der);
// Builds a request (tests, `anvil` later): DER. kInvalidArgument for no CertID, a CertID with an empty serial
// or hashes of the wrong length, or a nonce outside 1..32 octets.
Result<std::string> BuildOcspRequest(const OcspRequest& request);

enum class OcspCertStatus { kGood, kRevoked, kUnknown };

struct OcspSingleResponse {
  OcspCertId id{};
  OcspCertStatus status = OcspCertStatus::kUnknown;
  TimePoint revoked_at{};  // kRevoked only
  int reason = -1;         // kRevoked only: RFC 5280 CRLReason, or -1 for none
  // next_update is always written (the RFC 5019 profile requires it); read back as TimePoint{} when a
  // response has none.
  TimePoint this_update{}, next_update{};
};

struct OcspResponseTemplate {
  TimePoint produced_at{};
  std::vector<OcspSingleResponse> responses{};
  std::optional<std::string> nonce{};  // echoed in responseExtensions when set
};

// A successful response signed by `responder_key`, whose certificate is `responder` (included in certs).
// kInvalidArgument when the key is not the certificate's, there is no response, a next_update is not after
// its this_update (in whole seconds), a revoked entry's reason is neither -1 nor a CRLReason (0..10 except
// 7), a CertID is one BuildOcspRequest refuses, or the nonce is outside 1..32 octets. Before the DER is
// returned its signature is verified with the responder's public key (kInternal if it does not verify).
Result<std::string> SignOcspResponse(const OcspResponseTemplate& tmpl, const Certificate& responder,
                                     const PrivateKey& responder_key);

enum class OcspResponseStatus {
  kSuccessful = 0,
  kMalformedRequest = 1,
  kInternalError = 2,
  kTryLater = 3,
  kSigRequired = 5,
  kUnauthorized = 6
};
// An OCSPResponse with this (unsuccessful) status and no responseBytes. kSuccessful, which needs a body, is
// written as internalError.
std::string OcspErrorResponse(OcspResponseStatus status);

// A response read back (tests and clients).
class OcspResponse {
 public:
  // kMalformed when `der` is not an OCSPResponse (garbage, trailing data, an outer structure that is not
  // DER, an unknown status), is successful without a BasicOCSPResponse, or has a CertID with a hash other
  // than SHA-1/SHA-256, a nonce extension that is not a DER OCTET STRING, or a certificate in certs that
  // Certificate::FromDer refuses. An unsuccessful one parses: status() says which.
  static Result<OcspResponse> FromDer(std::string_view der);
  OcspResponseStatus status() const;
  // The rest only for a successful response.
  TimePoint produced_at() const;
  std::vector<OcspSingleResponse> responses() const;
  std::optional<std::string> nonce() const;
  std::string responder_key_hash() const;         // responderID byKey: SHA-1 of the responder's public key
                                                  // (empty when the responderID is byName)
  std::vector<Certificate> certificates() const;  // the certs field
  // The signature over the tbsResponseData bytes as received verifies under `key`, with an algorithm that
  // fits it (ECDSA or RSA PKCS #1 v1.5 with SHA-256/384/512, Ed25519; ECDSA parameters absent, RSA NULL).
  bool IsSignedBy(const PublicKey& key) const;

  struct Impl;  // Opaque; defined in ocsp.cc.

 private:
  explicit OcspResponse(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace anvil::crypto
