#include "acme/types.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace anvil::acme {
namespace {

TEST(NormalizeIdentifier, LowercasesDnsNamesAndKeepsWildcards) {
  auto id = NormalizeIdentifier(IdentifierType::kDns, "WWW.Example.COM");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->value, "www.example.com");
  auto wild = NormalizeIdentifier(IdentifierType::kDns, "*.example.com");
  ASSERT_TRUE(wild.ok());
  EXPECT_TRUE(wild->wildcard());
  EXPECT_EQ(wild->authorization_value(), "example.com");
}

TEST(NormalizeIdentifier, RejectsInvalidDnsNames) {
  for (const char* bad : {"example.com.", "a..b", "-a.example", "a-.example", "ex_ample.com", "*.*.example.com",
                          "foo*.example.com", "localhost", "1.2.3.4", "a.b*"}) {
    auto r = NormalizeIdentifier(IdentifierType::kDns, bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kRejectedIdentifier) << bad;
    }
  }
  EXPECT_EQ(NormalizeIdentifier(IdentifierType::kDns, std::string(64, 'a') + ".com").status().code(),
            Code::kRejectedIdentifier);
  EXPECT_EQ(NormalizeIdentifier(IdentifierType::kDns, "").status().code(), Code::kMalformed);
}

TEST(NormalizeIdentifier, AcceptsValidALabels) {
  // bücher, παράδειγμα, dömäin, and the Catalan l·l (a CONTEXTO rule), as A-labels (RFC 5891).
  for (const char* good : {"xn--bcher-kva.example", "xn--hxajbheg2az3al.example", "www.xn--dmin-moa0i.example",
                           "xn--ll-0ea.example", "*.xn--bcher-kva.example"}) {
    EXPECT_TRUE(NormalizeIdentifier(IdentifierType::kDns, good).ok()) << good;
  }
}

TEST(NormalizeIdentifier, RefusesReservedHyphensAndInvalidALabels) {
  // RFC 5891 §4.2.3.1 reserves "--" in positions 3-4 for A-labels; an "xn--" label must be Punycode of a
  // U-label IDNA2008 allows (no symbols or emoji, lower case, no empty or ASCII-only decoding).
  for (const char* bad : {"ab--cd.example", "www.qq--x.example", "xn--abc-.example", "xn--zz.example",
                          "xn--a.example", "xn--53h.example", "xn--ls8h.example", "xn--1ch.example",
                          "xn--bcher-kva9.example", "xn--ab--cd.example"}) {
    auto r = NormalizeIdentifier(IdentifierType::kDns, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kRejectedIdentifier) << bad;
  }
  EXPECT_NE(NormalizeIdentifier(IdentifierType::kDns, "xn--53h.example").status().message().find("IDNA2008"),
            std::string::npos);
}

TEST(NormalizeIdentifier, RefusesAnAllNumericTopLevelLabel) {
  auto r = NormalizeIdentifier(IdentifierType::kDns, "host.example.123");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kRejectedIdentifier);
  EXPECT_NE(r.status().message().find("top-level label is all digits"), std::string::npos);
  EXPECT_TRUE(NormalizeIdentifier(IdentifierType::kDns, "123.example").ok());
}

TEST(NormalizeIdentifier, RefusesNamesAndLabelsOverTheirLimits) {
  std::string label63(63, 'a');
  std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  ASSERT_EQ(name253.size(), 253u);
  EXPECT_TRUE(NormalizeIdentifier(IdentifierType::kDns, name253).ok());
  EXPECT_EQ(NormalizeIdentifier(IdentifierType::kDns, name253 + "b").status().code(), Code::kRejectedIdentifier);
  EXPECT_TRUE(NormalizeIdentifier(IdentifierType::kDns, label63 + ".com").ok());
}

TEST(NormalizeIdentifier, CanonicalizesIpAddresses) {
  EXPECT_EQ(NormalizeIdentifier(IdentifierType::kIp, "127.0.0.1")->value, "127.0.0.1");
  EXPECT_EQ(NormalizeIdentifier(IdentifierType::kIp, "2001:DB8:0:0:0:0:0:1")->value, "2001:db8::1");
  EXPECT_EQ(NormalizeIdentifier(IdentifierType::kIp, "300.1.1.1").status().code(), Code::kMalformed);
  EXPECT_EQ(NormalizeIdentifier(IdentifierType::kIp, "example.com").status().code(), Code::kMalformed);
}

TEST(IdentifierType, UnknownTypeIsUnsupportedIdentifier) {
  EXPECT_EQ(ParseIdentifierType("email").status().code(), Code::kUnsupportedIdentifier);
  EXPECT_EQ(*ParseIdentifierType("ip"), IdentifierType::kIp);
}

TEST(Statuses, RoundTripWireNames) {
  EXPECT_EQ(StatusName(OrderStatus::kProcessing), "processing");
  EXPECT_EQ(*ParseOrderStatus("ready"), OrderStatus::kReady);
  EXPECT_EQ(*ParseAuthorizationStatus("deactivated"), AuthorizationStatus::kDeactivated);
  EXPECT_EQ(*ParseChallengeType("tls-alpn-01"), ChallengeType::kTlsAlpn01);
  EXPECT_FALSE(ParseChallengeType("http-02").ok());
}

TEST(RevocationReason, AcceptsRfc5280CodesExceptSeven) {
  for (int r : {0, 1, 2, 3, 4, 5, 6, 8, 9, 10}) EXPECT_TRUE(IsValidRevocationReason(r)) << r;
  for (int r : {-1, 7, 11, 255}) EXPECT_FALSE(IsValidRevocationReason(r)) << r;
}

TEST(KeyAuthorization, JoinsTokenAndThumbprint) { EXPECT_EQ(KeyAuthorization("tok", "thumb"), "tok.thumb"); }

}  // namespace
}  // namespace anvil::acme

namespace anvil::acme {
namespace {

// draft-ietf-acme-device-attest-09 §3.1: device-identifier-value ["/" assigner-value].
TEST(DeviceIdentifiers, PermanentIdentifiersAreKeptOctetForOctet) {
  for (const std::string& good : std::vector<std::string>{"ABCDEF123456", "abc def", "ABCDEF123456/1.2.3.4", "x/2.999", "x/0.39", "Ünïcødé",
                           std::string("a\0b", 3), "C02X1234/1.2.840.113635.100"}) {
    auto id = NormalizeIdentifier(IdentifierType::kPermanentIdentifier, good);
    ASSERT_TRUE(id.ok()) << good << ": " << id.status().ToString();
    EXPECT_EQ(id->value, good);  // no case folding, no trimming: serials may be case-sensitive
  }
}

TEST(DeviceIdentifiers, MalformedValuesAreMalformed) {
  for (const std::string& bad : std::vector<std::string>{"", "/1.2.3", "a/b/1.2.3", "a/", "a/1", "a/3.1", "a/1.40", "a/01.2", "a/1.02", "a/1..2",
                          "a/1.2.", "a/1.2.x", std::string("\xff\xfe", 2), std::string("\xc0\x80", 2),
                          std::string("\xed\xa0\x80", 3), std::string(256, 'a')}) {
    auto id = NormalizeIdentifier(IdentifierType::kPermanentIdentifier, bad);
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_EQ(id.status().code(), Code::kMalformed) << bad;
  }
}

// §4.1: hw-serial-num-value "/" hw-type-value — the OID is required.
TEST(DeviceIdentifiers, HardwareModulesNeedTheirTypeOid) {
  auto id = NormalizeIdentifier(IdentifierType::kHardwareModule, "ABCD/1.2.3.4");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->value, "ABCD/1.2.3.4");
  EXPECT_EQ(NormalizeIdentifier(IdentifierType::kHardwareModule, "ABCD").status().code(), Code::kMalformed);
  EXPECT_EQ(NormalizeIdentifier(IdentifierType::kHardwareModule, "ABCD/x").status().code(), Code::kMalformed);
  auto parts = SplitDeviceIdentifier("ABCD/1.2.3.4");
  EXPECT_EQ(parts.serial, "ABCD");
  EXPECT_EQ(parts.oid, "1.2.3.4");
  EXPECT_EQ(SplitDeviceIdentifier("ABCD").oid, "");
}

TEST(DeviceIdentifiers, TypesAndChallengeHaveTheirWireNames) {
  EXPECT_EQ(ParseIdentifierType("permanent-identifier").value(), IdentifierType::kPermanentIdentifier);
  EXPECT_EQ(ParseIdentifierType("hardware-module").value(), IdentifierType::kHardwareModule);
  EXPECT_EQ(IdentifierTypeName(IdentifierType::kHardwareModule), "hardware-module");
  EXPECT_EQ(ParseChallengeType("device-attest-01").value(), ChallengeType::kDeviceAttest01);
  EXPECT_EQ(IdentifierText({IdentifierType::kPermanentIdentifier, "X1"}), "permanent-identifier:X1");
  EXPECT_TRUE(IsDeviceIdentifierType(IdentifierType::kHardwareModule));
  EXPECT_FALSE(IsDeviceIdentifierType(IdentifierType::kIp));
}

}  // namespace
}  // namespace anvil::acme
