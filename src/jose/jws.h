// Flattened JWS (RFC 7515 §7.2.2) as ACME uses it (RFC 8555 §6.2): parsing with ACME's restrictions,
// signature verification, and signing for the client side.
//
// Parsing and verification are separate steps because the key is found in between: from the "jwk" header
// (newAccount, revokeCert) or by the account URL in "kid" (all other requests). ParsedJws is a plain value;
// all functions here are pure and thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/key.h"
#include "jose/algorithm.h"
#include "jose/jwk.h"

namespace anvil::jose {

struct ProtectedHeader {
  Algorithm alg{};
  std::optional<Jwk> jwk{};
  std::optional<std::string> kid{};
  std::optional<std::string> nonce{};
  std::optional<std::string> url{};
  nlohmann::json raw{};  // The whole decoded header object.
};

struct ParsedJws {
  ProtectedHeader header{};
  std::string protected_b64{}, payload_b64{}, signature_b64{};
  std::string payload{};    // Decoded; empty when payload_b64 is "" (POST-as-GET, RFC 8555 §6.3).
  std::string signature{};  // Decoded raw (JOSE form: r||s for ECDSA).
};

// Parses a flattened JWS JSON (RFC 7515 §7.2.2) as ACME requires (RFC 8555 §6.2): body must be a JSON object
// with exactly "protected","payload","signature" strings (an unprotected "header" member, or "signatures"
// (general serialization) → kMalformed); base64url fields decoded strictly; protected header must be a JSON
// object with "alg". alg "none", HS256/384/512 or unknown → Code::kBadSignatureAlgorithm (message lists the
// supported ones). jwk and kid both present or both absent → kMalformed. "jwk" parsed with Jwk::FromJson
// (kBadPublicKey errors propagate); a jwk whose own "alg" is not the header's → kBadPublicKey. A "b64" (RFC 7797) or "crit" header → kMalformed. "kid", "nonce" and
// "url", when present, must be strings (kMalformed). Does NOT check nonce/url values (the server's job).
// Set `allow_mac = true` only to parse the inner EAB JWS (then HS* are accepted and jwk/kid rules are not
// applied).
Result<ParsedJws> ParseFlattened(std::string_view body, bool allow_mac = false);
Result<ParsedJws> ParseFlattened(const nlohmann::json& object, bool allow_mac = false);
// Text overloads, so that a std::string or a string literal is parsed as a body: nlohmann::json converts
// implicitly from both, which would otherwise make such calls ambiguous.
Result<ParsedJws> ParseFlattened(const std::string& body, bool allow_mac = false);
Result<ParsedJws> ParseFlattened(const char* body, bool allow_mac = false);

// Verifies the signature with `key` (alg must be supported by the key → kBadSignatureAlgorithm otherwise);
// a bad signature → kMalformed "JWS signature verification failed".
Status Verify(const ParsedJws& jws, const crypto::PublicKey& key);

// Signs a flattened JWS. `header` holds the fields besides alg (nonce, url, and jwk or kid); alg is added
// from `alg`. `payload` is the exact payload bytes; pass "" for POST-as-GET (payload_b64 becomes "").
// kInvalidArgument if `header` is not an object (null counts as empty), `alg` does not fit the key or is a
// MAC, or a header string is not UTF-8.
Result<std::string> Sign(const crypto::PrivateKey& key, Algorithm alg, const nlohmann::json& header,
                         std::string_view payload);
Result<nlohmann::json> SignJson(const crypto::PrivateKey& key, Algorithm alg, const nlohmann::json& header,
                                std::string_view payload);

}  // namespace anvil::jose
