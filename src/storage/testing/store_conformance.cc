#include "storage/testing/store_conformance.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/testing/conformance_util.h"
#include "storage/testing/forwarding_store.h"

namespace anvil::storage::testing {

void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) { return info.param.name; }

void StoreConformanceTest::SetUp() {
  store_ = GetParam().make();
  if (store_ == nullptr) GTEST_SKIP() << "backend unavailable";
}

namespace {

// ======================= accounts =======================

// ======================= health =======================

TEST_P(StoreConformanceTest, CheckWritableSucceedsAndChangesNoRecord) {
  Account account = MakeAccount("a1");
  ASSERT_OK(store_->CreateAccount(account, Note("account.created")));
  ASSERT_OK(store_->CheckWritable());
  ASSERT_OK(store_->CheckWritable());
  Result<Account> read = store_->GetAccount("a1");
  ASSERT_OK(read);
  ExpectSameAccount(*read, account);
  Result<std::vector<AuditEvent>> audit = store_->ListAudit(0, 10);
  ASSERT_OK(audit);
  EXPECT_EQ(audit->size(), 1u);
}

TEST_P(StoreConformanceTest, CreatedAccountCanBeReadByIdAndThumbprint) {
  Account account = MakeAccount("a1");
  // Characters a list encoding must survive.
  account.contacts = {"mailto:a@example.com", "mailto:\"quoted\"\\back@example.com", "mailto:ünï@例え.jp",
                      ""};
  ASSERT_OK(store_->CreateAccount(account, Note("account.created")));

  Result<Account> by_id = store_->GetAccount("a1");
  ASSERT_OK(by_id);
  ExpectSameAccount(*by_id, account);

  Result<Account> by_thumbprint = store_->FindAccountByThumbprint(account.thumbprint);
  ASSERT_OK(by_thumbprint);
  ExpectSameAccount(*by_thumbprint, account);
}

TEST_P(StoreConformanceTest, AccountWithoutContactsRoundTrips) {
  Account account = MakeAccount("a1");
  account.contacts.clear();
  account.tos_agreed = false;
  account.status = AccountStatus::kDeactivated;
  ASSERT_OK(store_->CreateAccount(account, Note("account.created")));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  ExpectSameAccount(*got, account);
}

TEST_P(StoreConformanceTest, TimesAreStoredWithOneSecondPrecision) {
  Account account = MakeAccount("a1");
  account.created_at = kT0 + std::chrono::milliseconds(999);
  ASSERT_OK(store_->CreateAccount(account, Note("account.created")));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  EXPECT_EQ(got->created_at, kT0);
}

TEST_P(StoreConformanceTest, UnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->GetAccount("nope"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint("nope"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAccountWithUsedThumbprintIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Account twin = MakeAccount("a2");
  twin.thumbprint = "thumb-a1";
  EXPECT_TRUE(HasCode(store_->CreateAccount(twin, Note("account.created")), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->GetAccount("a2"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAccountWithUsedIdIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Account twin = MakeAccount("a1");
  twin.thumbprint = "other";
  EXPECT_TRUE(HasCode(store_->CreateAccount(twin, Note("account.created")), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint("other"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, UpdateAccountReplacesContactsAndStatus) {
  Account account = MakeAccount("a1");
  ASSERT_OK(store_->CreateAccount(account, Note("account.created")));
  ASSERT_OK(store_->UpdateAccount("a1", {"mailto:new@example.com", "mailto:two@example.com"},
                                  AccountStatus::kDeactivated, Note("account.updated")));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  account.contacts = {"mailto:new@example.com", "mailto:two@example.com"};
  account.status = AccountStatus::kDeactivated;
  ExpectSameAccount(*got, account);
}

TEST_P(StoreConformanceTest, UpdateUnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->UpdateAccount("nope", {}, AccountStatus::kValid, Note("account.updated")),
                      Code::kNotFound));
}

TEST_P(StoreConformanceTest, ChangeAccountKeyReplacesKeyAndThumbprint) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->ChangeAccountKey("a1", "thumb-a1", R"({"kty":"OKP"})", "thumb-new",
                                     Note("account.key_changed")));
  Result<Account> got = store_->FindAccountByThumbprint("thumb-new");
  ASSERT_OK(got);
  EXPECT_EQ(got->id, "a1");
  EXPECT_EQ(got->jwk_json, R"({"kty":"OKP"})");
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint("thumb-a1"), Code::kNotFound));
  // The old key is free again.
  Account other = MakeAccount("a2");
  other.thumbprint = "thumb-a1";
  EXPECT_OK(store_->CreateAccount(other, Note("account.created")));
}

TEST_P(StoreConformanceTest, ChangeAccountKeyWithStaleOldThumbprintIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->ChangeAccountKey("a1", "thumb-a1", "{}", "thumb-2", Note("account.key_changed")));
  // A second rollover racing with the first still names the old key.
  EXPECT_TRUE(
      HasCode(store_->ChangeAccountKey("a1", "thumb-a1", "{}", "thumb-3", Note("account.key_changed")),
              Code::kConflict));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  EXPECT_EQ(got->thumbprint, "thumb-2");
}

TEST_P(StoreConformanceTest, ChangeAccountKeyToKeyInUseIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2"), Note("account.created")));
  EXPECT_TRUE(
      HasCode(store_->ChangeAccountKey("a1", "thumb-a1", "{}", "thumb-a2", Note("account.key_changed")),
              Code::kConflict));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  EXPECT_EQ(got->thumbprint, "thumb-a1");
  EXPECT_EQ(got->jwk_json, MakeAccount("a1").jwk_json);
}

TEST_P(StoreConformanceTest, ChangeKeyOfUnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->ChangeAccountKey("nope", "t", "{}", "t2", Note("account.key_changed")),
                      Code::kNotFound));
}

// ======================= audit rows written with the change they record =======================

// ======================= blocked keys =======================

TEST_P(StoreConformanceTest, ABlockedKeyIsFoundWithItsFirstRecordAndAuditedOnce) {
  const std::string hash(64, 'a');
  EXPECT_TRUE(HasCode(store_->GetBlockedKey(hash), Code::kNotFound));
  ASSERT_OK(store_->BlockKey(BlockedKey{hash, kT0, "certificate 01 revoked for keyCompromise"},
                             Note("key.blocked", "a1")));
  ASSERT_OK(store_->BlockKey(BlockedKey{hash, kT0 + kDay, "certificate 02 revoked for keyCompromise"},
                             Note("key.blocked again", "a1")));
  Result<BlockedKey> got = store_->GetBlockedKey(hash);
  ASSERT_OK(got);
  EXPECT_EQ(got->spki_sha256, hash);
  EXPECT_EQ(got->added_at, kT0);
  EXPECT_EQ(got->source, "certificate 01 revoked for keyCompromise");
  EXPECT_TRUE(HasCode(store_->GetBlockedKey(std::string(64, 'b')), Code::kNotFound));
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"key.blocked"}));
}

TEST_P(StoreConformanceTest, AccountWritesAppendTheirAuditEventsAndFailedOnesNone) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created", "a1")));
  EXPECT_FALSE(store_->CreateAccount(MakeAccount("a1"), Note("duplicate")).ok());
  Account with_unknown_eab = MakeAccount("a2");
  with_unknown_eab.eab_kid = "no-such-kid";
  EXPECT_FALSE(store_->CreateAccount(with_unknown_eab, Note("unknown eab")).ok());
  ASSERT_OK(store_->UpdateAccount("a1", {}, AccountStatus::kValid, Note("account.updated", "a1")));
  EXPECT_FALSE(store_->UpdateAccount("zz", {}, AccountStatus::kValid, Note("unknown account")).ok());
  ASSERT_OK(store_->ChangeAccountKey("a1", "thumb-a1", "{}", "thumb-new", Note("account.key_changed", "a1")));
  EXPECT_FALSE(store_->ChangeAccountKey("a1", "thumb-a1", "{}", "thumb-newer", Note("stale key")).ok());
  EXPECT_EQ(AuditKinds(*store_),
            (std::vector<std::string>{"account.created", "account.updated", "account.key_changed"}));
}

TEST_P(StoreConformanceTest, TransitionOrderAppendsItsAuditEventOnlyWhenItChangesTheOrder) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  AuditEvent reconciled = Note("order.reconciled", "o1");
  ASSERT_OK(
      store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kInvalid, "{}", "", &reconciled));
  EXPECT_FALSE(
      store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kInvalid, "{}", "", &reconciled)
          .ok());
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kInvalid, OrderStatus::kPending, "", "", nullptr));
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"account.created", "order.reconciled"}));
}

// ======================= concurrency =======================

TEST_P(StoreConformanceTest, ConcurrentWritersAllSucceedAndAreReadable) {
  constexpr int kThreads = 8;
  constexpr int kOrdersPerThread = 10;
  std::vector<std::string> failures[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      auto check = [&](const Status& s, const std::string& what) {
        if (!s.ok()) failures[t].push_back(what + ": " + s.ToString());
      };
      std::string account = "acct" + std::to_string(t);
      check(store_->CreateAccount(MakeAccount(account), Note("account.created")), "account " + account);
      for (int i = 0; i < kOrdersPerThread; ++i) {
        std::string suffix = std::to_string(t) + "-" + std::to_string(i);
        check(store_->CreateOrder(MakeOrder("order" + suffix, account, {"authz" + suffix}),
                                  {MakeAuthorization("authz" + suffix, account, Dns(suffix + ".example"))}),
              "order " + suffix);
        // Reads interleaved with other threads' writes.
        check(store_->GetOrder("order" + suffix).status(), "read order " + suffix);
        check(store_->StartChallenge("authz" + suffix, "c1"), "start " + suffix);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_THAT(failures[t], IsEmpty()) << "thread " << t;

  for (int t = 0; t < kThreads; ++t) {
    std::string account = "acct" + std::to_string(t);
    ASSERT_OK(store_->GetAccount(account));
    Result<std::vector<std::string>> ids = store_->ListOrderIds(account, "", 100);
    ASSERT_OK(ids);
    std::vector<std::string> want;
    for (int i = 0; i < kOrdersPerThread; ++i)
      want.push_back("order" + std::to_string(t) + "-" + std::to_string(i));
    EXPECT_EQ(*ids, want);
    for (int i = 0; i < kOrdersPerThread; ++i) {
      Result<Authorization> authz =
          store_->GetAuthorization("authz" + std::to_string(t) + "-" + std::to_string(i));
      ASSERT_OK(authz);
      EXPECT_EQ(authz->challenges[0].status, ChallengeStatus::kProcessing);
    }
  }
  Result<std::vector<Order>> pending = store_->ListOrdersByStatus(OrderStatus::kPending, 1000);
  ASSERT_OK(pending);
  EXPECT_EQ(pending->size(), static_cast<size_t>(kThreads * kOrdersPerThread));
}

// Concurrent writers may share one transaction (group commit): a failing write must fail alone, and every
// caller must get its own result.
TEST_P(StoreConformanceTest, ConcurrentWritersWithFailuresEachGetTheirOwnResult) {
  constexpr int kThreads = 32;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Account a = MakeAccount("c" + std::to_string(i));
      a.thumbprint = "shared-" + std::to_string(i % (kThreads / 2));  // two writers per thumbprint
      results[i] = store_->CreateAccount(a, Note("account.created"));
    });
  }
  for (auto& t : threads) t.join();
  for (int pair = 0; pair < kThreads / 2; ++pair) {
    const Status& first = results[pair];
    const Status& second = results[pair + kThreads / 2];
    EXPECT_NE(first.ok(), second.ok())
        << "pair " << pair << ": " << first.ToString() << " / " << second.ToString();
    const Status& loser = first.ok() ? second : first;
    EXPECT_TRUE(HasCode(loser, Code::kConflict)) << loser.ToString();
    int winner = first.ok() ? pair : pair + kThreads / 2;
    int other = first.ok() ? pair + kThreads / 2 : pair;
    EXPECT_TRUE(store_->GetAccount("c" + std::to_string(winner)).ok());
    EXPECT_TRUE(HasCode(store_->GetAccount("c" + std::to_string(other)).status(), Code::kNotFound));
  }
}

TEST_P(StoreConformanceTest, ConcurrentConditionalTransitionHasOneWinner) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Status s = store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "", "", nullptr);
      if (s.ok()) ++winners;
      if (s.code() == Code::kConflict) ++conflicts;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
}

}  // namespace

// ======================= WithCleanup =======================

namespace {

class CleanupStore final : public ForwardingStore {
 public:
  CleanupStore(std::unique_ptr<Store> inner, std::function<void()> cleanup)
      : ForwardingStore(std::move(inner)), cleanup_(std::move(cleanup)) {}
  ~CleanupStore() override {
    DestroyInner();
    if (cleanup_) cleanup_();
  }

 private:
  std::function<void()> cleanup_;
};

}  // namespace

std::unique_ptr<Store> WithCleanup(std::unique_ptr<Store> store, std::function<void()> cleanup) {
  if (store == nullptr) {
    if (cleanup) cleanup();
    return nullptr;
  }
  return std::make_unique<CleanupStore>(std::move(store), std::move(cleanup));
}

}  // namespace anvil::storage::testing
