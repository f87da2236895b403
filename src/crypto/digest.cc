#include "crypto/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "crypto/internal.h"

namespace anvil::crypto {

const EVP_MD* internal::EvpMd(DigestAlg alg) {
  switch (alg) {
    case DigestAlg::kSha256:
      return EVP_sha256();
    case DigestAlg::kSha384:
      return EVP_sha384();
    case DigestAlg::kSha512:
      return EVP_sha512();
    case DigestAlg::kNone:
      break;
  }
  return nullptr;
}

namespace {

[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "anvil: FATAL: %s\n", what);
  std::abort();
}

}  // namespace

std::string_view DigestAlgName(DigestAlg alg) {
  switch (alg) {
    case DigestAlg::kSha256:
      return "SHA-256";
    case DigestAlg::kSha384:
      return "SHA-384";
    case DigestAlg::kSha512:
      return "SHA-512";
    case DigestAlg::kNone:
      break;
  }
  return "none";
}

size_t DigestLength(DigestAlg alg) {
  switch (alg) {
    case DigestAlg::kSha256:
      return 32;
    case DigestAlg::kSha384:
      return 48;
    case DigestAlg::kSha512:
      return 64;
    case DigestAlg::kNone:
      break;
  }
  return 0;
}

std::string Sha256(std::string_view data) { return Digest(DigestAlg::kSha256, data); }

std::string Digest(DigestAlg alg, std::string_view data) {
  const EVP_MD* md = internal::EvpMd(alg);
  if (md == nullptr) return std::string(data);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Hashing in memory fails only on allocation failure or a broken library; there is no sane fallback.
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) Fatal("EVP_Digest failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Hmac(DigestAlg alg, std::string_view key, std::string_view data) {
  const EVP_MD* md = internal::EvpMd(alg);
  if (md == nullptr) Fatal("Hmac called with DigestAlg::kNone");
  if (key.size() > static_cast<size_t>(INT32_MAX)) Fatal("HMAC key too long");
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // HMAC() (one-shot) is not deprecated in OpenSSL 3; a zero-length key needs a non-null pointer.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (HMAC(md, key_ptr, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out, &len) == nullptr) {
    Fatal("HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string SerialHex(std::string_view serial_bytes) {
  std::string hex = HexEncode(serial_bytes);
  const size_t first = hex.find_first_not_of('0');
  return first == std::string::npos ? "0" : hex.substr(first);
}

}  // namespace anvil::crypto
