#include "crypto/weak_keys.h"

#include <openssl/bn.h>
#include <openssl/evp.h>

#include <array>
#include <string>
#include <vector>

#include "crypto/internal.h"
#include "crypto/ossl_handles.h"

namespace anvil::crypto {
namespace {

using internal::BignumPtr;

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 4096;
constexpr BN_ULONG kRsaExponent = 65537;

// The primes below 752, as goodkey checks (2 included: a modulus decoded from a CSR is not checked for
// oddness elsewhere).
constexpr std::array<BN_ULONG, 133> kSmallPrimes = {
    2,   3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,  47,  53,  59,  61,  67,
    71,  73,  79,  83,  89,  97,  101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163,
    167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269,
    271, 277, 281, 283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383,
    389, 397, 401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499,
    503, 509, 521, 523, 541, 547, 557, 563, 569, 571, 577, 587, 593, 599, 601, 607, 613, 617, 619,
    631, 641, 643, 647, 653, 659, 661, 673, 677, 683, 691, 701, 709, 719, 727, 733, 739, 743, 751};

// The primes whose residues betray a ROCA modulus (the primorial of the Infineon generator's smallest keys).
constexpr std::array<BN_ULONG, 38> kRocaPrimes = {
    3,  5,  7,  11, 13, 17,  19,  23,  29,  31,  37,  41,  43,  47,  53,  59,  61,  67,  71,
    73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};

Status Weak(std::string detail) { return Error(Code::kBadPublicKey, std::move(detail)); }

BignumPtr FromBytes(std::string_view big_endian) {
  return BignumPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(big_endian.data()),
                             static_cast<int>(big_endian.size()), nullptr));
}

Status OutOfMemory() { return Error(Code::kInternal, "weak-key check: out of memory"); }

// floor(sqrt(n)) by Newton's method, for n ≥ 0: x starts above the root and decreases to it.
BignumPtr IntegerSqrt(const BIGNUM* n, BN_CTX* ctx) {
  BignumPtr x(BN_new()), y(BN_new()), q(BN_new());
  if (!x || !y || !q) return nullptr;
  if (BN_is_zero(n)) return BN_set_word(x.get(), 0) ? std::move(x) : nullptr;
  if (!BN_set_word(x.get(), 1) || !BN_lshift(x.get(), x.get(), (BN_num_bits(n) + 1) / 2)) return nullptr;
  for (;;) {
    // y = (x + n / x) / 2
    if (!BN_div(q.get(), nullptr, n, x.get(), ctx) || !BN_add(y.get(), x.get(), q.get()) ||
        !BN_rshift1(y.get(), y.get())) {
      return nullptr;
    }
    if (BN_cmp(y.get(), x.get()) >= 0) return x;
    std::swap(x, y);
  }
}

// Whether x might be a perfect square, by its residues modulo 64·63·65·11: about 1 number in 120 passes, so
// the integer square root runs only for those.
bool MaybeSquare(BN_ULONG x) {
  static const auto residues = [] {
    std::array<std::vector<bool>, 4> table;
    const std::array<BN_ULONG, 4> moduli = {64, 63, 65, 11};
    for (size_t i = 0; i < moduli.size(); ++i) {
      table[i].assign(moduli[i], false);
      for (BN_ULONG r = 0; r < moduli[i]; ++r) table[i][r * r % moduli[i]] = true;
    }
    return table;
  }();
  return residues[0][x % 64] && residues[1][x % 63] && residues[2][x % 65] && residues[3][x % 11];
}

Status CheckEcPoint(const PublicKey& key) {
  internal::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, internal::Access::Pkey(key), nullptr));
  if (!ctx) return OutOfMemory();
  // The quick check (on the curve, not the point at infinity) is the whole check for the NIST curves, whose
  // cofactor is 1: the full one multiplies the point by the group order to find what cannot be (45 µs).
  if (EVP_PKEY_public_check_quick(ctx.get()) != 1)
    return Weak("EC public key is not a valid point of its curve");
  return Status::Ok();
}

Status CheckRsa(const PublicKey& key) {
  ANVIL_ASSIGN_OR_RETURN(PublicKey::RsaComponents rsa, key.rsa_components());
  const int bits = key.bits();
  if (bits < kMinRsaBits || bits > kMaxRsaBits || bits % 8 != 0) {
    return Weak("RSA modulus of " + std::to_string(bits) + " bits (want 2048 to 4096, a multiple of 8)");
  }
  BignumPtr e = FromBytes(rsa.e);
  if (!e) return OutOfMemory();
  if (!BN_is_word(e.get(), kRsaExponent)) {
    char* text = BN_bn2dec(e.get());
    std::string shown = text != nullptr && std::string_view(text).size() <= 24 ? text : "other than 65537";
    OPENSSL_free(text);
    return Weak("RSA public exponent " + shown + " (want 65537)");
  }
  ANVIL_RETURN_IF_ERROR(CheckRsaModulusForSmallFactors(rsa.n));
  ANVIL_RETURN_IF_ERROR(CheckRsaModulusForCloseFactors(rsa.n));
  return CheckRsaModulusForRoca(rsa.n);
}

}  // namespace

Status CheckRsaModulusForSmallFactors(std::string_view modulus) {
  BignumPtr n = FromBytes(modulus);
  if (!n) return OutOfMemory();
  for (BN_ULONG p : kSmallPrimes) {
    BN_ULONG r = BN_mod_word(n.get(), p);
    if (r == static_cast<BN_ULONG>(-1)) return OutOfMemory();
    if (r == 0 && !BN_is_word(n.get(), p)) {
      return Weak("RSA modulus is divisible by " + std::to_string(p) + " (a small prime factor)");
    }
  }
  return Status::Ok();
}

// Fermat's method: n = p·q with p, q close means n = a² − b² for a = (p + q)/2 just above √n, b = (q − p)/2.
// Each round tries the next a; b² = a² − n grows by 2a + 1 from one round to the next.
Status CheckRsaModulusForCloseFactors(std::string_view modulus, int rounds) {
  BignumPtr n = FromBytes(modulus);
  internal::BnCtxPtr ctx(BN_CTX_new());
  if (!n || !ctx) return OutOfMemory();
  BignumPtr a = IntegerSqrt(n.get(), ctx.get());
  BignumPtr b2(BN_new()), step(BN_new()), root_sq(BN_new());
  if (!a || !b2 || !step || !root_sq) return OutOfMemory();
  if (!BN_sqr(b2.get(), a.get(), ctx.get())) return OutOfMemory();
  if (BN_cmp(b2.get(), n.get()) < 0) {  // a = ceil(√n)
    if (!BN_add_word(a.get(), 1) || !BN_sqr(b2.get(), a.get(), ctx.get())) return OutOfMemory();
  }
  if (!BN_sub(b2.get(), b2.get(), n.get())) return OutOfMemory();
  for (int i = 0; i < rounds; ++i) {
    const BN_ULONG residue = BN_mod_word(b2.get(), 64UL * 63 * 65 * 11);
    if (residue == static_cast<BN_ULONG>(-1)) return OutOfMemory();
    if (MaybeSquare(residue)) {
      BignumPtr b = IntegerSqrt(b2.get(), ctx.get());
      if (!b || !BN_sqr(root_sq.get(), b.get(), ctx.get())) return OutOfMemory();
      if (BN_cmp(root_sq.get(), b2.get()) == 0 && !BN_is_zero(b.get())) {
        return Weak("RSA modulus has prime factors close enough to be found by Fermat's method");
      }
    }
    // b² += 2a + 1; a += 1
    if (!BN_lshift1(step.get(), a.get()) || !BN_add_word(step.get(), 1) ||
        !BN_add(b2.get(), b2.get(), step.get()) || !BN_add_word(a.get(), 1)) {
      return OutOfMemory();
    }
  }
  return Status::Ok();
}

Status CheckRsaModulusForRoca(std::string_view modulus) {
  BignumPtr n = FromBytes(modulus);
  if (!n) return OutOfMemory();
  for (BN_ULONG p : kRocaPrimes) {
    BN_ULONG residue = BN_mod_word(n.get(), p);
    if (residue == static_cast<BN_ULONG>(-1)) return OutOfMemory();
    // Walk the subgroup generated by 65537 mod p; a residue outside it clears the modulus.
    const BN_ULONG generator = kRsaExponent % p;
    bool in_subgroup = false;
    BN_ULONG element = 1;
    do {
      if (element == residue) {
        in_subgroup = true;
        break;
      }
      element = element * generator % p;
    } while (element != 1);
    if (!in_subgroup) return Status::Ok();
  }
  return Weak("RSA modulus has the structure of the Infineon ROCA weakness (CVE-2017-15361)");
}

Status CheckKeyStrength(const PublicKey& key) {
  switch (key.algorithm()) {
    case KeyAlgorithm::kRsa:
      return CheckRsa(key);
    case KeyAlgorithm::kEc:
      return CheckEcPoint(key);
    case KeyAlgorithm::kEd25519:
      return Status::Ok();  // 32 bytes, checked on import; every point encoding is a usable public key
  }
  return Weak("unsupported key type");
}

}  // namespace anvil::crypto
