#include "ra/policy.h"

#include <gtest/gtest.h>

namespace anvil::ra {
namespace {

acme::Identifier Dns(const std::string& v) { return {acme::IdentifierType::kDns, v}; }
acme::Identifier Ip(const std::string& v) { return {acme::IdentifierType::kIp, v}; }

TEST(Policy, AllowsEverythingByDefault) {
  auto p = Policy::Create(PolicyRules{});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->CheckIdentifier(Dns("a.example.com")).ok());
  EXPECT_TRUE(p->CheckIdentifier(Dns("*.example.com")).ok());
  EXPECT_TRUE(p->CheckIdentifier(Ip("192.0.2.1")).ok());
}

TEST(Policy, SuffixesMatchWholeLabelsOnly) {
  PolicyRules c;
  c.allowed_domains = {"corp.example"};
  auto p = Policy::Create(c);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->CheckIdentifier(Dns("corp.example")).ok());
  EXPECT_TRUE(p->CheckIdentifier(Dns("db.corp.example")).ok());
  EXPECT_TRUE(p->CheckIdentifier(Dns("*.corp.example")).ok());
  EXPECT_EQ(p->CheckIdentifier(Dns("evilcorp.example")).code(), Code::kRejectedIdentifier);
  EXPECT_EQ(p->CheckIdentifier(Dns("example")).code(), Code::kRejectedIdentifier);
}

TEST(Policy, DenyListWinsOverAllowList) {
  PolicyRules c;
  c.allowed_domains = {"corp.example"};
  c.denied_domains = {"secret.corp.example"};
  auto p = Policy::Create(c);
  EXPECT_TRUE(p->CheckIdentifier(Dns("www.corp.example")).ok());
  Status s = p->CheckIdentifier(Dns("x.secret.corp.example"));
  EXPECT_EQ(s.code(), Code::kRejectedIdentifier);
  EXPECT_NE(s.message().find("x.secret.corp.example"), std::string::npos);
}

TEST(Policy, WildcardsCanBeForbidden) {
  PolicyRules c;
  c.allow_wildcards = false;
  auto p = Policy::Create(c);
  EXPECT_EQ(p->CheckIdentifier(Dns("*.example.com")).code(), Code::kRejectedIdentifier);
  EXPECT_TRUE(p->CheckIdentifier(Dns("example.com")).ok());
}

TEST(Policy, IpRangesAllowAndDeny) {
  PolicyRules c;
  c.allowed_ip_ranges = {"10.0.0.0/8", "2001:db8::/32"};
  c.denied_ip_ranges = {"10.66.0.0/16"};
  auto p = Policy::Create(c);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->CheckIdentifier(Ip("10.1.2.3")).ok());
  EXPECT_TRUE(p->CheckIdentifier(Ip("2001:db8::1")).ok());
  EXPECT_EQ(p->CheckIdentifier(Ip("10.66.1.1")).code(), Code::kRejectedIdentifier);
  EXPECT_EQ(p->CheckIdentifier(Ip("192.0.2.1")).code(), Code::kRejectedIdentifier);
  EXPECT_EQ(p->CheckIdentifier(Ip("2001:db9::1")).code(), Code::kRejectedIdentifier);
}

TEST(Policy, BadCidrIsAConfigurationErrorNamingTheKey) {
  PolicyRules c;
  c.denied_ip_ranges = {"10.0.0.0/33"};
  auto p = Policy::Create(c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("policy.denied_ip_ranges[0]"), std::string::npos);
}

TEST(Policy, KeyTypesAreChecked) {
  PolicyRules c;
  c.key_types = {"ec256", "rsa3072"};
  auto p = Policy::Create(c);
  auto ec256 = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto ec384 = crypto::PrivateKey::Generate(crypto::KeyType::kEcP384);
  auto rsa = crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048);
  EXPECT_TRUE(p->CheckKey(ec256->public_key(), {}).ok());
  EXPECT_EQ(p->CheckKey(ec384->public_key(), {}).code(), Code::kBadCsr);
  EXPECT_EQ(p->CheckKey(rsa->public_key(), {}).code(), Code::kBadCsr);
  // A profile's own list overrides the policy's.
  EXPECT_TRUE(p->CheckKey(ec384->public_key(), {"ec384"}).ok());
  EXPECT_EQ(KeyTypeOf(rsa->public_key()), "rsa2048");
}

}  // namespace
}  // namespace anvil::ra
