// Public and private keys: EC (P-256, P-384, P-521), RSA and Ed25519, backed by OpenSSL 3 EVP_PKEY.
//
// PublicKey and PrivateKey are immutable values that share one underlying key object, so copies are cheap.
// Both are thread-safe: any number of threads may verify or sign with the same key at once (every operation
// uses its own EVP context). No OpenSSL type appears here; the handle is opaque outside crypto/.
//
// Signature formats are those of X.509 and OpenSSL: an ECDSA signature is the DER ECDSA-Sig-Value
// (RFC 3279 §2.2.3). JOSE uses the fixed-length r||s form instead (RFC 7518 §3.4); EcdsaDerToRaw and
// EcdsaRawToDer convert between the two.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/digest.h"

namespace anvil::crypto {

namespace internal {
struct Access;  // Gives the rest of crypto/ the OpenSSL handles (crypto/internal.h).
}  // namespace internal

enum class KeyType { kEcP256, kEcP384, kEcP521, kRsa2048, kRsa3072, kRsa4096, kEd25519 };
enum class KeyAlgorithm { kEc, kRsa, kEd25519 };
enum class Curve { kP256, kP384, kP521 };

// Parses the configuration names "ec256", "ec384", "ec521", "rsa2048", "rsa3072", "rsa4096", "ed25519";
// kInvalidArgument for anything else.
Result<KeyType> ParseKeyType(std::string_view s);
// The inverse of ParseKeyType.
std::string_view KeyTypeName(KeyType t);
// "P-256", "P-384", "P-521" (the JOSE "crv" names, RFC 7518 §6.2.1.1).
std::string_view CurveName(Curve c);
// Byte length of a field element (coordinate) of the curve: 32, 48 or 66.
size_t CurveCoordinateLength(Curve c);

class PublicKey {
 public:
  // SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), DER or PEM ("PUBLIC KEY"). Only EC keys on the three NIST
  // curves (named, not explicit parameters), RSA and Ed25519 are accepted; anything else, trailing data or
  // garbage is Code::kBadPublicKey.
  static Result<PublicKey> FromDer(std::string_view spki_der);
  static Result<PublicKey> FromPem(std::string_view pem);
  // Big-endian affine coordinates, each at most the curve's coordinate length (shorter ones are taken as
  // left-padded with zeros). The point must lie on the curve (kBadPublicKey otherwise): accepting an
  // off-curve point is the classic invalid-curve attack.
  static Result<PublicKey> FromEcPoint(Curve curve, std::string_view x, std::string_view y);
  // Big-endian modulus and public exponent (leading zero bytes are ignored). Rejects (kBadPublicKey) an even
  // modulus, an exponent that is even or below 3, or an exponent longer than 64 bits (OpenSSL refuses
  // those for large moduli anyway).
  static Result<PublicKey> FromRsa(std::string_view n, std::string_view e);
  // The 32-byte Ed25519 public key (RFC 8032 §5.1.5).
  static Result<PublicKey> FromEd25519(std::string_view raw32);

  KeyAlgorithm algorithm() const;
  // The curve of an EC key; nullopt for RSA and Ed25519.
  std::optional<Curve> curve() const;
  // RSA modulus bits, EC field bits (256/384/521), 256 for Ed25519.
  int bits() const;
  // SubjectPublicKeyInfo DER and PEM.
  std::string ToDer() const;
  std::string ToPem() const;

  struct EcPoint {
    Curve curve{};
    std::string x{}, y{};  // Fixed length (32/48/66), big-endian.
  };
  struct RsaComponents {
    std::string n{}, e{};  // Big-endian, no leading zero bytes.
  };
  // Each accessor returns kInvalidArgument if the key is of another algorithm.
  Result<EcPoint> ec_point() const;
  Result<RsaComponents> rsa_components() const;
  Result<std::string> ed25519_raw() const;

  // Verifies a signature over `data` hashed with `digest` (kNone for Ed25519, and only for Ed25519). EC
  // signatures are DER (ECDSA-Sig-Value); RSA is PKCS #1 v1.5 (RFC 8017 §8.2). Returns false on any
  // mismatch, including a digest that does not fit the key.
  bool Verify(DigestAlg digest, std::string_view data, std::string_view signature) const;
  // RSASSA-PSS (RFC 8017 §8.1) with MGF1 of `digest` and the salt length the signature carries; false for a
  // key that is not RSA. For TPM attestation keys that sign PSS (COSE PS256).
  bool VerifyRsaPss(DigestAlg digest, std::string_view data, std::string_view signature) const;

  // Same key material (EVP_PKEY_eq).
  bool operator==(const PublicKey& other) const;

  struct Impl;  // Opaque; defined in crypto/internal.h, used only inside crypto/.

 private:
  friend struct internal::Access;
  explicit PublicKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

class PrivateKey {
 public:
  // A fresh key from the CSPRNG.
  static Result<PrivateKey> Generate(KeyType type);
  // Unencrypted PEM: PKCS #8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY" or PKCS #1 "RSA PRIVATE KEY".
  // Encrypted keys are refused (never prompts for a pass phrase); kInvalidArgument on any failure.
  static Result<PrivateKey> FromPem(std::string_view pem);
  // The same, and also an encrypted PKCS #8 key ("ENCRYPTED PRIVATE KEY", RFC 5958 §3) decrypted with
  // `passphrase`; kInvalidArgument for a wrong passphrase.
  static Result<PrivateKey> FromPem(std::string_view pem, std::string_view passphrase);
  // PKCS #8 "ENCRYPTED PRIVATE KEY": PBES2 with AES-256-CBC under a PBKDF2-HMAC-SHA256 key
  // (kPbkdf2Iterations, a random salt). kInvalidArgument for an empty passphrase or a key in a PKCS #11 token
  // (crypto/pkcs11_key.h).
  Result<std::string> ToEncryptedPem(std::string_view passphrase) const;
  static constexpr int kPbkdf2Iterations = 200000;
  // Unencrypted PKCS #8 PEM ("PRIVATE KEY"). The caller stores it with mode 0600 (docs/ca-operations.md, "What is on disk").
  // Empty for a key in a PKCS #11 token, which never leaves it.
  std::string ToPem() const;
  PublicKey public_key() const;
  // Signs `data` hashed with `digest` (kNone for Ed25519 only). EC → DER signature; RSA → PKCS #1 v1.5.
  // kInvalidArgument if the digest does not fit the key.
  Result<std::string> Sign(DigestAlg digest, std::string_view data) const;

  struct Impl;  // Opaque; defined in crypto/internal.h, used only inside crypto/.

 private:
  friend struct internal::Access;
  explicit PrivateKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// Overwrites `secret` (a key's PEM, a passphrase) with zeros in a way the compiler keeps (OPENSSL_cleanse),
// then empties it.
void Cleanse(std::string& secret);

// DER ECDSA-Sig-Value → r||s, each left-padded to the curve's coordinate length (JOSE, RFC 7518 §3.4).
// kMalformed if the DER is invalid or r or s does not fit.
Result<std::string> EcdsaDerToRaw(std::string_view der, Curve curve);
// r||s (64, 96 or 132 bytes) → DER ECDSA-Sig-Value; kMalformed on any other length.
Result<std::string> EcdsaRawToDer(std::string_view raw);

// The digest a key signs with by default: P-256→SHA-256, P-384→SHA-384, P-521→SHA-512, RSA→SHA-256,
// Ed25519→kNone. These are also the pairings of JOSE (RFC 7518 §3.1) and of the CA's certificate signatures.
DigestAlg DefaultDigestFor(const PublicKey& key);

}  // namespace anvil::crypto
