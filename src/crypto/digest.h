// Message digests, HMAC and constant-time comparison (OpenSSL EVP).
//
// Pure functions on byte strings (std::string holds raw bytes); thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace anvil::crypto {

// kNone means "no pre-hash": EdDSA (RFC 8032) signs the message itself.
enum class DigestAlg { kSha256, kSha384, kSha512, kNone /* for Ed25519 */ };

// "SHA-256", "SHA-384", "SHA-512" or "none".
std::string_view DigestAlgName(DigestAlg alg);
// Digest output length in bytes (0 for kNone).
size_t DigestLength(DigestAlg alg);

// Raw 32-byte SHA-256 of `data`.
std::string Sha256(std::string_view data);
// Raw digest of `data`. Digest(kNone, data) returns `data` unchanged (the identity "pre-hash" of EdDSA).
std::string Digest(DigestAlg alg, std::string_view data);
// HMAC (RFC 2104) of `data` under `key`; raw bytes. `alg` must not be kNone: that is a programming error and
// aborts, because returning an empty MAC would let an empty signature match.
std::string Hmac(DigestAlg alg, std::string_view key, std::string_view data);
// Compares in time independent of the contents (CRYPTO_memcmp). Different lengths compare unequal at once:
// lengths of MACs and digests are public.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// Lowercase hex of `bytes`, e.g. "00ff".
std::string HexEncode(std::string_view bytes);
// A serial number's big-endian magnitude bytes as lowercase hex without leading zeros ("0" for zero): the form
// Certificate::serial_hex() gives and the store keys certificates by.
std::string SerialHex(std::string_view serial_bytes);

}  // namespace anvil::crypto
