// The conformance suite (store_conformance.h): the audit trail's hash chain (storage/audit_chain.h) and its
// anchors, the same in every backend.
#include <string>
#include <vector>

#include "storage/audit_chain.h"
#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

AuditEvent Event(std::string kind, int second) {
  AuditEvent e;
  e.id = 77;               // ignored: the store assigns ids
  e.prev_hash = "forged";  // ignored: the store links the record
  e.hash = "forged";
  e.at = kT0 + std::chrono::seconds(second) + std::chrono::milliseconds(250);
  e.kind = std::move(kind);
  e.account_id = "a1";
  e.subject = "s" + std::to_string(second);
  e.details_json = R"({"second":)" + std::to_string(second) + "}";
  return e;
}

TEST_P(StoreConformanceTest, AuditRecordsFormAHashChainFromRecordOne) {
  ASSERT_OK(store_->AppendAudit(Event("config.loaded", 0)));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Event("account.created", 1)));
  ASSERT_OK(store_->AppendAudit(Event("order.created", 2)));
  Result<std::vector<AuditEvent>> all = store_->ListAudit(0, 10);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 3u);
  std::string prev = AuditGenesisHash();
  for (size_t i = 0; i < all->size(); ++i) {
    const AuditEvent& e = (*all)[i];
    EXPECT_EQ(e.id, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(e.at, kT0 + std::chrono::seconds(i));  // whole seconds, as hashed
    EXPECT_EQ(e.prev_hash, prev);
    EXPECT_EQ(e.hash, AuditRecordHash(e));
    EXPECT_EQ(e.hash.size(), 64u);
    prev = e.hash;
  }
  Result<AuditVerification> v = VerifyAuditChain(*store_, {});
  ASSERT_OK(v);
  EXPECT_TRUE(v->ok()) << v->problem;
  EXPECT_EQ(v->records, 3);
}

// A write refused after its audit record was built leaves neither the record nor a gap in the ids.
TEST_P(StoreConformanceTest, ARefusedWriteLeavesNoAuditRecordAndNoGap) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Event("account.created", 0)));
  EXPECT_TRUE(HasCode(store_->CreateAccount(MakeAccount("a1"), Event("account.created", 1)), Code::kConflict));
  ASSERT_OK(store_->AppendAudit(Event("order.created", 2)));
  Result<std::vector<AuditEvent>> all = store_->ListAudit(0, 10);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].id, 2);
  EXPECT_EQ((*all)[1].kind, "order.created");
  EXPECT_EQ((*all)[1].prev_hash, (*all)[0].hash);
  Result<AuditVerification> v = VerifyAuditChain(*store_, {});
  ASSERT_OK(v);
  EXPECT_TRUE(v->ok()) << v->problem;
}

TEST_P(StoreConformanceTest, LastAuditIsTheNewestRecord) {
  Result<std::optional<AuditEvent>> none = store_->LastAudit();
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_OK(store_->AppendAudit(Event("config.loaded", 0)));
  ASSERT_OK(store_->AppendAudit(Event("order.created", 1)));
  Result<std::optional<AuditEvent>> last = store_->LastAudit();
  ASSERT_OK(last);
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->id, 2);
  EXPECT_EQ((*last)->kind, "order.created");
  EXPECT_EQ((*last)->hash, AuditRecordHash(**last));
}

TEST_P(StoreConformanceTest, AuditAnchorsAreKeptInOrder) {
  AuditAnchor a;
  a.id = 9;  // ignored
  a.at = kT0 + std::chrono::milliseconds(500);
  a.head_id = 3;
  a.head_hash = std::string(64, 'a');
  a.signer_der = std::string("\x30\x00\x01", 3);
  a.signature = std::string("\x00\xff", 2);
  ASSERT_OK(store_->AppendAuditAnchor(a));
  a.at = kT0 + kDay;
  a.head_id = 5;
  ASSERT_OK(store_->AppendAuditAnchor(a));
  Result<std::vector<AuditAnchor>> all = store_->ListAuditAnchors();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, 1);
  EXPECT_EQ((*all)[0].at, kT0);
  EXPECT_EQ((*all)[0].head_id, 3);
  EXPECT_EQ((*all)[0].head_hash, std::string(64, 'a'));
  EXPECT_EQ((*all)[0].signer_der, std::string("\x30\x00\x01", 3));
  EXPECT_EQ((*all)[0].signature, std::string("\x00\xff", 2));
  EXPECT_EQ((*all)[1].id, 2);
  EXPECT_EQ((*all)[1].head_id, 5);
  EXPECT_EQ((*all)[1].at, kT0 + kDay);
}

TEST_P(StoreConformanceTest, AnAuditAnchorNeedsItsHead) {
  AuditAnchor a;
  a.at = kT0;
  a.head_hash = "ab";
  EXPECT_TRUE(HasCode(store_->AppendAuditAnchor(a), Code::kInvalidArgument));
  a.head_id = 1;
  a.head_hash = "";
  EXPECT_TRUE(HasCode(store_->AppendAuditAnchor(a), Code::kInvalidArgument));
  Result<std::vector<AuditAnchor>> all = store_->ListAuditAnchors();
  ASSERT_OK(all);
  EXPECT_TRUE(all->empty());
}

// A new order and a decided challenge carry their audit records in their own transaction; a refused one
// appends nothing.
TEST_P(StoreConformanceTest, OrdersAndValidationsAppendTheirAuditRecords) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  const AuditEvent created = Note("order.created", "o1");
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("example.com"))},
                                {}, &created));
  EXPECT_TRUE(HasCode(store_->CreateOrder(MakeOrder("o1", "a1"), {}, {}, &created), Code::kConflict));
  const AuditEvent valid = Note("authorization.valid", "z1");
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt, {}, &valid));
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "c2", true, "", kT0, std::nullopt, {}, &valid),
                      Code::kConflict));
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"account.created", "order.created", "authorization.valid"}));
  Result<AuditVerification> v = VerifyAuditChain(*store_, {});
  ASSERT_OK(v);
  EXPECT_TRUE(v->ok()) << v->problem;
}

}  // namespace
}  // namespace anvil::storage::testing
