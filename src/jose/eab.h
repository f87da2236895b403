// External Account Binding (RFC 8555 §7.3.4): the inner JWS, MAC-protected with a key the CA issued out of
// band, that ties a new ACME account to an existing account at the CA.
//
// The client builds it with SignEab. The server parses it with ParseFlattened(..., allow_mac = true), checks
// its header with EabKid, looks the MAC key up by the returned kid, and calls VerifyEab. MAC keys are raw
// bytes (CAs usually hand them out base64url-encoded; decode first). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "jose/algorithm.h"
#include "jose/jwk.h"
#include "jose/jws.h"

namespace anvil::jose {

// Client: the externalAccountBinding object: protected {alg: mac_alg, kid, url}, payload = account JWK.
// kInvalidArgument if mac_alg is not HS256/384/512 or hmac_key is empty.
Result<nlohmann::json> SignEab(std::string_view kid, std::string_view hmac_key, Algorithm mac_alg,
                               const Jwk& account_jwk, std::string_view url);

// Server: checks the inner JWS: alg HS256/384/512 (else kBadSignatureAlgorithm), no nonce (kMalformed), url
// equal to `url`, the outer JWS's url (kUnauthorized), kid present (kMalformed); returns the kid. Call
// VerifyEab with the key looked up by kid.
Result<std::string> EabKid(const ParsedJws& inner, std::string_view url);

// MAC check (constant time) and payload == outer account JWK (compares thumbprints) → kUnauthorized on
// mismatch (also for an empty hmac_key, so that a missing key can never verify). kMalformed if the payload
// is not a JWK at all.
Status VerifyEab(const ParsedJws& inner, std::string_view hmac_key, const Jwk& account_jwk);

}  // namespace anvil::jose
