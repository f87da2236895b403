// Tests for the CBOR subset (cbor.h): RFC 8949 Appendix A vectors, round trips, and every refusal.
#include "attest/cbor.h"

#include <gtest/gtest.h>

#include <string>

namespace anvil::attest {
namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(char(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

Code DecodeCode(std::string_view hex) { return DecodeCbor(Hex(hex)).status().code(); }

std::string DecodeMessage(std::string_view hex) { return DecodeCbor(Hex(hex)).status().message(); }

// RFC 8949 Appendix A: each vector decodes to the value and the value encodes back to the same bytes.
TEST(Cbor, AppendixAVectorsRoundTrip) {
  struct Vector {
    std::string hex;
    CborValue value;
  };
  const Vector vectors[] = {
      {"00", CborValue::Unsigned(0)},
      {"17", CborValue::Unsigned(23)},
      {"1818", CborValue::Unsigned(24)},
      {"1903e8", CborValue::Unsigned(1000)},
      {"1a000f4240", CborValue::Unsigned(1000000)},
      {"1b000000e8d4a51000", CborValue::Unsigned(1000000000000)},
      {"1bffffffffffffffff", CborValue::Unsigned(18446744073709551615u)},
      {"20", CborValue::Int(-1)},
      {"3863", CborValue::Int(-100)},
      {"3903e7", CborValue::Int(-1000)},
      {"3b7fffffffffffffff", CborValue::Int(std::numeric_limits<int64_t>::min())},
      {"f4", CborValue::Bool(false)},
      {"f5", CborValue::Bool(true)},
      {"f6", CborValue::Null()},
      {"40", CborValue::Bytes("")},
      {"4401020304", CborValue::Bytes(Hex("01020304"))},
      {"60", CborValue::Text("")},
      {"6161", CborValue::Text("a")},
      {"6449455446", CborValue::Text("IETF")},
      {"62c3bc", CborValue::Text("\xc3\xbc")},
      {"64f0908591", CborValue::Text("\xf0\x90\x85\x91")},
      {"80", CborValue::FromArray({})},
      {"83010203",
       CborValue::FromArray({CborValue::Unsigned(1), CborValue::Unsigned(2), CborValue::Unsigned(3)})},
      {"a0", CborValue::FromMap({})},
      {"a201020304", CborValue::FromMap({{CborValue::Unsigned(1), CborValue::Unsigned(2)},
                                         {CborValue::Unsigned(3), CborValue::Unsigned(4)}})},
      {"a26161016162820203",
       CborValue::FromMap(
           {{CborValue::Text("a"), CborValue::Unsigned(1)},
            {CborValue::Text("b"), CborValue::FromArray({CborValue::Unsigned(2), CborValue::Unsigned(3)})}})},
  };
  for (const Vector& v : vectors) {
    auto decoded = DecodeCbor(Hex(v.hex));
    ASSERT_TRUE(decoded.ok()) << v.hex << ": " << decoded.status().ToString();
    EXPECT_TRUE(*decoded == v.value) << v.hex;
    EXPECT_EQ(EncodeCbor(v.value), Hex(v.hex)) << v.hex;
  }
}

TEST(Cbor, TwentyFiveItemArrayUsesAOneByteLength) {
  CborValue::Array items;
  for (uint64_t i = 1; i <= 25; ++i) items.push_back(CborValue::Unsigned(i));
  const std::string encoded = EncodeCbor(CborValue::FromArray(items));
  EXPECT_EQ(encoded.substr(0, 2), Hex("9819"));
  EXPECT_EQ(encoded.size(), 2u + 23u + 2u * 2u);
  auto decoded = DecodeCbor(encoded);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ((**decoded->AsArray("a")).size(), 25u);
}

TEST(Cbor, MapsKeepInsertionOrder) {
  // CTAP2 canonical order would put "fmt" (3 bytes) before "attStmt" (7 bytes); insertion order is kept.
  CborValue map = CborValue::FromMap({{CborValue::Text("attStmt"), CborValue::FromMap({})},
                                      {CborValue::Text("fmt"), CborValue::Text("tpm")}});
  const std::string encoded = EncodeCbor(map);
  EXPECT_EQ(encoded, Hex("a2676174745374"
                         "6d74a063666d746374706d"));
  auto decoded = DecodeCbor(encoded);
  ASSERT_TRUE(decoded.ok());
  const CborValue::Map& entries = **decoded->AsMap("m");
  EXPECT_EQ(*entries[0].first.AsText("k"), "attStmt");
  EXPECT_EQ(*entries[1].first.AsText("k"), "fmt");
}

TEST(Cbor, LongStringsRoundTrip) {
  for (size_t n : {23u, 24u, 255u, 256u, 65535u, 65536u}) {
    const CborValue v = CborValue::Bytes(std::string(n, 'x'));
    auto decoded = DecodeCbor(EncodeCbor(v));
    ASSERT_TRUE(decoded.ok()) << n;
    EXPECT_TRUE(*decoded == v) << n;
  }
}

TEST(Cbor, FindLooksUpTextKeysOnly) {
  CborValue map = CborValue::FromMap({{CborValue::Text("fmt"), CborValue::Text("tpm")},
                                      {CborValue::Unsigned(1), CborValue::Text("one")},
                                      {CborValue::Bytes("sig"), CborValue::Text("bytes key")}});
  ASSERT_NE(map.Find("fmt"), nullptr);
  EXPECT_EQ(*map.Find("fmt")->AsText("fmt"), "tpm");
  EXPECT_EQ(map.Find("sig"), nullptr);  // a byte-string key is not the text key
  EXPECT_EQ(map.Find("absent"), nullptr);
  EXPECT_EQ(CborValue::Text("fmt").Find("fmt"), nullptr);  // not a map
}

TEST(Cbor, AccessorsNameWhatWasExpected) {
  const CborValue text = CborValue::Text("x");
  auto bytes = text.AsBytes("attStmt.sig");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), Code::kMalformed);
  EXPECT_EQ(bytes.status().message(), "attStmt.sig: expected a byte string");
  EXPECT_EQ(CborValue::Bytes("x").AsText("fmt").status().message(), "fmt: expected a text string");
  EXPECT_EQ(text.AsArray("x5c").status().message(), "x5c: expected an array");
  EXPECT_EQ(text.AsMap("attStmt").status().message(), "attStmt: expected a map");
  EXPECT_EQ(text.AsBool("b").status().message(), "b: expected a boolean");
  EXPECT_EQ(text.AsInt("alg").status().message(), "alg: expected an integer");
  EXPECT_EQ(CborValue::Int(-7).AsUnsigned("n").status().message(), "n: expected an unsigned integer");
  EXPECT_EQ(*CborValue::Int(-257).AsInt("alg"), -257);
  EXPECT_EQ(*CborValue::Unsigned(7).AsInt("alg"), 7);
  EXPECT_EQ(CborValue::Unsigned(uint64_t(1) << 63).AsInt("alg").status().code(), Code::kMalformed);
  EXPECT_TRUE(CborValue().is_null());
  EXPECT_EQ(CborValue::Int(5).kind(), CborValue::Kind::kUnsigned);
  EXPECT_EQ(CborValue::Int(-5).kind(), CborValue::Kind::kNegative);
}

TEST(Cbor, RefusesNegativeIntegersBelowInt64) {
  EXPECT_EQ(DecodeCode("3b8000000000000000"), Code::kMalformed);  // -2^63 - 1
  EXPECT_NE(DecodeMessage("3b8000000000000000").find("below -2^63"), std::string::npos);
}

TEST(Cbor, RefusesTrailingBytesAndEmptyInput) {
  EXPECT_EQ(DecodeCode("0000"), Code::kMalformed);
  EXPECT_NE(DecodeMessage("0000").find("trailing bytes"), std::string::npos);
  EXPECT_EQ(DecodeCbor("").status().code(), Code::kMalformed);
}

TEST(Cbor, RefusesIndefiniteLengths) {
  for (const char* hex : {"5f42010243030405ff", "7f657374726561646d696e67ff", "9fff", "bfff", "ff"}) {
    EXPECT_EQ(DecodeCode(hex), Code::kMalformed) << hex;
    EXPECT_NE(DecodeMessage(hex).find("indefinite"), std::string::npos) << hex;
  }
}

TEST(Cbor, RefusesTags) {
  EXPECT_EQ(DecodeCode("c11a514b67b0"), Code::kMalformed);  // 1(1363896240)
  EXPECT_NE(DecodeMessage("c11a514b67b0").find("tags"), std::string::npos);
  EXPECT_EQ(DecodeCode("d82076687474703a2f2f7777772e6578616d706c652e636f6d"), Code::kMalformed);
}

TEST(Cbor, RefusesFloatsAndOtherSimpleValues) {
  for (const char* hex : {"f90000", "fa47c35000", "fb3ff199999999999a"}) {
    EXPECT_EQ(DecodeCode(hex), Code::kMalformed) << hex;
    EXPECT_NE(DecodeMessage(hex).find("floating-point"), std::string::npos) << hex;
  }
  for (const char* hex : {"f7" /* undefined */, "f0" /* simple(16) */, "f8ff" /* simple(255) */}) {
    EXPECT_EQ(DecodeCode(hex), Code::kMalformed) << hex;
    EXPECT_NE(DecodeMessage(hex).find("simple value"), std::string::npos) << hex;
  }
}

TEST(Cbor, RefusesReservedAdditionalInformation) {
  for (const char* hex : {"1c", "1d", "1e", "5c"}) EXPECT_EQ(DecodeCode(hex), Code::kMalformed) << hex;
}

TEST(Cbor, RefusesNonShortestHeads) {
  for (const char* hex : {"1817", "190017", "1900ff", "1a0000ffff", "1b00000000ffffffff", "3817", "5801ff",
                          "780161", "9800", "b800"}) {
    EXPECT_EQ(DecodeCode(hex), Code::kMalformed) << hex;
    EXPECT_NE(DecodeMessage(hex).find("shortest form"), std::string::npos) << hex;
  }
}

TEST(Cbor, RefusesInvalidUtf8Text) {
  for (const char* hex : {"61ff", "62c080" /* overlong NUL */, "63eda080" /* surrogate */,
                          "64f4908080" /* above U+10FFFF */, "61c3" /* truncated */, "6280bf"}) {
    EXPECT_EQ(DecodeCode(hex), Code::kMalformed) << hex;
    EXPECT_NE(DecodeMessage(hex).find("UTF-8"), std::string::npos) << hex;
  }
  // Byte strings hold anything.
  EXPECT_TRUE(DecodeCbor(Hex("41ff")).ok());
}

TEST(Cbor, RefusesDuplicateMapKeys) {
  EXPECT_EQ(DecodeCode("a2616101616102"), Code::kMalformed);  // {"a": 1, "a": 2}
  EXPECT_NE(DecodeMessage("a2616101616102").find("duplicate map key"), std::string::npos);
  EXPECT_EQ(DecodeCode("a201010102"), Code::kMalformed);  // {1: 1, 1: 2}
  // The same bytes as a text key and a byte-string key are different keys.
  EXPECT_TRUE(DecodeCbor(Hex("a2616101416102")).ok());
}

TEST(Cbor, RefusesLengthsBeyondTheInputWithoutAllocating) {
  // A byte string, an array and a map claiming 2^64-1 bytes / items / entries: refused before reserve().
  for (const char* hex :
       {"5bffffffffffffffff", "7bffffffffffffffff", "9bffffffffffffffff", "bbffffffffffffffff",
        "5a7fffffff00", "430102" /* 3 claimed, 2 present */, "9a0001000000"}) {
    EXPECT_EQ(DecodeCode(hex), Code::kMalformed) << hex;
    EXPECT_NE(DecodeMessage(hex).find("beyond the input"), std::string::npos) << hex;
  }
  // A map of 2 entries needs at least 4 bytes after its head.
  EXPECT_EQ(DecodeCode("a2010203"), Code::kMalformed);
}

TEST(Cbor, RefusesTruncatedHeadsAndItems) {
  for (const char* hex : {"19", "1903", "1a0000", "8301", "a101", "a1"}) {
    EXPECT_EQ(DecodeCode(hex), Code::kMalformed) << hex;
  }
}

TEST(Cbor, NestingIsLimitedToSixteen) {
  std::string sixteen = std::string(15, '\x81') + "\x80";  // 16 arrays, the innermost empty
  EXPECT_TRUE(DecodeCbor(sixteen).ok());
  std::string seventeen = std::string(16, '\x81') + "\x80";
  auto r = DecodeCbor(seventeen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kMalformed);
  EXPECT_NE(r.status().message().find("nesting"), std::string::npos);
  std::string maps;
  for (int i = 0; i < 17; ++i) maps += "\xa1\x00";
  maps += '\x00';
  EXPECT_EQ(DecodeCbor(maps).status().code(), Code::kMalformed);
}

TEST(Cbor, InputIsLimitedToOneMebibyte) {
  const std::string at_limit = Hex("5a000ffffb") + std::string(kMaxCborInput - 5, 'x');
  EXPECT_TRUE(DecodeCbor(at_limit).ok());
  const std::string over = Hex("5a000ffffc") + std::string(kMaxCborInput - 4, 'x');
  auto r = DecodeCbor(over);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("larger than"), std::string::npos);
}

TEST(Cbor, ErrorsNameTheOffset) {
  EXPECT_EQ(DecodeMessage("8201c0"), "CBOR at offset 2: tags are not accepted");
}

TEST(Cbor, AttestationObjectShapeRoundTrips) {
  CborValue att = CborValue::FromMap(
      {{CborValue::Text("fmt"), CborValue::Text("tpm")},
       {CborValue::Text("attStmt"),
        CborValue::FromMap(
            {{CborValue::Text("ver"), CborValue::Text("2.0")},
             {CborValue::Text("alg"), CborValue::Int(-257)},
             {CborValue::Text("x5c"), CborValue::FromArray({CborValue::Bytes(std::string(300, '\x30'))})},
             {CborValue::Text("sig"), CborValue::Bytes(std::string(256, '\0'))}})}});
  auto decoded = DecodeCbor(EncodeCbor(att));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(*decoded == att);
  ASSERT_NE(decoded->Find("attStmt"), nullptr);
  EXPECT_EQ(*decoded->Find("attStmt")->Find("alg")->AsInt("alg"), -257);
}

}  // namespace
}  // namespace anvil::attest
