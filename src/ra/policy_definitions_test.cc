// Named policies defined at run time (docs/policy.md, "Policies defined at run time"): their rules as JSON,
// defined, replaced and deleted through the RA with their audit rows, in force at once for this process and
// within PolicyCatalog::kRecheckPeriod for another's, never taking a configured name, never deleted while
// they bind a request, and never pulled from under a request that holds them.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "ra/policy_json.h"
#include "ra/ra_test_fixture.h"

namespace anvil::ra {
namespace {

using testing_support::FaultyStore;

PolicySet Configured() {
  PolicyRules web;
  web.name = "web";
  web.key_types.clear();
  return *PolicySet::Create(PolicyRules{}, {web});
}

RaOptions OptionsWithProfilePolicy() {
  RaOptions o = testing_support::Options();
  o.profiles["tls-server"].policy = "web";
  return o;
}

// Rules as a PUT body states them.
PolicyRules Rules(const std::string& json) {
  Result<PolicyRules> rules = PolicyRulesFromJson(nlohmann::json::parse(json), "ignored");
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  return rules.ok() ? *rules : PolicyRules{};
}

class PolicyDefinitionsTest : public ::testing::Test {
 protected:
  storage::Account NewAccount() {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    NewAccountRequest request{
        jose::Jwk::FromPublicKey(key->public_key()), {}, true, false, std::nullopt, "", ""};
    auto created = ra_.NewAccount(request);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->account : storage::Account{};
  }
  Result<storage::Order> Order(const std::string& account_id, const std::string& name) {
    ANVIL_ASSIGN_OR_RETURN(storage::Account account, ra_.GetAccount(account_id));
    NewOrderRequest request;
    request.identifiers.emplace_back("dns", name);
    return ra_.NewOrder(account, request);
  }
  nlohmann::json LastAudit(const std::string& kind) {
    return testing_support::LastAuditDetails(store_, kind);
  }
  size_t Stored() { return store_.ListPolicyDefinitions()->definitions.size(); }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  FakeSteadyClock steady_;
  FaultyStore store_;
  testing::FakeValidator validator_;
  testing::FakeIssuer issuer_;
  RegistrationAuthority ra_{
      OptionsWithProfilePolicy(), Configured(), store_, validator_, issuer_, clock_, steady_};
};

TEST(PolicyRulesJson, RoundTripsAndLeftOutFieldsTakeANamedPolicysDefaults) {
  PolicyRules empty = Rules("{}");
  EXPECT_TRUE(empty.key_types.empty());
  EXPECT_EQ(empty.max_identifiers, 10000);
  EXPECT_TRUE(empty.allow_wildcards);
  EXPECT_FALSE(empty.max_validity.has_value());
  PolicyRules full = Rules(R"({"allowed_domains":["partners.example"],"denied_ip_ranges":["10.0.0.0/8"],
      "challenge_types":["dns-01"],"allow_wildcards":false,"max_identifiers":3,"key_types":["ec256"],
      "max_validity_seconds":86400})");
  EXPECT_EQ(full.allowed_domains, std::vector<std::string>{"partners.example"});
  EXPECT_EQ(full.max_validity, std::chrono::seconds(86400));
  Result<PolicyRules> again = PolicyRulesFromJson(PolicyRulesToJson(full), "x");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(PolicyRulesToJson(*again), PolicyRulesToJson(full));
}

TEST(PolicyRulesJson, UnknownFieldsAndWrongTypesAreRefusedNamingTheField) {
  auto refusal = [](const std::string& json) {
    Result<PolicyRules> r = PolicyRulesFromJson(nlohmann::json::parse(json), "p");
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << json;
    return r.status().message();
  };
  EXPECT_NE(refusal(R"({"allowed_domain":["a.example"]})").find("unknown field \"allowed_domain\""),
            std::string::npos);
  EXPECT_NE(refusal(R"({"allowed_domains":"a.example"})").find("rules.allowed_domains"), std::string::npos);
  EXPECT_NE(refusal(R"({"allowed_domains":[1]})").find("rules.allowed_domains"), std::string::npos);
  EXPECT_NE(refusal(R"({"allow_wildcards":"no"})").find("rules.allow_wildcards"), std::string::npos);
  EXPECT_NE(refusal(R"({"max_identifiers":1.5})").find("rules.max_identifiers"), std::string::npos);
  EXPECT_NE(refusal(R"({"max_identifiers":0})").find("1..10000"), std::string::npos);
  EXPECT_NE(refusal(R"({"max_validity_seconds":"1d"})").find("rules.max_validity_seconds"),
            std::string::npos);
  EXPECT_NE(refusal(R"(["a"])").find("JSON object"), std::string::npos);
}

TEST_F(PolicyDefinitionsTest, ADefinedPolicyIsInForceAtOnceAuditedAndListedAsDefinedOverTheApi) {
  auto defined =
      ra_.DefinePolicy("partners", Rules(R"({"allowed_domains":["partners.example"]})"), "admin:alice");
  ASSERT_TRUE(defined.ok()) << defined.status().ToString();
  EXPECT_EQ(*defined, RegistrationAuthority::PolicyChange::kDefined);
  std::shared_ptr<const PolicySet> set = ra_.policies();
  ASSERT_NE(set->Find("partners"), nullptr);
  EXPECT_EQ(set->source("partners"), PolicySource::kApi);
  EXPECT_EQ(set->source("web"), PolicySource::kConfig);
  nlohmann::json audit = LastAudit("policy.defined");
  EXPECT_EQ(audit["requester"], "admin:alice");
  EXPECT_EQ(audit["rules"]["allowed_domains"], nlohmann::json::array({"partners.example"}));

  storage::Account account = NewAccount();
  ASSERT_TRUE(ra_.SetAccountPolicy(account.id, "partners", "admin:alice").ok());
  auto refused = Order(account.id, "other.example");
  ASSERT_EQ(refused.status().code(), Code::kRejectedIdentifier);
  EXPECT_NE(
      refused.status().message().find("policy partners (account " + account.id + "), rule allowed_domains"),
      std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(Order(account.id, "www.partners.example").ok());
}

TEST_F(PolicyDefinitionsTest, DefiningAgainReplacesTheRulesAndIsAuditedAsAnUpdate) {
  ASSERT_TRUE(
      ra_.DefinePolicy("partners", Rules(R"({"allowed_domains":["partners.example"]})"), "operator").ok());
  storage::Account account = NewAccount();
  ASSERT_TRUE(ra_.SetAccountPolicy(account.id, "partners", "operator").ok());
  ASSERT_FALSE(Order(account.id, "b.example").ok());
  auto updated = ra_.DefinePolicy("partners", Rules(R"({"allowed_domains":["b.example"]})"), "admin:bob");
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(*updated, RegistrationAuthority::PolicyChange::kUpdated);
  EXPECT_TRUE(Order(account.id, "b.example").ok());
  EXPECT_EQ(LastAudit("policy.updated")["requester"], "admin:bob");
  auto stored = store_.ListPolicyDefinitions();
  ASSERT_EQ(stored->definitions.size(), 1u);
  EXPECT_EQ(stored->definitions[0].created_by, "operator");
  EXPECT_EQ(stored->definitions[0].updated_by, "admin:bob");
}

TEST_F(PolicyDefinitionsTest, AConfiguredNameIsNeitherDefinedNorDeletedHere) {
  for (const std::string name : {"web", "default"}) {
    auto defined = ra_.DefinePolicy(name, Rules("{}"), "operator");
    ASSERT_EQ(defined.status().code(), Code::kConflict) << name;
    EXPECT_NE(defined.status().message().find("is defined in the configuration file"), std::string::npos);
    Status deleted = ra_.DeletePolicy(name, "operator");
    ASSERT_EQ(deleted.code(), Code::kConflict) << name;
    EXPECT_NE(deleted.message().find("is defined in the configuration file"), std::string::npos);
  }
  EXPECT_EQ(Stored(), 0u);
}

TEST_F(PolicyDefinitionsTest, BadRulesAndNamesAreRefusedAsAConfiguredPolicysWouldBeAndNothingIsStored) {
  auto expect_refused = [&](const std::string& name, const std::string& json, const std::string& says) {
    auto defined = ra_.DefinePolicy(name, Rules(json), "operator");
    ASSERT_EQ(defined.status().code(), Code::kInvalidArgument) << json;
    EXPECT_NE(defined.status().message().find(says), std::string::npos) << defined.status().message();
  };
  expect_refused("p", R"({"allowed_ip_ranges":["10.0.0.0/33"]})", "policies.p.allowed_ip_ranges[0]");
  expect_refused("p", R"({"denied_domains":["a.*b.example"]})", "policies.p.denied_domains[0]");
  expect_refused("p", R"({"challenge_types":["http-02"]})", "unknown challenge type");
  expect_refused("p", R"({"key_types":["rsa1024"]})", "unknown key type \"rsa1024\"");
  expect_refused("p", R"({"max_validity_seconds":0})", "max_validity");
  expect_refused("p", R"({"profiles":["nope"]})", "profile \"nope\" is not configured");
  expect_refused("bad name", "{}", "invalid policy name");
  expect_refused("", "{}", "invalid policy name");
  EXPECT_EQ(Stored(), 0u);
  EXPECT_EQ(ra_.policies()->all().size(), 2u);
}

TEST_F(PolicyDefinitionsTest, APolicyIsNotDeletedWhileAnAccountOrAUsableEabKeyBindsIt) {
  ASSERT_TRUE(ra_.DefinePolicy("partners", Rules("{}"), "operator").ok());
  storage::Account account = NewAccount();
  ASSERT_TRUE(ra_.SetAccountPolicy(account.id, "partners", "operator").ok());
  Status bound = ra_.DeletePolicy("partners", "admin:alice");
  ASSERT_EQ(bound.code(), Code::kConflict);
  EXPECT_NE(bound.message().find("account " + account.id), std::string::npos) << bound.message();
  ASSERT_TRUE(ra_.SetAccountPolicy(account.id, "", "operator").ok());

  EabKeyRequest key;
  key.kid = "fleet";
  key.policy = "partners";
  ASSERT_TRUE(ra_.CreateEabKey(key).ok());
  Status by_key = ra_.DeletePolicy("partners", "admin:alice");
  ASSERT_EQ(by_key.code(), Code::kConflict);
  EXPECT_NE(by_key.message().find("EAB key fleet"), std::string::npos) << by_key.message();
  ASSERT_TRUE(ra_.RevokeEabKey("fleet", "operator").ok());

  ASSERT_TRUE(ra_.DeletePolicy("partners", "admin:alice").ok());
  EXPECT_EQ(ra_.policies()->Find("partners"), nullptr);
  nlohmann::json audit = LastAudit("policy.deleted");
  EXPECT_EQ(audit["requester"], "admin:alice");
  EXPECT_TRUE(audit["rules"].is_object());
  EXPECT_EQ(ra_.DeletePolicy("partners", "admin:alice").code(), Code::kNotFound);
  // Gone, it can no longer be bound.
  EXPECT_EQ(ra_.SetAccountPolicy(account.id, "partners", "operator").status().code(), Code::kInvalidArgument);
}

TEST_F(PolicyDefinitionsTest, AnotherProcesssChangeIsSeenWithinTheRecheckPeriod) {
  ASSERT_EQ(ra_.policies()->Find("lab"), nullptr);  // the first call reads the store
  // As `anvil-ca policy define lab` would write it while this server runs.
  storage::PolicyDefinition lab{"lab",     R"({"max_identifiers":2})", clock_.Now(), "operator", clock_.Now(),
                                "operator"};
  ASSERT_TRUE(store_.CreatePolicyDefinition(lab, storage::AuditEvent{}).ok());
  EXPECT_EQ(ra_.policies()->Find("lab"), nullptr);  // not read again within the period
  steady_.Advance(PolicyCatalog::kRecheckPeriod);
  const Policy* found = ra_.policies()->Find("lab");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->max_identifiers(), 2);
}

TEST_F(PolicyDefinitionsTest, AStoredDefinitionThatCannotBeLoadedIsLeftOutAndItsHoldersAreRefused) {
  storage::Account account = NewAccount();
  // Rules no parser accepts, and a name the configuration took after the definition was stored.
  storage::PolicyDefinition broken{"broken", "{\"max_identifiers\":", clock_.Now(), "x", clock_.Now(), "x"};
  storage::PolicyDefinition shadowed{"web", "{}", clock_.Now(), "x", clock_.Now(), "x"};
  ASSERT_TRUE(store_.CreatePolicyDefinition(broken, storage::AuditEvent{}).ok());
  ASSERT_TRUE(store_.CreatePolicyDefinition(shadowed, storage::AuditEvent{}).ok());
  ASSERT_TRUE(store_.SetAccountPolicy(account.id, "broken", storage::AuditEvent{}).ok());
  auto left_out = ra_.LoadPolicies();
  ASSERT_TRUE(left_out.ok()) << left_out.status().ToString();
  ASSERT_EQ(left_out->size(), 2u);
  EXPECT_EQ((*left_out)[0].rfind("broken: ", 0), 0u) << (*left_out)[0];
  EXPECT_NE((*left_out)[1].find("web: policy web is defined in the configuration file"), std::string::npos)
      << (*left_out)[1];
  EXPECT_EQ(ra_.policies()->source("web"), PolicySource::kConfig);
  auto refused = Order(account.id, "a.example.com");
  ASSERT_EQ(refused.status().code(), Code::kUnauthorized);
  EXPECT_NE(refused.status().message().find("policy broken (account"), std::string::npos);
}

TEST_F(PolicyDefinitionsTest, ABoundPolicyOutlivesItsReplacementForTheRequestHoldingIt) {
  ASSERT_TRUE(ra_.DefinePolicy("partners", Rules(R"({"allowed_domains":["a.example"]})"), "operator").ok());
  storage::Account account = NewAccount();
  ASSERT_TRUE(ra_.SetAccountPolicy(account.id, "partners", "operator").ok());
  auto held = ra_.PolicyFor(*ra_.GetAccount(account.id), "");
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(ra_.DefinePolicy("partners", Rules(R"({"allowed_domains":["b.example"]})"), "operator").ok());
  ASSERT_TRUE(ra_.SetAccountPolicy(account.id, "", "operator").ok());
  ASSERT_TRUE(ra_.DeletePolicy("partners", "operator").ok());
  // The request that bound the first rules still decides by them (ASan: nothing it points to was freed).
  acme::Identifier a{acme::IdentifierType::kDns, "a.example"};
  EXPECT_FALSE(held->RefuseIdentifier(a).has_value());
  acme::Identifier b{acme::IdentifierType::kDns, "b.example"};
  EXPECT_TRUE(held->RefuseIdentifier(b).has_value());
}

TEST_F(PolicyDefinitionsTest, RequestsBindPoliciesWhileTheyAreRedefinedConcurrently) {
  ASSERT_TRUE(ra_.DefinePolicy("partners", Rules(R"({"allowed_domains":["a.example"]})"), "operator").ok());
  storage::Account account = NewAccount();
  ASSERT_TRUE(ra_.SetAccountPolicy(account.id, "partners", "operator").ok());
  storage::Account bound = *ra_.GetAccount(account.id);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> requests;
  for (int t = 0; t < 4; ++t) {
    requests.emplace_back([&] {
      const acme::Identifier id{acme::IdentifierType::kDns, "a.example"};
      while (!done.load()) {
        auto effective = ra_.PolicyFor(bound, "");
        // Either rules may be in force; each answer must come from a whole policy.
        if (!effective.ok() || effective->policies().size() != 3) ++failures;
        if (effective.ok()) (void)effective->RefuseIdentifier(id);
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    const std::string json =
        i % 2 == 0 ? R"({"allowed_domains":["b.example"]})" : R"({"allowed_domains":["a.example"]})";
    ASSERT_TRUE(ra_.DefinePolicy("partners", Rules(json), "operator").ok());
    steady_.Advance(PolicyCatalog::kRecheckPeriod);
  }
  done = true;
  for (auto& t : requests) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace anvil::ra
