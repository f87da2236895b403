// The RA under named policies (docs/policy.md): bindings by profile, EAB key and account; refusals naming
// the policy and rule, audited; challenges and validity narrowed; the EAB key lifecycle through newAccount.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/base64url.h"
#include "jose/eab.h"
#include "ra/ra_test_fixture.h"

namespace anvil::ra {
namespace {

using testing_support::RegistrationAuthorityTest;

PolicySet Policies() {
  PolicyRules defaults;
  PolicyRules devices;
  devices.name = "devices";
  devices.key_types.clear();
  devices.max_identifiers = 1;
  devices.allowed_domains = {"*.devices.corp.example"};
  devices.challenge_types = {"dns-01"};
  devices.profiles = {"tls-client"};
  devices.max_validity = std::chrono::hours(24 * 7);
  PolicyRules web;
  web.name = "web";
  web.key_types = {"ec256"};
  web.denied_domains = {"secret.corp.example"};
  web.max_identifiers = 10000;
  PolicyRules http_only;
  http_only.name = "http-only";
  http_only.key_types.clear();
  http_only.challenge_types = {"http-01"};
  return *PolicySet::Create(defaults, {devices, web, http_only});
}

RaOptions OptionsWithWebProfile() {
  RaOptions o = testing_support::Options();
  o.profiles["tls-server"].policy = "web";
  return o;
}

class RaPolicyTest : public RegistrationAuthorityTest {
 protected:
  RaPolicyTest() : RegistrationAuthorityTest(OptionsWithWebProfile(), Policies()) {}

  // A new account bound with a fresh EAB key of `policy` (max_uses 1).
  Result<storage::Account> AccountWithEab(const std::string& policy, const std::string& kid = "k1") {
    EabKeyRequest request;
    request.kid = kid;
    request.policy = policy;
    request.label = "device 42";
    ANVIL_ASSIGN_OR_RETURN(storage::EabKey key, ra_.CreateEabKey(request));
    return NewEabAccount(key.kid, key.hmac_key);
  }
  Result<storage::Account> NewEabAccount(const std::string& kid, const std::string& hmac_key) {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    const jose::Jwk jwk = jose::Jwk::FromPublicKey(key->public_key());
    const std::string url = "https://ca.test/acme/new-account";
    ANVIL_ASSIGN_OR_RETURN(nlohmann::json eab, jose::SignEab(kid, hmac_key, jose::Algorithm::kHs256, jwk, url));
    ANVIL_ASSIGN_OR_RETURN(jose::ParsedJws inner, jose::ParseFlattened(eab, true));
    NewAccountRequest request{jwk, {}, true, false, inner, url, ""};
    ANVIL_ASSIGN_OR_RETURN(NewAccountResult created, ra_.NewAccount(request));
    return created.account;
  }
  Result<storage::Order> Order(const storage::Account& account, const std::vector<std::string>& names,
                               const std::string& profile = "") {
    NewOrderRequest request;
    for (const auto& n : names) request.identifiers.emplace_back("dns", n);
    request.profile = profile;
    return ra_.NewOrder(account, request);
  }
  nlohmann::json LastAudit(const std::string& kind) { return testing_support::LastAuditDetails(store_, kind); }
};

TEST_F(RaPolicyTest, TheProfilesPolicyRefusesNamingPolicyBindingAndRuleAndTheRefusalIsAudited) {
  storage::Account account = NewAccount();
  auto refused = Order(account, {"db.secret.corp.example"});
  ASSERT_EQ(refused.status().code(), Code::kRejectedIdentifier);
  EXPECT_EQ(refused.status().message(),
            "policy web (profile tls-server), rule denied_domains: names matching secret.corp.example are "
            "forbidden: dns identifier \"db.secret.corp.example\"");
  const nlohmann::json audit = LastAudit("order.refused");
  EXPECT_EQ(audit["policies"][0]["policy"], "web");
  EXPECT_EQ(audit["policies"][0]["rule"], "denied_domains");
  EXPECT_EQ(audit["problem"]["type"], "urn:ietf:params:acme:error:rejectedIdentifier");
  // The other profile does not bind "web".
  EXPECT_TRUE(Order(account, {"db.secret.corp.example"}, "tls-client").ok());
}

TEST_F(RaPolicyTest, AnEabKeysPolicyBindsEveryAccountMadeWithItAndNarrowsChallengesAndValidity) {
  auto account = AccountWithEab("devices");
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  // Its profile must be tls-client ("web" is not even consulted for the other profile).
  auto wrong_profile = Order(*account, {"a.devices.corp.example"});
  ASSERT_EQ(wrong_profile.status().code(), Code::kInvalidProfile);
  EXPECT_NE(wrong_profile.status().message().find("policy devices (EAB key k1), rule profiles"), std::string::npos)
      << wrong_profile.status().message();
  auto outside = Order(*account, {"www.corp.example"}, "tls-client");
  ASSERT_EQ(outside.status().code(), Code::kRejectedIdentifier);
  EXPECT_NE(outside.status().message().find("rule allowed_domains"), std::string::npos);
  auto two = Order(*account, {"a.devices.corp.example", "b.devices.corp.example"}, "tls-client");
  ASSERT_EQ(two.status().code(), Code::kMalformed);
  EXPECT_NE(two.status().message().find("rule max_identifiers"), std::string::npos);

  auto order = Order(*account, {"a.devices.corp.example"}, "tls-client");
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  auto authz = ra_.GetAuthorization(order->authorization_ids.at(0));
  ASSERT_TRUE(authz.ok());
  ASSERT_EQ(authz->challenges.size(), 1u);  // dns-01 only
  EXPECT_EQ(authz->challenges[0].type, acme::ChallengeType::kDns01);
  RespondToAll(*account, *order);
  auto finalized = ra_.Finalize(*account, order->id, Csr({"a.devices.corp.example"}));
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  ASSERT_FALSE(issuer_.requests().empty());
  EXPECT_EQ(issuer_.requests().back().profile.validity, std::chrono::hours(24 * 7));  // cut by max_validity
}

TEST_F(RaPolicyTest, AnAccountsOwnPolicyAppliesFromTheNextRequestAndFinalizeChecksTheKeyAgain) {
  auto [account, order] = ReadyOrder();
  auto rsa = crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048);
  // "web" (the profile's) allows only ec256 keys.
  auto refused = ra_.Finalize(account, order.id, Csr({"a.example.com"}, *rsa));
  ASSERT_EQ(refused.status().code(), Code::kBadCsr);
  EXPECT_NE(refused.status().message().find("policy web (profile tls-server), rule key_types"), std::string::npos)
      << refused.status().message();

  auto bound = ra_.SetAccountPolicy(account.id, "devices", "operator");
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  EXPECT_EQ(bound->policy, "devices");
  EXPECT_EQ(LastAudit("account.policy_set")["policy"], "devices");
  auto now_refused = Order(*bound, {"b.example.com"}, "tls-client");
  ASSERT_EQ(now_refused.status().code(), Code::kRejectedIdentifier);
  EXPECT_NE(now_refused.status().message().find("policy devices (account " + account.id + ")"), std::string::npos)
      << now_refused.status().message();
  EXPECT_EQ(ra_.SetAccountPolicy(account.id, "nope", "operator").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ra_.SetAccountPolicy(account.id, "default", "operator").status().code(), Code::kInvalidArgument);
}

TEST_F(RaPolicyTest, AnIdentifierNoAllowedChallengeCanValidateIsRefusedNamingThePolicy) {
  storage::Account account = NewAccount();
  auto bound = ra_.SetAccountPolicy(account.id, "http-only", "operator");
  ASSERT_TRUE(bound.ok());
  auto wildcard = Order(*bound, {"*.example.com"});
  ASSERT_EQ(wildcard.status().code(), Code::kRejectedIdentifier);
  EXPECT_EQ(wildcard.status().message(),
            "policy http-only (account " + account.id +
                "), rule challenge_types: no challenge type allowed can validate dns identifier \"*.example.com\" (a "
                "wildcard needs dns-01)");
  EXPECT_EQ(LastAudit("order.refused")["rule"], "challenge_types");
  auto plain = Order(*bound, {"www.example.com"});
  ASSERT_TRUE(plain.ok());
  auto authz = ra_.GetAuthorization(plain->authorization_ids.at(0));
  ASSERT_EQ(authz->challenges.size(), 1u);
  EXPECT_EQ(authz->challenges[0].type, acme::ChallengeType::kHttp01);
}

TEST_F(RaPolicyTest, APolicyNoLongerConfiguredRefusesEverything) {
  storage::Account account = NewAccount();
  // As if the operator bound "retired" and a later configuration dropped it.
  ASSERT_TRUE(store_.SetAccountPolicy(account.id, "retired", storage::AuditEvent{}).ok());
  auto stored = ra_.GetAccount(account.id);
  ASSERT_TRUE(stored.ok());
  auto refused = Order(*stored, {"a.example.com"});
  ASSERT_EQ(refused.status().code(), Code::kUnauthorized);
  EXPECT_NE(refused.status().message().find("policy retired (account"), std::string::npos);
}

TEST_F(RaPolicyTest, EabKeysAreCreatedAuditedUsedUpAndRevoked) {
  EabKeyRequest request;
  request.kid = "fleet";
  request.label = "MDM fleet";
  request.max_uses = 2;
  request.lifetime = std::chrono::hours(1);
  request.requester = "admin:alice";
  auto key = ra_.CreateEabKey(request);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->hmac_key.size(), 32u);
  const nlohmann::json created = LastAudit("eab.created");
  EXPECT_EQ(created["label"], "MDM fleet");
  EXPECT_EQ(created["requester"], "admin:alice");
  EXPECT_EQ(created.dump().find(base64url::Encode(key->hmac_key)), std::string::npos);  // never the secret

  ASSERT_TRUE(NewEabAccount("fleet", key->hmac_key).ok());
  ASSERT_TRUE(NewEabAccount("fleet", key->hmac_key).ok());
  auto third = NewEabAccount("fleet", key->hmac_key);
  ASSERT_EQ(third.status().code(), Code::kUnauthorized);
  EXPECT_NE(third.status().message().find("used 2 of 2 times"), std::string::npos) << third.status().message();

  auto other = ra_.CreateEabKey({"other", "", "", std::nullopt, 0, "operator"});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(ra_.RevokeEabKey("other", "operator").ok());
  EXPECT_EQ(LastAudit("eab.revoked")["requester"], "operator");
  auto revoked = NewEabAccount("other", other->hmac_key);
  ASSERT_EQ(revoked.status().code(), Code::kUnauthorized);
  EXPECT_NE(revoked.status().message().find("revoked"), std::string::npos);

  auto expiring = ra_.CreateEabKey({"soon", "", "", std::chrono::hours(1), 1, "operator"});
  ASSERT_TRUE(expiring.ok());
  clock_.Advance(std::chrono::hours(2));
  auto expired = NewEabAccount("soon", expiring->hmac_key);
  ASSERT_EQ(expired.status().code(), Code::kUnauthorized);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);

  EXPECT_EQ(ra_.CreateEabKey({"p", "", "nope", std::nullopt, 1, "operator"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ra_.CreateEabKey({"n", "", "", std::nullopt, -1, "operator"}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace anvil::ra
