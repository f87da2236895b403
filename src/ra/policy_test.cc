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

TEST(Policy, ExactAndLabelWildcardPatterns) {
  PolicyRules c;
  c.allowed_domains = {"=www.corp.example", "*.dev.corp.example", "*.*.lab.corp.example"};
  auto p = Policy::Create(c);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->CheckIdentifier(Dns("www.corp.example")).ok());
  EXPECT_FALSE(p->CheckIdentifier(Dns("a.www.corp.example")).ok());  // "=" is that name only
  EXPECT_TRUE(p->CheckIdentifier(Dns("api.dev.corp.example")).ok());
  EXPECT_TRUE(p->CheckIdentifier(Dns("*.dev.corp.example")).ok());   // the wildcard name, as text
  EXPECT_FALSE(p->CheckIdentifier(Dns("dev.corp.example")).ok());    // "*" is exactly one label
  EXPECT_FALSE(p->CheckIdentifier(Dns("a.b.dev.corp.example")).ok());
  EXPECT_TRUE(p->CheckIdentifier(Dns("a.b.lab.corp.example")).ok());
  EXPECT_FALSE(p->CheckIdentifier(Dns("a.lab.corp.example")).ok());
}

TEST(Policy, DeniedPatternsNameTheRuleAndThePattern) {
  PolicyRules c;
  c.denied_domains = {"*.prod.corp.example"};
  auto p = Policy::Create(c);
  PolicyDecision d = p->DecideIdentifier(Dns("db.prod.corp.example"));
  EXPECT_EQ(d.rule, "denied_domains");
  EXPECT_NE(d.detail.find("*.prod.corp.example"), std::string::npos) << d.detail;
  EXPECT_TRUE(p->DecideIdentifier(Dns("a.db.prod.corp.example")).allowed());
}

TEST(Policy, PatternsWithAPartialStarAreRefused) {
  PolicyRules c;
  c.name = "web";
  c.allowed_domains = {"db-*.corp.example"};
  auto p = Policy::Create(c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("policies.web.allowed_domains[0]"), std::string::npos)
      << p.status().message();
}

TEST(Policy, IdentifierTypesProfilesChallengesAndCounts) {
  PolicyRules c;
  c.identifier_types = {"dns"};
  c.profiles = {"tls-client"};
  c.challenge_types = {"dns-01"};
  c.max_identifiers = 2;
  auto p = Policy::Create(c);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->DecideIdentifier(Ip("192.0.2.1")).rule, "identifier_types");
  EXPECT_TRUE(p->DecideIdentifier(Dns("a.example")).allowed());
  EXPECT_EQ(p->DecideProfile("tls-server").rule, "profiles");
  EXPECT_TRUE(p->DecideProfile("tls-client").allowed());
  EXPECT_TRUE(p->AllowsChallenge(acme::ChallengeType::kDns01));
  EXPECT_FALSE(p->AllowsChallenge(acme::ChallengeType::kHttp01));
  EXPECT_TRUE(p->DecideCount(2).allowed());
  EXPECT_EQ(p->DecideCount(3).rule, "max_identifiers");
}

TEST(Policy, UnknownTypesAreConfigurationErrors) {
  PolicyRules c;
  c.challenge_types = {"carrier-pigeon-01"};
  EXPECT_FALSE(Policy::Create(c).ok());
  PolicyRules d;
  d.identifier_types = {"email"};
  EXPECT_FALSE(Policy::Create(d).ok());
}

}  // namespace
}  // namespace anvil::ra
