// The conformance suite (store_conformance.h): named policies defined at run time
// (storage::PolicyDefinitionStore): created, replaced and deleted each with its audit row, listed with a
// version that moves on every change, and never deleted while an account or a usable EAB key binds them.
#include <string>
#include <vector>

#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

PolicyDefinition Definition(const std::string& name, const std::string& rules = R"({"max_identifiers":5})") {
  PolicyDefinition d;
  d.name = name;
  d.rules_json = rules;
  d.created_at = kT0 + std::chrono::milliseconds(700);
  d.created_by = "admin:alice";
  d.updated_at = d.created_at;
  d.updated_by = d.created_by;
  return d;
}

TEST_P(StoreConformanceTest, PolicyDefinitionsAreCreatedWithTheirAuditRowsAndListedByName) {
  Result<PolicyDefinitions> empty = store_->ListPolicyDefinitions();
  ASSERT_OK(empty);
  EXPECT_THAT(empty->definitions, IsEmpty());
  ASSERT_OK(store_->CreatePolicyDefinition(Definition("partners"), Note("policy.defined", "partners")));
  ASSERT_OK(store_->CreatePolicyDefinition(Definition("lab", "{}"), Note("policy.defined", "lab")));
  Result<PolicyDefinitions> all = store_->ListPolicyDefinitions();
  ASSERT_OK(all);
  ASSERT_EQ(all->definitions.size(), 2u);
  EXPECT_EQ(all->definitions[0].name, "lab");  // name order
  const PolicyDefinition& got = all->definitions[1];
  EXPECT_EQ(got.name, "partners");
  EXPECT_EQ(got.rules_json, R"({"max_identifiers":5})");
  EXPECT_EQ(got.created_at, kT0);  // whole seconds
  EXPECT_EQ(got.created_by, "admin:alice");
  EXPECT_EQ(got.updated_at, kT0);
  EXPECT_EQ(got.updated_by, "admin:alice");
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"policy.defined", "policy.defined"}));
}

TEST_P(StoreConformanceTest, PolicyDefinitionWithATakenOrEmptyNameIsRefusedAndChangesNothing) {
  ASSERT_OK(store_->CreatePolicyDefinition(Definition("partners"), Note("policy.defined")));
  Status taken = store_->CreatePolicyDefinition(Definition("partners", "{}"), Note("x"));
  EXPECT_TRUE(HasCode(taken, Code::kConflict));
  EXPECT_EQ(taken.message(), "policy definition partners already exists");
  EXPECT_TRUE(HasCode(store_->CreatePolicyDefinition(Definition(""), Note("x")), Code::kInvalidArgument));
  Result<PolicyDefinitions> all = store_->ListPolicyDefinitions();
  ASSERT_OK(all);
  ASSERT_EQ(all->definitions.size(), 1u);
  EXPECT_EQ(all->definitions[0].rules_json, R"({"max_identifiers":5})");
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"policy.defined"}));
}

TEST_P(StoreConformanceTest, PolicyDefinitionUpdateReplacesItsRulesAndKeepsItsCreation) {
  ASSERT_OK(store_->CreatePolicyDefinition(Definition("partners"), Note("policy.defined")));
  PolicyDefinition replaced = Definition("partners", R"({"allow_wildcards":false})");
  replaced.created_at = kT0 + kDay;  // ignored
  replaced.created_by = "someone else";
  replaced.updated_at = kT0 + kDay;
  replaced.updated_by = "operator";
  ASSERT_OK(store_->UpdatePolicyDefinition(replaced, Note("policy.updated")));
  Result<PolicyDefinitions> all = store_->ListPolicyDefinitions();
  ASSERT_OK(all);
  ASSERT_EQ(all->definitions.size(), 1u);
  EXPECT_EQ(all->definitions[0].rules_json, R"({"allow_wildcards":false})");
  EXPECT_EQ(all->definitions[0].created_at, kT0);
  EXPECT_EQ(all->definitions[0].created_by, "admin:alice");
  EXPECT_EQ(all->definitions[0].updated_at, kT0 + kDay);
  EXPECT_EQ(all->definitions[0].updated_by, "operator");
  Status missing = store_->UpdatePolicyDefinition(Definition("nope"), Note("x"));
  EXPECT_TRUE(HasCode(missing, Code::kNotFound));
  EXPECT_EQ(missing.message(), "policy definition nope does not exist");
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"policy.defined", "policy.updated"}));
}

TEST_P(StoreConformanceTest, PolicyDefinitionsVersionMovesWithEveryChangeAndMatchesTheListing) {
  Result<int64_t> v0 = store_->PolicyDefinitionsVersion();
  ASSERT_OK(v0);
  ASSERT_OK(store_->CreatePolicyDefinition(Definition("partners"), Note("policy.defined")));
  Result<int64_t> v1 = store_->PolicyDefinitionsVersion();
  ASSERT_OK(v1);
  EXPECT_NE(*v1, *v0);
  ASSERT_OK(store_->UpdatePolicyDefinition(Definition("partners", "{}"), Note("policy.updated")));
  Result<int64_t> v2 = store_->PolicyDefinitionsVersion();
  ASSERT_OK(v2);
  EXPECT_NE(*v2, *v1);
  Result<PolicyDefinitions> listed = store_->ListPolicyDefinitions();
  ASSERT_OK(listed);
  EXPECT_EQ(listed->version, *v2);
  ASSERT_OK(store_->DeletePolicyDefinition("partners", kT0, Note("policy.deleted")));
  Result<int64_t> v3 = store_->PolicyDefinitionsVersion();
  ASSERT_OK(v3);
  EXPECT_NE(*v3, *v2);
  // A refused write moves nothing.
  EXPECT_FALSE(store_->UpdatePolicyDefinition(Definition("partners"), Note("x")).ok());
  EXPECT_EQ(*store_->PolicyDefinitionsVersion(), *v3);
}

TEST_P(StoreConformanceTest, PolicyDefinitionIsDeletedWithItsAuditRow) {
  ASSERT_OK(store_->CreatePolicyDefinition(Definition("partners"), Note("policy.defined")));
  ASSERT_OK(store_->DeletePolicyDefinition("partners", kT0, Note("policy.deleted")));
  Result<PolicyDefinitions> all = store_->ListPolicyDefinitions();
  ASSERT_OK(all);
  EXPECT_THAT(all->definitions, IsEmpty());
  Status again = store_->DeletePolicyDefinition("partners", kT0, Note("x"));
  EXPECT_TRUE(HasCode(again, Code::kNotFound));
  EXPECT_EQ(again.message(), "policy definition partners does not exist");
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"policy.defined", "policy.deleted"}));
  // The name is free again.
  EXPECT_OK(store_->CreatePolicyDefinition(Definition("partners"), Note("policy.defined")));
}

// Expects the deletion of "partners" to be refused with `message`, leaving the definition and the audit
// trail.
void ExpectDeletionRefused(Store& store, const std::string& message) {
  const size_t audit_rows = AuditKinds(store).size();
  Status refused = store.DeletePolicyDefinition("partners", kT0, Note("policy.deleted"));
  EXPECT_TRUE(HasCode(refused, Code::kConflict));
  EXPECT_EQ(refused.message(), message);
  Result<PolicyDefinitions> all = store.ListPolicyDefinitions();
  ASSERT_OK(all);
  EXPECT_EQ(all->definitions.size(), 1u);
  EXPECT_EQ(AuditKinds(store).size(), audit_rows);
}

TEST_P(StoreConformanceTest, PolicyDefinitionBoundToAValidAccountIsNotDeleted) {
  ASSERT_OK(store_->CreatePolicyDefinition(Definition("partners"), Note("policy.defined")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2"), Note("account.created")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->SetAccountPolicy("a2", "partners", Note("account.policy_set")));
  ASSERT_OK(store_->SetAccountPolicy("a1", "partners", Note("account.policy_set")));
  ExpectDeletionRefused(
      *store_,
      "policy partners is still bound to account a1; bind another policy to it (or deactivate "
      "it) first");
  // Unbound or deactivated, an account no longer holds it.
  ASSERT_OK(store_->SetAccountPolicy("a1", "", Note("account.policy_set")));
  ASSERT_OK(store_->UpdateAccount("a2", {}, acme::AccountStatus::kDeactivated, Note("account.deactivated")));
  EXPECT_OK(store_->DeletePolicyDefinition("partners", kT0, Note("policy.deleted")));
}

TEST_P(StoreConformanceTest, PolicyDefinitionOfAnEabKeyIsNotDeletedWhileTheKeyOrItsAccountsMayUseIt) {
  ASSERT_OK(store_->CreatePolicyDefinition(Definition("partners"), Note("policy.defined")));
  EabKey key = MakeEabKey("kid-p");
  key.policy = "partners";
  key.max_uses = 1;
  ASSERT_OK(store_->CreateEabKey(key, Note("eab.created")));
  ExpectDeletionRefused(*store_,
                        "policy partners is still bound to EAB key kid-p, which may still bind accounts; "
                        "revoke it first");
  // Used up, the key binds no more accounts, but the account it bound still has its policy.
  Account bound = MakeAccount("a1");
  bound.eab_kid = "kid-p";
  ASSERT_OK(store_->CreateAccount(bound, Note("account.created")));
  ExpectDeletionRefused(*store_,
                        "policy partners is still bound to account a1 through EAB key kid-p; deactivate the "
                        "account first");
  ASSERT_OK(store_->UpdateAccount("a1", {}, acme::AccountStatus::kDeactivated, Note("account.deactivated")));
  EXPECT_OK(store_->DeletePolicyDefinition("partners", kT0, Note("policy.deleted")));
}

TEST_P(StoreConformanceTest, PolicyDefinitionOfARevokedOrExpiredEabKeyMayBeDeleted) {
  ASSERT_OK(store_->CreatePolicyDefinition(Definition("partners"), Note("policy.defined")));
  EabKey expiring = MakeEabKey("kid-e");
  expiring.policy = "partners";
  expiring.expires_at = kT0 + kDay;
  ASSERT_OK(store_->CreateEabKey(expiring, Note("eab.created")));
  EabKey revoked = MakeEabKey("kid-r");
  revoked.policy = "partners";
  ASSERT_OK(store_->CreateEabKey(revoked, Note("eab.created")));
  ASSERT_OK(store_->RevokeEabKey("kid-r", kT0, Note("eab.revoked")));
  Status early = store_->DeletePolicyDefinition("partners", kT0, Note("policy.deleted"));
  EXPECT_TRUE(HasCode(early, Code::kConflict));
  EXPECT_THAT(early.message(), ::testing::HasSubstr("EAB key kid-e"));
  EXPECT_OK(store_->DeletePolicyDefinition("partners", kT0 + kDay, Note("policy.deleted")));
}

}  // namespace
}  // namespace anvil::storage::testing
