// The SQLite store's audit trail: the migration that chains records written before it, the triggers that
// refuse changes, and tampering done with the triggers dropped, caught by VerifyAuditChain.
#include <gtest/gtest.h>

#include "storage/audit_chain.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite/sqlite_test_support.h"

namespace anvil::storage {
namespace {

class SqliteAuditTest : public sqlite::SqliteFileTest {
 protected:
  std::unique_ptr<Store> Open() {
    SqliteOptions options;
    options.path = path_;
    Result<std::unique_ptr<Store>> store = OpenSqliteStore(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  void Append(Store& store, int n) {
    for (int i = 0; i < n; ++i) {
      AuditEvent e;
      e.at = FromUnixSeconds(1'800'000'000 + i);
      e.kind = "order.created";
      e.account_id = "a1";
      e.subject = "o" + std::to_string(i);
      e.details_json = "{}";
      ASSERT_TRUE(store.AppendAudit(e).ok());
    }
  }

  AuditVerification Verify(Store& store) {
    Result<AuditVerification> v = VerifyAuditChain(store, {});
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : AuditVerification{};
  }
};

TEST_F(SqliteAuditTest, Migration7ChainsTheRecordsOfAnOlderDatabase) {
  {
    std::unique_ptr<sqlite::Connection> raw = Raw();
    ASSERT_NE(raw, nullptr);
    sqlite::CreateDatabaseAtVersion(*raw, 6);
    for (int i = 1; i <= 3; ++i) {
      ASSERT_TRUE(raw->Exec("INSERT INTO audit_log (at, kind, account_id, subject, details_json) VALUES (" +
                            std::to_string(1'700'000'000 + i) + ", 'certificate.issued', 'a', 's" +
                            std::to_string(i) + "', '{}')")
                      .ok());
    }
  }
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  Append(*store, 1);
  Result<std::vector<AuditEvent>> all = store->ListAudit(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].prev_hash, AuditGenesisHash());
  EXPECT_EQ((*all)[0].subject, "s1");
  EXPECT_EQ((*all)[3].id, 4);
  EXPECT_EQ((*all)[3].prev_hash, (*all)[2].hash);
  AuditVerification v = Verify(*store);
  EXPECT_TRUE(v.ok()) << v.problem;
  EXPECT_EQ(v.records, 4);
}

TEST_F(SqliteAuditTest, TriggersRefuseToChangeOrDeleteRecordsAndAnchors) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  Append(*store, 2);
  AuditAnchor anchor;
  anchor.at = FromUnixSeconds(1'800'000'000);
  anchor.head_id = 2;
  anchor.head_hash = "h";
  ASSERT_TRUE(store->AppendAuditAnchor(anchor).ok());
  std::unique_ptr<sqlite::Connection> raw = Raw();
  ASSERT_NE(raw, nullptr);
  for (const char* sql : {"UPDATE audit_log SET details_json = '{\"x\":1}' WHERE id = 1",
                          "DELETE FROM audit_log WHERE id = 2", "UPDATE audit_anchors SET head_id = 1",
                          "DELETE FROM audit_anchors"}) {
    Status s = raw->Exec(sql);
    EXPECT_FALSE(s.ok()) << sql;
    EXPECT_NE(s.message().find("is append-only"), std::string::npos) << s.ToString();
  }
  EXPECT_TRUE(Verify(*store).ok());
}

// Someone who can write the file can drop the triggers; the chain still tells.
TEST_F(SqliteAuditTest, TamperingWithTheTriggersDroppedIsCaught) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  Append(*store, 5);
  std::unique_ptr<sqlite::Connection> raw = Raw();
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(raw->Exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete").ok());

  ASSERT_TRUE(raw->Exec("UPDATE audit_log SET subject = 'other' WHERE id = 3").ok());
  AuditVerification v = Verify(*store);
  EXPECT_EQ(v.first_bad_id, 3);
  EXPECT_NE(v.problem.find("record 3 (order.created at 2027-01-15T08:00:02Z) was edited"), std::string::npos)
      << v.problem;
  ASSERT_TRUE(raw->Exec("UPDATE audit_log SET subject = 'o2' WHERE id = 3").ok());
  EXPECT_TRUE(Verify(*store).ok());

  // The newest records deleted, and new ones appended: their ids leave the gap.
  ASSERT_TRUE(raw->Exec("DELETE FROM audit_log WHERE id >= 4").ok());
  EXPECT_TRUE(Verify(*store).ok());  // a cut tail alone is for anchors to catch
  Append(*store, 1);
  v = Verify(*store);
  EXPECT_EQ(v.first_bad_id, 6);
  EXPECT_NE(v.problem.find("record 6 follows record 3: records 4 to 5 are missing (deleted)"), std::string::npos)
      << v.problem;
}

}  // namespace
}  // namespace anvil::storage
