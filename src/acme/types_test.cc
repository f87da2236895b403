#include "acme/types.h"

#include <gtest/gtest.h>

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
