// Validator: the validation authority (VA) of the ACME server, as the RA sees it (the `anvil_va_api`
// interface target; the RA links nothing else of the VA). Given a challenge (RFC 8555 §8) a Validator checks,
// over the network, that the applicant controls the identifier: http-01 (§8.3), dns-01 (§8.4) and tls-alpn-01
// (RFC 8737 §3), for dns and ip (RFC 8738) identifiers; for permanent-identifier and hardware-module it
// verifies the device-attest-01 attestation the client sent (draft-ietf-acme-device-attest-09 §5, no network:
// docs/device-attestation.md); and, when the CA has CAA identities, that the DNS
// name's CAA records (RFC 8659) let this CA issue. It has no storage: it reports a ValidationResult and the
// caller (the RA) records it. The rules, the redirect policy and the time bounds are in
// docs/validation.md; the production validator is va/network_validator.h.
//
// Thread-safety: Validate may be called from any number of threads. `done` callbacks run on the validator's
// fibers; they must not throw, must not destroy the Validator, and must not block the thread (waiting through
// fiber::Await, as a store write does, is fine: it suspends the fiber). Destroying the Validator must not
// race with Validate calls.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "acme/types.h"
#include "base/status.h"

namespace anvil::va {

// What was contacted, one entry per HTTP request (a redirect adds one) or per TLS handshake; the RA may show
// these as the challenge's validationRecord (Boulder/Pebble do).
struct ValidationRecord {
  std::string url;       // http-01 only: the URL requested
  std::string hostname;  // the name (or IP text) whose addresses were used
  std::string port;      // decimal
  // As returned by the resolver; the IP itself for IP identifiers.
  std::vector<std::string> addresses_resolved;
  // The address of the last connection attempt.
  std::string address_used;
  // Earlier attempts that failed to connect (the IPv6 address before the IPv4 fallback).
  std::vector<std::string> addresses_tried;
};

struct ValidationResult {
  // OK means the challenge is valid. Otherwise the code is the ACME problem type to record on the challenge
  // (kConnection, kDns, kIncorrectResponse, kTls, kUnauthorized, kMalformed, kBadAttestationStatement;
  // kServerInternal when the validator shut down first) and the message is a client-safe detail.
  Status status;
  std::vector<ValidationRecord> records;
  // device-attest-01, when valid: the verified evidence, a JSON object (docs/device-attestation.md,
  // "Evidence"): format, public_key (base64url SPKI DER of the attested key), identifiers, chain_sha256,
  // claims. The RA stores it with the challenge; finalize requires the CSR to carry that key.
  std::string attestation_json{};
};

struct ValidationRequest {
  acme::ChallengeType type = acme::ChallengeType::kHttp01;
  // The authorization's identifier (RFC 8555 §7.1.4): no "*." prefix. A wildcard value is accepted for dns-01
  // (the prefix is removed) and refused with kMalformed for http-01 and tls-alpn-01 (§7.1.3, RFC 8737 §3).
  acme::Identifier identifier;
  bool wildcard = false;  // the authorization is for "*." + identifier (CAA then also reads issuewild)
  std::string token;
  std::string key_authorization;  // token "." base64url(thumbprint), §8.1
  std::string account_uri;        // the account's URL, for CAA's accounturi parameter (RFC 8657 §3)
  // device-attest-01: the WebAuthn attestation object of the response's "attObj" (base64url decoded).
  std::string attestation_object{};
};

// What the CAA check needs to know about one DNS name of a certificate to be (RFC 8659 §3, RFC 8657).
struct CaaCheck {
  std::string name;       // the DNS name, without "*." and trailing dot
  bool wildcard = false;  // the certificate will hold "*." + name: issuewild properties apply (§4.3)
  std::string account_uri;  // the requesting account's URL, compared with an accounturi parameter
  acme::ChallengeType method = acme::ChallengeType::kHttp01;  // how the name was validated (validationmethods)
};

class Validator {
 public:
  virtual ~Validator() = default;

  // Starts validating `request` and returns at once. `done` is invoked exactly once, later, on a validator
  // fiber, with the outcome — also when the Validator is destroyed first (kServerInternal "validator
  // shutting down"). Returns kRateLimited, without calling `done`, when the queue of pending validations is
  // full; kMalformed, without calling `done`, when the request is obviously unusable (empty token or value).
  virtual Status Validate(ValidationRequest request, std::function<void(ValidationResult)> done) = 0;

  // Checks CAA alone — the RA's re-check, before finalize, of an authorization validated long ago (RFC 8659
  // §3 binds the check to issuance time). `done` is invoked exactly once, later, on a validator fiber, with
  // OK (issuance permitted, or the validator has no CAA identities), kCaa (the records forbid it), kDns (a
  // look-up failed, so the records are unknown) or kServerInternal (shutting down). Returns kRateLimited,
  // without calling `done`, when the queue is full.
  virtual Status CheckCaa(CaaCheck check, std::function<void(Status)> done) = 0;
};

}  // namespace anvil::va
