// The payloads of the ACME requests (RFC 8555 §7.3-7.6, RFC 9773 §4.1), parsed into plain values before the
// front end asks the RA anything. Pure functions over the JWS payload the front end has authenticated (a JSON
// object); no I/O, no state, thread-safe. They are kept apart from the handlers so that each refusal a client
// can cause is testable, and fuzzable (tests/fuzz/acme_request_fuzzer.cc), without a running server.
//
// Every refusal is a Status with a client error code (kMalformed unless noted); none is kInternal.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "jose/jwk.h"
#include "jose/jws.h"

namespace anvil::wfe {

// Reads an optional string member (null counts as absent); kMalformed if present with another type.
Result<std::optional<std::string>> OptionalString(const nlohmann::json& object, const char* key);

// newAccount (§7.3): "contact" (array of strings), "termsOfServiceAgreed" and "onlyReturnExisting"
// (booleans), "externalAccountBinding" (a flattened JWS, §7.3.4: parsed, not verified; its
// kBadSignatureAlgorithm stays, every other refusal is kMalformed). A null member counts as absent.
struct NewAccountPayload {
  std::optional<std::vector<std::string>> contacts;
  bool tos_agreed = false;
  bool only_return_existing = false;
  std::optional<jose::ParsedJws> eab;
};
Result<NewAccountPayload> ParseNewAccountPayload(const nlohmann::json& payload);

// Account update (§7.3.2, §7.3.6): "status" ("valid" or "deactivated") and "contact".
struct AccountUpdatePayload {
  std::optional<std::string> status;
  std::optional<std::vector<std::string>> contacts;
};
Result<AccountUpdatePayload> ParseAccountUpdatePayload(const nlohmann::json& payload);

// An identifier object (§9.7.7): string "type" and "value", as given (the RA normalizes and polices them).
using IdentifierPair = std::pair<std::string, std::string>;

// newOrder (§7.4, RFC 9773 §5, draft-aaron-acme-profiles): "identifiers" (required array of identifier
// objects), "notBefore"/"notAfter" (RFC 3339), "profile" and "replaces" (strings).
struct NewOrderPayload {
  std::vector<IdentifierPair> identifiers;
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> not_after;
  std::string profile;   // empty: none
  std::string replaces;  // empty: none
};
Result<NewOrderPayload> ParseNewOrderPayload(const nlohmann::json& payload);

// finalize (§7.4): "csr", base64url; returns the CSR's DER, not parsed (the RA parses and checks it).
Result<std::string> ParseFinalizePayload(const nlohmann::json& payload);

// A challenge response (§7.5.1): an object whose fields are ignored, except device-attest-01's "attObj"
// (draft-ietf-acme-device-attest-09 §5: base64url of a WebAuthn attestation object), returned decoded ("" when
// absent). kMalformed when "attObj" is not a base64url string.
Result<std::string> ParseChallengeResponsePayload(const nlohmann::json& payload);

// newAuthz (§7.4.1): "identifier".
Result<IdentifierPair> ParseNewAuthzPayload(const nlohmann::json& payload);

// Authorization update (§7.5.2): only {"status": "deactivated"}.
Status ParseAuthzUpdatePayload(const nlohmann::json& payload);

// revokeCert (§7.6): "certificate" (base64url DER, not parsed) and "reason" (an integer; a value outside
// 0-255 becomes -1, which no reason check accepts). A "reason" that is not an integer is
// kBadRevocationReason.
struct RevokeCertPayload {
  std::string certificate_der;
  int reason = 0;
};
Result<RevokeCertPayload> ParseRevokeCertPayload(const nlohmann::json& payload);

// keyChange (§7.3.5), outer payload: the inner JWS, signed by the new key, carrying it as "jwk", no nonce and
// the outer JWS's `outer_url`; its algorithm fits the key, an RSA key has at least 2048 bits, and the
// signature verifies. Refusals keep the inner JWS's own codes (kBadSignatureAlgorithm, kBadPublicKey, ...).
Result<jose::ParsedJws> ParseKeyChangeJws(const nlohmann::json& payload,
                                          const std::optional<std::string>& outer_url);
// keyChange, the inner JWS's payload text: "account" must be `account_url` (kUnauthorized otherwise) and
// "oldKey" a JWK; returns the old key (the caller compares it with the account's).
Result<jose::Jwk> ParseKeyChangeInnerPayload(std::string_view inner_payload, const std::string& account_url);

}  // namespace anvil::wfe
