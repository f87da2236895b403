// JSON Web Keys (RFC 7517) for the public keys ACME accounts use: EC P-256/P-384/P-521 (RFC 7518 §6.2),
// RSA (§6.3) and Ed25519 as an OKP key (RFC 8037 §2), plus RFC 7638 thumbprints.
//
// A Jwk is an immutable value wrapping a crypto::PublicKey; copies are cheap and thread-safe. It holds only
// public members: a JWK carrying private members is refused, because a client that sends its private key
// has leaked it and must not have that go unnoticed.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "crypto/key.h"
#include "jose/algorithm.h"

namespace anvil::jose {

class Jwk {
 public:
  // kty "EC" (crv P-256/P-384/P-521), "RSA", "OKP" (crv Ed25519). Rejects private members ("d","p","q",...),
  // missing/ill-typed members, members that are not strict unpadded base64url, wrong coordinate lengths,
  // points not on the curve, RSA values with leading zero octets (RFC 7518 §6.3.1: minimal encoding), RSA
  // moduli below 2048 bits (RFC 7518 §3.3) or above 8192 bits, and exponents that are even, below 3 or longer
  // than 64 bits: Code::kBadPublicKey with a detail. The optional members must agree with a signing key
  // (RFC 7517 §4.2–4.4): "use", if present, is "sig"; "key_ops", if present, is an array of strings that
  // includes "verify"; "alg", if present, is a string (kept: declared_alg(), which the JWS's "alg" must equal,
  // jose/jws.h).
  // Other members ("kid", ...) are ignored. Returns kMalformed if `json` is not an object.
  static Result<Jwk> FromJson(const nlohmann::json& json);
  static Jwk FromPublicKey(const crypto::PublicKey& key);

  // Only the required public members (RFC 7638 §3.2), e.g. {"crv","kty","x","y"}.
  nlohmann::json ToJson() const;
  // RFC 7638: base64url(SHA-256(canonical JSON of the required members, sorted, no whitespace)).
  std::string Thumbprint() const;
  const crypto::PublicKey& key() const { return key_; }
  // The JWK's own "alg" member, or empty when it has none.
  const std::string& declared_alg() const { return declared_alg_; }
  // ES256 only with P-256, ES384 with P-384, ES512 with P-521, RS256 with RSA, EdDSA with Ed25519.
  bool Supports(Algorithm alg) const;

  // Same key material.
  bool operator==(const Jwk& other) const { return key_ == other.key_; }

 private:
  explicit Jwk(crypto::PublicKey key) : key_(std::move(key)) {}
  crypto::PublicKey key_;
  std::string declared_alg_;
};

}  // namespace anvil::jose
