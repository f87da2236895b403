// Verification of device-attest-01 attestation objects (draft-ietf-acme-device-attest-09 §5): a WebAuthn
// attestation object (WebAuthn Level 2 §6.5) whose attToBeSigned is the ACME key authorization (or, for
// formats attested by an outside authority before the account key is known, the token), in one of the formats
// "tpm" (WebAuthn §8.3), "apple" (Apple's managed device attestation), "android-key" (WebAuthn §8.4) and
// "step" (a YubiKey PIV attestation as smallstep's client sends it).
//
// VerifyAttestation runs every check of the format, none skipped because a field is absent, then checks that
// the evidence names the authorization's identifier octet for octet (§3.2, §4.2). Every failure is
// Code::kBadAttestationStatement with a detail that starts with the format and names the failed check, e.g.
// "tpm: certInfo extraData is not SHA-256 of the key authorization" — the problem document's detail (§5).
//
// Pure code: no I/O, no clock (the caller passes `now`), no state. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"

namespace anvil::attest {

// The roots each format's chains must end in. An empty list disables the format: its attestations are
// refused ("<fmt>: format not enabled").
struct TrustAnchors {
  std::vector<crypto::Certificate> tpm{}, apple{}, android{}, yubikey{};
  // Serials of revoked Android attestation certificates (Google's attestation status list), hex; compared
  // without case and leading zeros against every certificate of an android-key chain, root included.
  std::vector<std::string> android_revoked_serials{};
};

struct AttestationInput {
  std::string att_obj{};            // the CBOR bytes (base64url already decoded)
  acme::Identifier identifier{};    // the authorization's identifier (permanent-identifier / hardware-module)
  std::string token{};              // the challenge token
  std::string key_authorization{};  // token "." thumbprint (RFC 8555 §8.1)
  TimePoint now{};                  // chains are verified at this time
};

struct Evidence {
  std::string format{};          // "tpm" | "apple" | "android-key" | "step"
  std::string public_key_der{};  // SPKI DER of the attested key (the CSR must carry this key)
  // The device identities the evidence names, as ACME identifiers: permanent-identifier "SERIAL" or
  // "SERIAL/ASSIGNER-OID", hardware-module "SERIAL/HWTYPE-OID". The input's identifier is one of them.
  std::vector<acme::Identifier> identifiers{};
  std::vector<std::string>
      chain_sha256{};  // lowercase hex SHA-256 of each certificate, leaf first, root last
  // Verified claims worth recording: tpm: manufacturer, model, version, key attributes, firmware version;
  // apple: serial, udid, os versions; android-key: versions and security levels, boot state; step: serial,
  // firmware, PIN and touch policies.
  nlohmann::json claims = nlohmann::json::object();
};

// Decodes `input.att_obj` (a CBOR map with "fmt" and "attStmt"; "authData" is ignored, §5), verifies the
// statement of its format against `anchors` and the identity against `input.identifier`.
Result<Evidence> VerifyAttestation(const AttestationInput& input, const TrustAnchors& anchors);

}  // namespace anvil::attest
