// OCSP (RFC 6960, with the RFC 5019 lightweight profile) for anvil-ca's responder: reading a request,
// building and signing a response with a delegated responder certificate, and reading a response back (for
// tests and clients).
//
// Requests: an OCSPRequest with one or more CertIDs whose hashAlgorithm is SHA-1 (RFC 5019 §2.1.1, what every
// client sends) or SHA-256, optionally a nonce extension (RFC 6960 §4.4.1; RFC 8954 bounds it to 1..32
// octets). A signed request is read but its signature is not checked (the responder requires none).
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
  std::string issuer_key_hash{};   // hash of the issuer's subjectPublicKey BIT STRING value (no tag, length, unused bits)
  std::string serial{};            // big-endian magnitude bytes, as Certificate::serial_bytes()

  bool operator==(const OcspCertId&) const = default;
};

// The CertID a client would send for `serial` issued by `issuer`.
OcspCertId CertIdFor(const Certificate& issuer, std::string serial, OcspHash hash = OcspHash::kSha1);

struct OcspRequest {
  std::vector<OcspCertId> ids;
  std::optional<std::string> nonce;  // the nonce extension's value (the inner OCTET STRING's contents)
};

// kMalformed for anything that is not a DER OCSPRequest, with no CertID, a hash other than SHA-1/SHA-256, or
// a nonce outside 1..32 octets (RFC 8954 §2.1).
Result<OcspRequest> ParseOcspRequest(std::string_view der);
// Builds a request (tests, `anvil` later): DER.
Result<std::string> BuildOcspRequest(const OcspRequest& request);

enum class OcspCertStatus { kGood, kRevoked, kUnknown };

struct OcspSingleResponse {
  OcspCertId id{};
  OcspCertStatus status = OcspCertStatus::kUnknown;
  TimePoint revoked_at{};  // kRevoked only
  int reason = -1;         // kRevoked only: RFC 5280 CRLReason, or -1 for none
  TimePoint this_update{}, next_update{};
};

struct OcspResponseTemplate {
  TimePoint produced_at{};
  std::vector<OcspSingleResponse> responses{};
  std::optional<std::string> nonce{};  // echoed in responseExtensions when set
};

// A successful response signed by `responder_key`, whose certificate is `responder` (included in certs).
// kInvalidArgument when the key is not the certificate's, there is no response, a next_update is not after
// its this_update, or a reason is outside 0..10 or 7.
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
// An OCSPResponse with this (unsuccessful) status and no responseBytes.
std::string OcspErrorResponse(OcspResponseStatus status);

// A response read back (tests and clients).
class OcspResponse {
 public:
  // kMalformed when `der` is not an OCSPResponse (an unsuccessful one parses: status() says which).
  static Result<OcspResponse> FromDer(std::string_view der);
  OcspResponseStatus status() const;
  // The rest only for a successful response.
  TimePoint produced_at() const;
  std::vector<OcspSingleResponse> responses() const;
  std::optional<std::string> nonce() const;
  std::string responder_key_hash() const;          // responderID byKey: SHA-1 of the responder's public key
  std::vector<Certificate> certificates() const;   // the certs field
  bool IsSignedBy(const PublicKey& key) const;     // the signature over tbsResponseData verifies

  struct Impl;  // Opaque; defined in ocsp.cc.

 private:
  explicit OcspResponse(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace anvil::crypto
