// Tests for the strict DER reader (der.h) and the test-only writer it is exercised with
// (testing/der_writer.h).
#include "attest/der.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "attest/testing/der_writer.h"

namespace anvil::attest {
namespace {

using namespace testing;  // NOLINT: the writer's helpers read as ASN.1

std::string Bytes(std::initializer_list<int> b) {
  std::string out;
  for (int v : b) out.push_back(static_cast<char>(v));
  return out;
}

Status ParseStatus(const std::string& der) { return ParseDer(der).status(); }

TEST(Der, ReadsASequenceOfPrimitives) {
  const std::string der = Seq({Integer(5), OctetString("abc"), Null()});
  auto seq = ParseDer(der);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(seq->cls, kDerUniversal);
  EXPECT_TRUE(seq->constructed);
  EXPECT_EQ(seq->tag, kDerSequence);
  EXPECT_EQ(seq->whole, der);
  DerReader r(seq->content);
  auto i = r.Expect(kDerUniversal, false, kDerInteger);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(*DerInteger(*i), 5);
  EXPECT_TRUE(r.NextIs(kDerUniversal, false, kDerOctetString));
  EXPECT_FALSE(r.NextIs(kDerUniversal, false, kDerNull));
  auto peeked = r.Peek();
  ASSERT_TRUE(peeked.ok());
  EXPECT_EQ(peeked->content, "abc");
  auto os = r.Next();
  ASSERT_TRUE(os.ok());
  EXPECT_EQ(os->content, "abc");
  EXPECT_EQ(os->whole, OctetString("abc"));
  EXPECT_FALSE(r.empty());
  EXPECT_FALSE(r.ExpectEnd("KeyDescription").ok());
  ASSERT_TRUE(r.Next().ok());
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(r.ExpectEnd("KeyDescription").ok());
  EXPECT_EQ(r.Next().status().code(), Code::kMalformed);
}

TEST(Der, ExpectNamesWhatItWantedAndGot) {
  const std::string der = Integer(1);
  DerReader r(der);
  auto got = r.Expect(kDerUniversal, true, kDerSequence);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Code::kMalformed);
  EXPECT_EQ(got.status().message(),
            "DER: expected universal constructed tag 16, got universal primitive tag 2");
  EXPECT_FALSE(r.empty());  // nothing consumed on a mismatch
}

// Android's AuthorizationList: origin [702] EXPLICIT INTEGER, attestationIdSerial [713] EXPLICIT OCTET
// STRING.
TEST(Der, ReadsHighTagNumbers) {
  for (uint32_t tag : {31u, 127u, 128u, 600u, 702u, 713u, 16383u, 16384u, 0xFFFFFFFFu}) {
    const std::string der = Explicit(tag, {Integer(0)});
    auto tlv = ParseDer(der);
    ASSERT_TRUE(tlv.ok()) << tag << ": " << tlv.status().ToString();
    EXPECT_EQ(tlv->cls, kDerContext);
    EXPECT_TRUE(tlv->constructed);
    EXPECT_EQ(tlv->tag, tag);
    EXPECT_EQ(tlv->content, Integer(0));
  }
  EXPECT_EQ(Explicit(702, {Integer(0)}), Bytes({0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00}));
}

TEST(Der, RefusesNonMinimalHighTags) {
  // Tag 30 in the high-tag form, and a leading 0x80 subidentifier octet.
  EXPECT_EQ(ParseStatus(Bytes({0xbf, 0x1e, 0x00})).code(), Code::kMalformed);
  EXPECT_NE(ParseStatus(Bytes({0xbf, 0x1e, 0x00})).message().find("below 31"), std::string::npos);
  EXPECT_NE(ParseStatus(Bytes({0xbf, 0x80, 0x85, 0x3e, 0x00})).message().find("minimal"), std::string::npos);
  EXPECT_NE(ParseStatus(Bytes({0xbf, 0x90, 0x80, 0x80, 0x80, 0x00, 0x00})).message().find("too large"),
            std::string::npos);
  EXPECT_NE(ParseStatus(Bytes({0xbf, 0x85})).message().find("truncated tag"), std::string::npos);
}

TEST(Der, ReadsLongLengths) {
  for (size_t n : {127u, 128u, 255u, 256u, 65535u, 65536u}) {
    const std::string der = OctetString(std::string(n, 'x'));
    auto tlv = ParseDer(der);
    ASSERT_TRUE(tlv.ok()) << n;
    EXPECT_EQ(tlv->content.size(), n);
  }
}

TEST(Der, RefusesNonDerLengths) {
  EXPECT_NE(ParseStatus(Bytes({0x04, 0x80, 0x00, 0x00})).message().find("indefinite"), std::string::npos);
  // 5 in the long form; 200 with a leading zero octet.
  EXPECT_NE(ParseStatus(Bytes({0x04, 0x81, 0x05, 1, 2, 3, 4, 5})).message().find("minimal"),
            std::string::npos);
  std::string two_hundred = Bytes({0x04, 0x82, 0x00, 0xc8}) + std::string(200, 'x');
  EXPECT_NE(ParseStatus(two_hundred).message().find("minimal"), std::string::npos);
  EXPECT_NE(ParseStatus(Bytes({0x04, 0x85, 1, 0, 0, 0, 0})).message().find("too large"), std::string::npos);
  EXPECT_NE(ParseStatus(Bytes({0x04, 0x82, 0x01})).message().find("truncated length"), std::string::npos);
  EXPECT_NE(ParseStatus(Bytes({0x04})).message().find("truncated length"), std::string::npos);
  EXPECT_NE(ParseStatus(Bytes({0x04, 0x84, 0x7f, 0xff, 0xff, 0xff})).message().find("beyond the input"),
            std::string::npos);
  EXPECT_NE(ParseStatus(Bytes({0x04, 0x03, 0x01})).message().find("beyond the input"), std::string::npos);
  EXPECT_EQ(ParseStatus("").code(), Code::kMalformed);
}

TEST(Der, ParseDerRefusesTrailingBytes) {
  auto r = ParseDer(Integer(1) + Integer(2));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("trailing"), std::string::npos);
}

TEST(Der, IntegersRoundTripThroughTheWriter) {
  for (int64_t v : {int64_t(0), int64_t(1), int64_t(127), int64_t(128), int64_t(255), int64_t(256),
                    int64_t(-1), int64_t(-128), int64_t(-129), int64_t(13371337),
                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    const std::string der = Integer(v);  // the views below point into it
    auto tlv = ParseDer(der);
    ASSERT_TRUE(tlv.ok()) << v;
    auto got = DerInteger(*tlv);
    ASSERT_TRUE(got.ok()) << v << ": " << got.status().ToString();
    EXPECT_EQ(*got, v);
  }
  EXPECT_EQ(Integer(128), Bytes({0x02, 0x02, 0x00, 0x80}));
  EXPECT_EQ(Integer(-129), Bytes({0x02, 0x02, 0xff, 0x7f}));
}

TEST(Der, RefusesBadIntegers) {
  auto parse = [](const std::string& der) { return DerInteger(*ParseDer(der)).status(); };
  EXPECT_NE(parse(Bytes({0x02, 0x00})).message().find("no content"), std::string::npos);
  EXPECT_NE(parse(Bytes({0x02, 0x02, 0x00, 0x01})).message().find("minimal"), std::string::npos);
  EXPECT_NE(parse(Bytes({0x02, 0x02, 0xff, 0x80})).message().find("minimal"), std::string::npos);
  EXPECT_NE(parse(Bytes({0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0})).message().find("64 bits"),
            std::string::npos);
  EXPECT_NE(parse(OctetString("\x01")).message().find("expected INTEGER"), std::string::npos);
  EXPECT_NE(parse(Enumerated(1)).message().find("expected INTEGER"), std::string::npos);
}

TEST(Der, EnumeratedAndBoolean) {
  EXPECT_EQ(*DerEnumerated(*ParseDer(Enumerated(2))), 2);
  EXPECT_EQ(DerEnumerated(*ParseDer(Integer(2))).status().code(), Code::kMalformed);
  EXPECT_TRUE(*DerBoolean(*ParseDer(Boolean(true))));
  EXPECT_FALSE(*DerBoolean(*ParseDer(Boolean(false))));
  auto loose = DerBoolean(*ParseDer(Bytes({0x01, 0x01, 0x01})));
  ASSERT_FALSE(loose.ok());
  EXPECT_NE(loose.status().message().find("0xFF"), std::string::npos);
}

TEST(Der, OidsRoundTrip) {
  for (const char* dotted : {"1.2.840.113635.100.8.11.1", "1.3.6.1.4.1.11129.2.1.17", "2.23.133.8.3",
                             "1.3.6.1.5.5.7.8.4", "1.3.6.1.4.1.41482.3.7", "0.0", "0.39", "1.39", "2.999.1",
                             "2.18446744073709551535", "1.2.18446744073709551615"}) {
    auto content = EncodeOid(dotted);
    ASSERT_TRUE(content.ok()) << dotted;
    const std::string der = Oid(dotted);
    auto tlv = ParseDer(der);
    ASSERT_TRUE(tlv.ok()) << dotted;
    EXPECT_EQ(tlv->content, *content);
    auto back = DerOid(*tlv);
    ASSERT_TRUE(back.ok()) << dotted << ": " << back.status().ToString();
    EXPECT_EQ(*back, dotted);
  }
  EXPECT_EQ(*EncodeOid("1.2.840.113549"), Bytes({0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d}));
}

TEST(Der, EncodeOidRefusesInvalidText) {
  for (const char* bad : {"", "1", "3.1", "0.40", "1.40", "1..2", "1.2.", ".1.2", "1.02", "1.2.x", "-1.2",
                          "1.2.18446744073709551616", "2.18446744073709551536"}) {
    auto r = EncodeOid(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(Der, DerOidRefusesBadEncodings) {
  auto parse = [](const std::string& der) { return DerOid(*ParseDer(der)).status(); };
  EXPECT_NE(parse(Bytes({0x06, 0x00})).message().find("no content"), std::string::npos);
  EXPECT_NE(parse(Bytes({0x06, 0x02, 0x2a, 0x86})).message().find("truncated"), std::string::npos);
  EXPECT_NE(parse(Bytes({0x06, 0x03, 0x2a, 0x80, 0x01})).message().find("minimal"), std::string::npos);
  std::string huge = Bytes({0x06, 0x0c, 0x2a});
  huge += std::string(10, '\xff') + "\x7f";
  EXPECT_NE(parse(huge).message().find("too large"), std::string::npos);
  EXPECT_NE(parse(Integer(1)).message().find("expected OBJECT IDENTIFIER"), std::string::npos);
}

TEST(DerWriter, BuildsSubjectAltNameEntries) {
  const std::string san = GeneralNames({PermanentIdentifierName("SERIAL1", "1.2.3.4"),
                                        HardwareModuleName("1.3.6.1.4.1.1", "HW42"), DnsName("example.com")});
  auto seq = ParseDer(san);
  ASSERT_TRUE(seq.ok());
  DerReader names(seq->content);
  auto other = names.Expect(kDerContext, true, 0);
  ASSERT_TRUE(other.ok());
  DerReader on(other->content);
  EXPECT_EQ(*DerOid(*on.Next()), "1.3.6.1.5.5.7.8.3");
  auto value = on.Expect(kDerContext, true, 0);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->content, Seq({Utf8String("SERIAL1"), Oid("1.2.3.4")}));
  ASSERT_TRUE(names.Expect(kDerContext, true, 0).ok());
  auto dns = names.Expect(kDerContext, false, 2);
  ASSERT_TRUE(dns.ok());
  EXPECT_EQ(dns->content, "example.com");
  EXPECT_TRUE(names.empty());
}

}  // namespace
}  // namespace anvil::attest
