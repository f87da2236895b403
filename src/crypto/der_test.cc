#include "crypto/der.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/key.h"
#include "crypto/spki.h"

namespace anvil::crypto::internal {
namespace {

using namespace std::string_literals;

TEST(Der, LengthsAreMinimalDefiniteForm) {
  EXPECT_EQ(DerLength(0), "\x00"s);
  EXPECT_EQ(DerLength(0x7f), "\x7f"s);
  EXPECT_EQ(DerLength(0x80), "\x81\x80"s);
  EXPECT_EQ(DerLength(0x1234), "\x82\x12\x34"s);
}

TEST(Der, UnsignedIntegersStayPositive) {
  EXPECT_EQ(DerUnsignedInteger("\x01\x00\x01"s), "\x02\x03\x01\x00\x01"s);
  EXPECT_EQ(DerUnsignedInteger("\x00\x00\x80"s), "\x02\x02\x00\x80"s);
  EXPECT_EQ(DerUnsignedInteger(""), "\x02\x01\x00"s);
}

TEST(Der, ReadsWhatItWritesAndAdvances) {
  std::string long_content(300, 'x');
  std::string both = DerTlv(0x04, long_content) + DerTlv(0x05, "");
  std::string_view in = both;
  auto first = ReadDer(in);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->tag, 0x04);
  EXPECT_EQ(first->content, long_content);
  auto second = ReadDer(in);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->tag, 0x05);
  EXPECT_TRUE(second->content.empty());
  EXPECT_TRUE(in.empty());
}

TEST(Der, RefusesTruncatedIndefiniteAndNonMinimalLengths) {
  for (std::string bad : {"\x30"s, "\x30\x05\x01"s, "\x30\x80\x00\x00"s, "\x30\x81\x05\x01\x02\x03\x04\x05"s,
                          "\x30\x82\x00\x80"s + std::string(0x80, 'a'), "\x1f\x01\x00"s}) {
    std::string_view in = bad;
    EXPECT_FALSE(ReadDer(in).has_value()) << testing::PrintToString(bad);
  }
}

TEST(Der, ReadDerOfChecksTheTagAndGivesTheWholeEncoding) {
  const std::string two = DerTlv(0x02, "\x05") + DerTlv(0x04, "ab");
  std::string_view in = two;
  std::string_view whole;
  auto integer = ReadDerOf(in, 0x02, &whole);
  ASSERT_TRUE(integer);
  EXPECT_EQ(*integer, "\x05");
  EXPECT_EQ(whole, DerTlv(0x02, "\x05"));
  EXPECT_EQ(in, DerTlv(0x04, "ab"));
  EXPECT_FALSE(ReadDerOf(in, 0x02));  // an OCTET STRING is next, not an INTEGER
  const std::string octets = DerTlv(0x04, "ab");
  std::string_view again = octets;
  EXPECT_EQ(ReadDerOf(again, 0x04), "ab");
  EXPECT_TRUE(again.empty());
}

TEST(Spki, SplitsAKeyAndRefusesOtherStructures) {
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  const std::string spki = key->public_key().ToDer();  // SpkiParts are views into it
  auto parts = SplitSpki(spki);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(parts->key_bits.size(), 65u);  // uncompressed P-256 point
  EXPECT_EQ(parts->key_bits[0], '\x04');
  EXPECT_EQ(parts->algorithm_der[0], '\x30');
  EXPECT_FALSE(SplitSpki("").ok());
  EXPECT_FALSE(SplitSpki(key->public_key().ToDer() + "x").ok());
  EXPECT_FALSE(SplitSpki(DerTlv(0x30, DerTlv(0x30, "") + DerTlv(0x03, "\x01\xff"s))).ok());  // unused bits
}

}  // namespace
}  // namespace anvil::crypto::internal
