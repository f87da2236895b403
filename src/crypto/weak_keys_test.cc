#include "crypto/weak_keys.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>

#include <memory>
#include <string>

namespace anvil::crypto {
namespace {

using Bn = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using Ctx = std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)>;

Bn NewBn() { return Bn(BN_new(), BN_free); }

std::string Bytes(const BIGNUM* n) {
  std::string out(static_cast<size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// A random odd number of exactly `bits` bits.
Bn RandomOdd(int bits) {
  Bn n = NewBn();
  EXPECT_EQ(BN_rand(n.get(), bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD), 1);
  return n;
}

const std::string kE65537("\x01\x00\x01", 3);

Status StrengthOfModulus(const std::string& n, const std::string& e = kE65537) {
  auto key = PublicKey::FromRsa(n, e);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return key.ok() ? CheckKeyStrength(*key) : key.status();
}

void ExpectWeak(const Status& s, const std::string& detail_part) {
  EXPECT_EQ(s.code(), Code::kBadPublicKey) << s.ToString();
  EXPECT_NE(s.message().find(detail_part), std::string::npos) << s.ToString();
}

TEST(WeakKeys, GeneratedKeysOfEveryAllowedTypePass) {
  for (KeyType type : {KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kEcP256, KeyType::kEcP384,
                       KeyType::kEcP521, KeyType::kEd25519}) {
    auto key = PrivateKey::Generate(type);
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(CheckKeyStrength(key->public_key()).ok()) << CheckKeyStrength(key->public_key()).ToString();
  }
}

TEST(WeakKeys, RsaSizesOutsideTwoToFourKilobitsOrNotAMultipleOfEightAreRefused) {
  for (int bits : {1024, 2040, 2052, 3077, 4104, 8192}) {
    SCOPED_TRACE(bits);
    ExpectWeak(StrengthOfModulus(Bytes(RandomOdd(bits).get())),
               "RSA modulus of " + std::to_string(bits) + " bits");
  }
}

TEST(WeakKeys, RsaExponentsOtherThan65537AreRefused) {
  auto key = PrivateKey::Generate(KeyType::kRsa2048);
  ASSERT_TRUE(key.ok());
  const std::string n = key->public_key().rsa_components()->n;
  ExpectWeak(StrengthOfModulus(n, std::string("\x03", 1)), "RSA public exponent 3 (want 65537)");
  ExpectWeak(StrengthOfModulus(n, std::string("\x01\x00\x03", 3)), "RSA public exponent 65539");
  ExpectWeak(StrengthOfModulus(n, std::string("\x01\x00\x00\x01", 4)), "RSA public exponent 16777217");
  EXPECT_TRUE(StrengthOfModulus(n).ok());
}

TEST(WeakKeys, AModulusWithASmallPrimeFactorIsRefused) {
  for (BN_ULONG p : {3, 101, 751}) {
    SCOPED_TRACE(p);
    Ctx ctx(BN_CTX_new(), BN_CTX_free);
    Bn prime = NewBn(), n = NewBn();
    ASSERT_EQ(BN_set_word(prime.get(), p), 1);
    // An odd 2048-bit multiple of p with no other small factor (an a-bit times a b-bit number has a + b - 1
    // or a + b bits).
    for (;;) {
      Bn m = RandomOdd(2048 - BN_num_bits(prime.get()) + 1);
      if (!CheckRsaModulusForSmallFactors(Bytes(m.get())).ok()) continue;
      ASSERT_EQ(BN_mul(n.get(), m.get(), prime.get(), ctx.get()), 1);
      if (BN_num_bits(n.get()) == 2048) break;
    }
    ExpectWeak(StrengthOfModulus(Bytes(n.get())), "divisible by " + std::to_string(p));
  }
  // 757 is the first prime past the list: not refused for that reason.
  EXPECT_TRUE(CheckRsaModulusForSmallFactors(std::string("\x02\xf5", 2)).ok());  // 757 itself
}

TEST(WeakKeys, FactorsCloseEnoughForFermatAreRefused) {
  Ctx ctx(BN_CTX_new(), BN_CTX_free);
  Bn p = NewBn(), q = NewBn(), n = NewBn();
  ASSERT_EQ(BN_generate_prime_ex(p.get(), 1024, 0, nullptr, nullptr, nullptr), 1);
  // q: the next prime after p, as a broken generator that searches upwards from p would pick.
  ASSERT_EQ(BN_copy(q.get(), p.get()) != nullptr, true);
  do {
    ASSERT_EQ(BN_add_word(q.get(), 2), 1);
  } while (BN_check_prime(q.get(), ctx.get(), nullptr) != 1);
  ASSERT_EQ(BN_mul(n.get(), p.get(), q.get(), ctx.get()), 1);
  ASSERT_EQ(BN_num_bits(n.get()) % 8, 0);
  ExpectWeak(CheckRsaModulusForCloseFactors(Bytes(n.get())), "Fermat");
  ExpectWeak(StrengthOfModulus(Bytes(n.get())), "Fermat");
  // Factors 2^600 apart are far beyond 100 rounds.
  Bn far = NewBn();
  ASSERT_EQ(BN_generate_prime_ex(far.get(), 1024, 0, nullptr, nullptr, nullptr), 1);
  ASSERT_EQ(BN_mul(n.get(), p.get(), far.get(), ctx.get()), 1);
  EXPECT_TRUE(CheckRsaModulusForCloseFactors(Bytes(n.get())).ok());
}

// A modulus that is 65537^c modulo every ROCA prime, as the product of two Infineon primes is
// (CVE-2017-15361): n = (65537^c mod M) + k·M for the primorial M of those primes.
TEST(WeakKeys, AModulusOfTheRocaFormIsRefused) {
  Ctx ctx(BN_CTX_new(), BN_CTX_free);
  Bn m = NewBn(), g = NewBn(), c = NewBn(), r = NewBn();
  ASSERT_EQ(BN_set_word(m.get(), 1), 1);
  for (BN_ULONG p :
       {3,  5,  7,  11, 13, 17,  19,  23,  29,  31,  37,  41,  43,  47,  53,  59,  61,  67,  71,
        73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167}) {
    ASSERT_EQ(BN_mul_word(m.get(), p), 1);
  }
  ASSERT_EQ(BN_set_word(g.get(), 65537), 1);
  ASSERT_EQ(BN_set_word(c.get(), 1234567), 1);
  ASSERT_EQ(BN_mod_exp(r.get(), g.get(), c.get(), m.get(), ctx.get()), 1);
  for (int attempt = 0;; ++attempt) {
    ASSERT_LT(attempt, 1000);
    Bn k = NewBn(), n = NewBn();
    ASSERT_EQ(BN_rand(k.get(), 2048 - BN_num_bits(m.get()) + 1, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), 1);
    ASSERT_EQ(BN_mul(n.get(), k.get(), m.get(), ctx.get()), 1);
    ASSERT_EQ(BN_add(n.get(), n.get(), r.get()), 1);
    if (!BN_is_odd(n.get())) {
      ASSERT_EQ(BN_add(n.get(), n.get(), m.get()), 1);  // M is odd
    }
    if (BN_num_bits(n.get()) != 2048) continue;
    const std::string modulus = Bytes(n.get());
    if (!CheckRsaModulusForSmallFactors(modulus).ok()) continue;  // a factor among the primes past 167
    ExpectWeak(CheckRsaModulusForRoca(modulus), "ROCA");
    ExpectWeak(StrengthOfModulus(modulus), "ROCA");
    break;
  }
  // A generated key is not of that form.
  auto key = PrivateKey::Generate(KeyType::kRsa2048);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(CheckRsaModulusForRoca(key->public_key().rsa_components()->n).ok());
}

}  // namespace
}  // namespace anvil::crypto
