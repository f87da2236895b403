// The conformance suite (store_conformance.h): External Account Binding keys and their lifecycle (expiry,
// uses, revocation; docs/policy.md), and the policy bound to an account.
#include <chrono>
#include <string>
#include <vector>

#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

TEST_P(StoreConformanceTest, EabKeysCanBeCreatedReadAndListed) {
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid-b"), Note("eab.created")));
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid-a"), Note("eab.created")));
  Result<EabKey> got = store_->GetEabKey("kid-b");
  ASSERT_OK(got);
  EXPECT_EQ(got->kid, "kid-b");
  EXPECT_EQ(got->hmac_key, MakeEabKey("kid-b").hmac_key);  // raw bytes, NUL included
  EXPECT_EQ(got->account_id, "");
  EXPECT_EQ(got->comment, "for kid-b");
  EXPECT_EQ(got->created_at, kT0);

  Result<std::vector<EabKey>> all = store_->ListEabKeys();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].kid, "kid-b");  // creation order
  EXPECT_EQ((*all)[1].kid, "kid-a");
}

TEST_P(StoreConformanceTest, ListEabKeysOfEmptyStoreIsEmpty) {
  Result<std::vector<EabKey>> all = store_->ListEabKeys();
  ASSERT_OK(all);
  EXPECT_THAT(*all, IsEmpty());
}

TEST_P(StoreConformanceTest, DuplicateEabKidIsConflict) {
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid"), Note("eab.created")));
  EXPECT_TRUE(HasCode(store_->CreateEabKey(MakeEabKey("kid"), Note("eab.created")), Code::kConflict));
}

TEST_P(StoreConformanceTest, UnknownEabKeyIsNotFound) {
  EXPECT_TRUE(HasCode(store_->GetEabKey("nope"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAccountBindsItsEabKey) {
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid"), Note("eab.created")));
  Account account = MakeAccount("a1");
  account.eab_kid = "kid";
  ASSERT_OK(store_->CreateAccount(account, Note("account.created")));
  Result<EabKey> key = store_->GetEabKey("kid");
  ASSERT_OK(key);
  EXPECT_EQ(key->account_id, "a1");
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  EXPECT_EQ(got->eab_kid, "kid");
}

TEST_P(StoreConformanceTest, CreateAccountWithUnknownEabKeyIsNotFoundAndCreatesNothing) {
  Account account = MakeAccount("a1");
  account.eab_kid = "nope";
  EXPECT_TRUE(HasCode(store_->CreateAccount(account, Note("account.created")), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAccount("a1"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint(account.thumbprint), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAccountWithBoundEabKeyIsUnauthorizedAndCreatesNothing) {
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid"), Note("eab.created")));
  Account first = MakeAccount("a1");
  first.eab_kid = "kid";
  ASSERT_OK(store_->CreateAccount(first, Note("account.created")));
  Account second = MakeAccount("a2");
  second.eab_kid = "kid";
  EXPECT_TRUE(HasCode(store_->CreateAccount(second, Note("account.created")), Code::kUnauthorized));
  EXPECT_TRUE(HasCode(store_->GetAccount("a2"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint(second.thumbprint), Code::kNotFound));
  Result<EabKey> key = store_->GetEabKey("kid");
  ASSERT_OK(key);
  EXPECT_EQ(key->account_id, "a1");
  // The failed attempt left its key free for a later account.
  EXPECT_OK(store_->CreateAccount(MakeAccount("a2"), Note("account.created")));
}


TEST_P(StoreConformanceTest, EabKeyLifecycleFieldsRoundTripAndCreationIsAudited) {
  EabKey key = MakeEabKey("kid");
  key.policy = "devices";
  key.expires_at = kT0 + std::chrono::hours(24);
  key.max_uses = 5;
  ASSERT_OK(store_->CreateEabKey(key, Note("eab.created", "kid")));
  Result<EabKey> got = store_->GetEabKey("kid");
  ASSERT_OK(got);
  EXPECT_EQ(got->policy, "devices");
  EXPECT_EQ(got->expires_at, kT0 + std::chrono::hours(24));
  EXPECT_EQ(got->max_uses, 5);
  EXPECT_EQ(got->uses, 0);
  EXPECT_FALSE(got->revoked_at.has_value());
  Result<std::vector<AuditEvent>> audit = store_->ListAudit(0, 10);
  ASSERT_OK(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].kind, "eab.created");
}

TEST_P(StoreConformanceTest, MultiUseEabKeyBindsUpToMaxUsesAccountsEachAudited) {
  EabKey key = MakeEabKey("kid");
  key.max_uses = 2;
  ASSERT_OK(store_->CreateEabKey(key, Note("eab.created", "kid")));
  for (const char* id : {"a1", "a2"}) {
    Account account = MakeAccount(id);
    account.eab_kid = "kid";
    ASSERT_OK(store_->CreateAccount(account, Note("account.created", id)));
  }
  Account third = MakeAccount("a3");
  third.eab_kid = "kid";
  Status refused = store_->CreateAccount(third, Note("account.created", "a3"));
  EXPECT_TRUE(HasCode(refused, Code::kUnauthorized));
  EXPECT_NE(refused.message().find("used 2 of 2 times"), std::string::npos) << refused.message();
  EXPECT_TRUE(HasCode(store_->GetAccount("a3"), Code::kNotFound));
  Result<EabKey> got = store_->GetEabKey("kid");
  ASSERT_OK(got);
  EXPECT_EQ(got->uses, 2);
  EXPECT_EQ(got->account_id, "a1");  // the first account bound
  Result<std::vector<AuditEvent>> history = store_->ListAuditForSubject("kid", 0, 10);
  ASSERT_OK(history);
  std::vector<std::string> kinds;
  for (const AuditEvent& e : *history) kinds.push_back(e.kind + (e.kind == "eab.used" ? ":" + e.account_id : ""));
  EXPECT_THAT(kinds, ::testing::ElementsAre("eab.created", "eab.used:a1", "eab.used:a2"));
}

TEST_P(StoreConformanceTest, UnlimitedEabKeyBindsAnyNumberOfAccounts) {
  EabKey key = MakeEabKey("kid");
  key.max_uses = 0;
  ASSERT_OK(store_->CreateEabKey(key, Note("eab.created", "kid")));
  for (int i = 0; i < 5; ++i) {
    Account account = MakeAccount("a" + std::to_string(i));
    account.eab_kid = "kid";
    ASSERT_OK(store_->CreateAccount(account, Note("account.created")));
  }
  EXPECT_EQ(store_->GetEabKey("kid")->uses, 5);
}

TEST_P(StoreConformanceTest, ExpiredEabKeyBindsNothing) {
  EabKey key = MakeEabKey("kid");
  key.expires_at = kT0 + std::chrono::hours(1);
  ASSERT_OK(store_->CreateEabKey(key, Note("eab.created", "kid")));
  Account late = MakeAccount("a1");
  late.eab_kid = "kid";
  late.created_at = kT0 + std::chrono::hours(1);
  Status refused = store_->CreateAccount(late, Note("account.created"));
  EXPECT_TRUE(HasCode(refused, Code::kUnauthorized));
  EXPECT_NE(refused.message().find("expired"), std::string::npos) << refused.message();
  EXPECT_TRUE(HasCode(store_->GetAccount("a1"), Code::kNotFound));
  late.created_at = kT0 + std::chrono::minutes(59);
  EXPECT_OK(store_->CreateAccount(late, Note("account.created")));
}

TEST_P(StoreConformanceTest, RevokedEabKeyBindsNothingAndRevokesOnce) {
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid"), Note("eab.created", "kid")));
  ASSERT_OK(store_->RevokeEabKey("kid", kT0 + std::chrono::seconds(5), Note("eab.revoked", "kid")));
  EXPECT_TRUE(HasCode(store_->RevokeEabKey("kid", kT0, Note("eab.revoked", "kid")), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->RevokeEabKey("nope", kT0, Note("eab.revoked", "nope")), Code::kNotFound));
  EXPECT_EQ(store_->GetEabKey("kid")->revoked_at, kT0 + std::chrono::seconds(5));
  Account account = MakeAccount("a1");
  account.eab_kid = "kid";
  Status refused = store_->CreateAccount(account, Note("account.created"));
  EXPECT_TRUE(HasCode(refused, Code::kUnauthorized));
  EXPECT_NE(refused.message().find("revoked"), std::string::npos) << refused.message();
  Result<std::vector<AuditEvent>> audit = store_->ListAudit(0, 10);
  ASSERT_OK(audit);
  EXPECT_EQ(audit->size(), 2u);  // created, revoked once
}

TEST_P(StoreConformanceTest, AccountPolicyIsStoredAndAudited) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  EXPECT_EQ(store_->GetAccount("a1")->policy, "");
  ASSERT_OK(store_->SetAccountPolicy("a1", "web", Note("account.policy_set", "a1")));
  EXPECT_EQ(store_->GetAccount("a1")->policy, "web");
  EXPECT_TRUE(HasCode(store_->SetAccountPolicy("nope", "web", Note("account.policy_set")), Code::kNotFound));
  ASSERT_OK(store_->SetAccountPolicy("a1", "", Note("account.policy_set", "a1")));
  EXPECT_EQ(store_->GetAccount("a1")->policy, "");
  EXPECT_EQ(store_->ListAudit(0, 10)->size(), 3u);
}

}  // namespace
}  // namespace anvil::storage::testing
