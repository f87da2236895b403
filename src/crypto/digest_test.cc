#include "crypto/digest.h"

#include <gtest/gtest.h>

namespace anvil::crypto {
namespace {

TEST(Digest, Sha2OfAbc) {
  // FIPS 180-2 Appendix B.1.
  EXPECT_EQ(HexEncode(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      HexEncode(Digest(DigestAlg::kSha384, "abc")),
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(Digest(DigestAlg::kSha512, "abc").size(), 64u);
  EXPECT_EQ(Digest(DigestAlg::kNone, "abc"), "abc");
}

TEST(Hmac, Rfc4231TestCase2) {
  // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(HexEncode(Hmac(DigestAlg::kSha256, "Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(Hmac(DigestAlg::kSha384, "Jefe", "what do ya want for nothing?")),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
            "8e2240ca5e69e2c78b3239ecfab21649");
  EXPECT_EQ(HexEncode(Hmac(DigestAlg::kSha512, "Jefe", "what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(Hmac, AcceptsAnEmptyKey) { EXPECT_EQ(Hmac(DigestAlg::kSha256, "", "data").size(), 32u); }

TEST(Hmac, AbortsOnNone) { EXPECT_DEATH((void)Hmac(DigestAlg::kNone, "k", "d"), "kNone"); }

TEST(ConstantTimeEquals, ComparesContentsAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST(HexEncode, IsLowercase) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(HexEncode(""), "");
}

}  // namespace
}  // namespace anvil::crypto
