// JOSE signature and MAC algorithms (RFC 7518 §3.1, RFC 8037 §3.1) as ACME uses them.
//
// ACME requires an asymmetric algorithm for request JWSs (RFC 8555 §6.2) and a MAC for the inner JWS of an
// external account binding (§7.3.4). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "crypto/digest.h"
#include "crypto/key.h"

namespace anvil::jose {

enum class Algorithm { kEs256, kEs384, kEs512, kRs256, kEdDsa, kHs256, kHs384, kHs512 };

// "ES256", "ES384", "ES512", "RS256", "EdDSA", "HS256", "HS384", "HS512".
std::string_view AlgorithmName(Algorithm a);
// The inverse of AlgorithmName (case-sensitive, RFC 7515 §4.1.1); nullopt for "none" and everything else.
std::optional<Algorithm> ParseAlgorithm(std::string_view name);
// EC curve → ES256/384/512, RSA → RS256, Ed25519 → EdDSA.
Algorithm DefaultAlgorithm(const crypto::PublicKey& key);

// HS256/384/512.
bool IsMacAlgorithm(Algorithm a);
// The digest the algorithm hashes with (kNone for EdDSA).
crypto::DigestAlg DigestFor(Algorithm a);
// ES256 only with P-256, ES384 with P-384, ES512 with P-521, RS256 with RSA, EdDSA with Ed25519; never a MAC.
bool KeySupports(const crypto::PublicKey& key, Algorithm a);
// "ES256, ES384, ES512, RS256, EdDSA": the algorithms accepted for request JWSs, for error messages.
std::string_view SupportedSignatureAlgorithms();

}  // namespace anvil::jose
