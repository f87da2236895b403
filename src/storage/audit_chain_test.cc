#include "storage/audit_chain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>

#include "storage/memory/memory_store.h"

namespace anvil::storage {
namespace {

// The records of a store, to be tampered with as someone with write access to the database could.
class Records final : public AuditLog {
 public:
  std::vector<AuditEvent> events;

  Status AppendAudit(const AuditEvent&) override { return Error(Code::kInternal, "not used"); }
  Result<std::vector<AuditEvent>> ListAudit(int64_t after_id, int limit) override {
    std::vector<AuditEvent> out;
    for (const AuditEvent& e : events) {
      if (e.id > after_id && static_cast<int>(out.size()) < limit) out.push_back(e);
    }
    return out;
  }
  Result<std::optional<AuditEvent>> LastAudit() override {
    if (events.empty()) return std::optional<AuditEvent>();
    return std::optional<AuditEvent>(events.back());
  }
  Status AppendAuditAnchor(const AuditAnchor&) override { return Error(Code::kInternal, "not used"); }
  Result<std::vector<AuditAnchor>> ListAuditAnchors() override { return std::vector<AuditAnchor>{}; }

  AuditEvent& Id(int64_t id) {
    auto it = std::find_if(events.begin(), events.end(), [&](const AuditEvent& e) { return e.id == id; });
    EXPECT_NE(it, events.end()) << id;
    return *it;
  }
  void Erase(int64_t id) {
    std::erase_if(events, [&](const AuditEvent& e) { return e.id == id; });
  }
  // What someone who knows the hash rule does after an edit: every hash from `from` on made to fit again.
  void Rehash(int64_t from) {
    std::string prev = AuditGenesisHash();
    for (AuditEvent& e : events) {
      if (e.id >= from) {
        e.prev_hash = prev;
        e.hash = AuditRecordHash(e);
      }
      prev = e.hash;
    }
  }
};

class AuditChainTest : public ::testing::Test {
 protected:
  // Ten records appended through the memory store, which chains them as every backend does.
  void SetUp() override {
    std::unique_ptr<Store> store = NewMemoryStore();
    for (int i = 1; i <= 10; ++i) {
      AuditEvent e;
      e.at = FromUnixSeconds(1'800'000'000 + i);
      e.kind = i % 2 ? "certificate.issued" : "account.created";
      e.account_id = "acct" + std::to_string(i % 3);
      e.subject = "s" + std::to_string(i);
      e.details_json = R"({"n":)" + std::to_string(i) + "}";
      ASSERT_TRUE(store->AppendAudit(e).ok());
    }
    auto all = store->ListAudit(0, 100);
    ASSERT_TRUE(all.ok());
    log_.events = *all;
  }

  AuditVerification Verify(const std::vector<AuditAnchorCheck>& anchors = {}, int page = 3) {
    Result<AuditVerification> v = VerifyAuditChain(log_, anchors, page);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : AuditVerification{};
  }

  AuditAnchorCheck AnchorAt(int64_t id) { return {id, log_.Id(id).hash, "anchor at " + std::to_string(id)}; }

  Records log_;
};

TEST_F(AuditChainTest, AnIntactChainHoldsAcrossPages) {
  EXPECT_EQ(log_.events.front().prev_hash, AuditGenesisHash());
  for (size_t i = 1; i < log_.events.size(); ++i) EXPECT_EQ(log_.events[i].prev_hash, log_.events[i - 1].hash);
  AuditVerification v = Verify({AnchorAt(4), AnchorAt(10)});
  EXPECT_TRUE(v.ok()) << v.problem;
  EXPECT_EQ(v.records, 10);
  EXPECT_EQ(v.last_id, 10);
  EXPECT_EQ(v.last_hash, log_.events.back().hash);
  EXPECT_EQ(v.anchors_checked, 2);
}

TEST_F(AuditChainTest, TheHashCoversEveryField) {
  const AuditEvent original = log_.Id(5);
  std::vector<AuditEvent> variants(7, original);
  variants[0].id = 6;
  variants[1].at += std::chrono::seconds(1);
  variants[2].kind = "certificate.revoked";
  variants[3].account_id = "acct9";
  variants[4].subject = "s9";
  variants[5].details_json = R"({"n":6})";
  variants[6].prev_hash = log_.Id(3).hash;
  for (const AuditEvent& v : variants) EXPECT_NE(AuditRecordHash(v), original.hash);
  EXPECT_EQ(AuditRecordHash(original), original.hash);
  // Fields are length-prefixed: moving text from one field to the next changes the hash.
  AuditEvent shifted = original;
  shifted.kind += shifted.account_id.substr(0, 1);
  shifted.account_id = shifted.account_id.substr(1);
  EXPECT_NE(AuditRecordHash(shifted), original.hash);
}

TEST_F(AuditChainTest, AnEditedRecordIsNamed) {
  log_.Id(6).details_json = R"({"n":600})";
  AuditVerification v = Verify();
  EXPECT_EQ(v.first_bad_id, 6);
  EXPECT_NE(v.problem.find("record 6 (account.created at 2027-01-15T08:00:06Z) was edited"), std::string::npos)
      << v.problem;
  EXPECT_EQ(v.records, 5);
}

TEST_F(AuditChainTest, AnEditedRecordWithItsHashRecomputedBreaksTheNextLink) {
  log_.Id(6).subject = "forged";
  log_.Id(6).hash = AuditRecordHash(log_.Id(6));
  AuditVerification v = Verify();
  EXPECT_EQ(v.first_bad_id, 7);
  EXPECT_NE(v.problem.find("record 7 does not follow record 6"), std::string::npos) << v.problem;
}

TEST_F(AuditChainTest, ADeletedRecordIsCaughtAtTheNext) {
  log_.Erase(4);
  AuditVerification v = Verify();
  EXPECT_EQ(v.first_bad_id, 5);
  EXPECT_NE(v.problem.find("record 5 follows record 3: record 4 is missing (deleted)"), std::string::npos)
      << v.problem;
  log_.Erase(5);
  v = Verify();
  EXPECT_NE(v.problem.find("record 6 follows record 3: records 4 to 5 are missing (deleted)"), std::string::npos)
      << v.problem;
}

// Deleted, and the ids after it moved down to close the gap: the link tells.
TEST_F(AuditChainTest, ADeletedRecordWithTheIdsRenumberedIsCaughtByItsLink) {
  log_.Erase(4);
  for (AuditEvent& e : log_.events) {
    if (e.id > 4) --e.id;
  }
  AuditVerification v = Verify();
  EXPECT_EQ(v.first_bad_id, 4);
  EXPECT_NE(v.problem.find("record 4 does not follow record 3"), std::string::npos) << v.problem;
}

TEST_F(AuditChainTest, ReorderedRecordsAreCaught) {
  std::swap(log_.Id(3).id, log_.Id(4).id);  // record 4's content now sits at id 3 and the other way round
  std::sort(log_.events.begin(), log_.events.end(), [](auto& a, auto& b) { return a.id < b.id; });
  AuditVerification v = Verify();
  EXPECT_EQ(v.first_bad_id, 3);
  EXPECT_NE(v.problem.find("record 3 does not follow record 2"), std::string::npos) << v.problem;
}

TEST_F(AuditChainTest, DeletingTheFirstRecordsIsCaught) {
  log_.Erase(1);
  log_.Erase(2);
  AuditVerification v = Verify();
  EXPECT_EQ(v.first_bad_id, 3);
  EXPECT_NE(v.problem.find("the chain starts at record 3, not record 1"), std::string::npos) << v.problem;
}

// A whole chain rewritten from an edited record on links and hashes again; only an anchor taken before the
// rewrite tells.
TEST_F(AuditChainTest, ARewrittenChainIsCaughtByAnAnchorAfterTheEdit) {
  std::vector<AuditAnchorCheck> anchors = {AnchorAt(3), AnchorAt(8)};
  log_.Id(5).details_json = R"({"n":"forged"})";
  log_.Rehash(5);
  EXPECT_TRUE(Verify().ok());  // without anchors the rewrite holds together
  AuditVerification v = Verify(anchors);
  EXPECT_EQ(v.first_bad_id, 8);
  EXPECT_NE(v.problem.find("record 8 differs from anchor at 8"), std::string::npos) << v.problem;
  EXPECT_EQ(v.anchors_checked, 1);
}

TEST_F(AuditChainTest, RecordsDeletedFromTheEndAreCaughtByAnAnchor) {
  std::vector<AuditAnchorCheck> anchors = {AnchorAt(9)};
  log_.Erase(10);
  log_.Erase(9);
  EXPECT_TRUE(Verify().ok());
  AuditVerification v = Verify(anchors);
  EXPECT_EQ(v.first_bad_id, 9);
  EXPECT_NE(v.problem.find("record 9, named by anchor at 9, is missing: the chain ends at record 8"),
            std::string::npos)
      << v.problem;
}

TEST_F(AuditChainTest, AnAnchoredRecordDeletedAndTheChainRehashedIsCaught) {
  std::vector<AuditAnchorCheck> anchors = {AnchorAt(6)};
  log_.Erase(6);
  log_.Rehash(7);
  AuditVerification v = Verify(anchors);
  EXPECT_EQ(v.first_bad_id, 6);
  EXPECT_NE(v.problem.find("record 6, named by anchor at 6, is missing: deleted (the chain goes from record 5 to 7)"),
            std::string::npos)
      << v.problem;
}

TEST_F(AuditChainTest, AnEmptyLogHoldsAndAnAnchorOnItDoesNot) {
  log_.events.clear();
  AuditVerification v = Verify();
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.records, 0);
  EXPECT_EQ(v.last_hash, AuditGenesisHash());
  EXPECT_FALSE(Verify({{1, "ab", "--anchor 1:ab"}}).ok());
}

}  // namespace
}  // namespace anvil::storage
