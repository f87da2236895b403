#include "ra/policy_set.h"

#include <gtest/gtest.h>

namespace anvil::ra {
namespace {

acme::Identifier Dns(const std::string& v) { return {acme::IdentifierType::kDns, v}; }

PolicyRules Named(std::string name) {
  PolicyRules r;
  r.name = std::move(name);
  r.key_types.clear();
  r.max_identifiers = 10000;
  return r;
}

class PolicySetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PolicyRules defaults;
    defaults.allowed_domains = {"corp.example"};
    PolicyRules web = Named("web");
    web.denied_domains = {"secret.corp.example"};
    web.max_validity = std::chrono::hours(24 * 30);
    PolicyRules devices = Named("devices");
    devices.allowed_domains = {"*.devices.corp.example"};
    devices.key_types = {"ec256"};
    devices.challenge_types = {"dns-01"};
    devices.max_validity = std::chrono::hours(24 * 7);
    auto set = PolicySet::Create(defaults, {web, devices});
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    set_ = std::make_unique<PolicySet>(std::move(*set));
  }
  EffectivePolicy Bind(std::vector<std::pair<std::string, std::string>> named) {
    std::vector<BoundPolicy> bound{{&set_->default_policy(), "default"}};
    for (auto& [name, binding] : named) bound.push_back({set_->Find(name), binding});
    return EffectivePolicy(std::move(bound));
  }
  std::unique_ptr<PolicySet> set_;
};

TEST_F(PolicySetTest, TheEffectivePolicyIsTheIntersectionAndNamesTheFirstRefusal) {
  EffectivePolicy p = Bind({{"web", "profile tls-server"}, {"devices", "EAB key k1"}});
  EXPECT_FALSE(p.RefuseIdentifier(Dns("a.devices.corp.example")).has_value());
  // Refused by the default policy first: outside corp.example.
  auto outside = p.RefuseIdentifier(Dns("a.devices.other.example"));
  ASSERT_TRUE(outside.has_value());
  EXPECT_EQ(outside->policy, "default");
  EXPECT_EQ(outside->rule, "allowed_domains");
  // Allowed by the default, refused by devices.
  auto www = p.RefuseIdentifier(Dns("www.corp.example"));
  ASSERT_TRUE(www.has_value());
  EXPECT_EQ(www->policy, "devices");
  EXPECT_EQ(www->binding, "EAB key k1");
  Status s = www->ToStatus(Code::kRejectedIdentifier);
  EXPECT_EQ(s.code(), Code::kRejectedIdentifier);
  EXPECT_NE(s.message().find("policy devices (EAB key k1), rule allowed_domains"), std::string::npos)
      << s.message();
}

TEST_F(PolicySetTest, ChallengesKeysAndValidityCombine) {
  EffectivePolicy p = Bind({{"web", "profile tls-server"}, {"devices", "account a1"}});
  EXPECT_TRUE(p.AllowsChallenge(acme::ChallengeType::kDns01));
  EXPECT_FALSE(p.AllowsChallenge(acme::ChallengeType::kHttp01));
  EXPECT_EQ(p.MaxValidity(), std::chrono::hours(24 * 7));
  auto rsa = crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048);
  auto refusal = p.RefuseKey(rsa->public_key(), {});
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->policy, "devices");
  EXPECT_EQ(refusal->rule, "key_types");
  // A profile's key_types replace the default policy's list only, never a named policy's.
  auto ec384 = crypto::PrivateKey::Generate(crypto::KeyType::kEcP384);
  auto by_devices = p.RefuseKey(ec384->public_key(), {"ec384"});
  ASSERT_TRUE(by_devices.has_value());
  EXPECT_EQ(by_devices->policy, "devices");
  EXPECT_FALSE(Bind({}).RefuseKey(ec384->public_key(), {"ec384"}).has_value());
  EXPECT_FALSE(Bind({}).MaxValidity().has_value());
}

TEST_F(PolicySetTest, ANamedPolicyCannotBeCalledDefaultOrDefinedTwice) {
  EXPECT_FALSE(PolicySet::Create(PolicyRules{}, {Named("default")}).ok());
  EXPECT_FALSE(PolicySet::Create(PolicyRules{}, {Named("a"), Named("a")}).ok());
  EXPECT_EQ(set_->Find("nope"), nullptr);
  EXPECT_NE(set_->Find("web"), nullptr);
}

}  // namespace
}  // namespace anvil::ra
