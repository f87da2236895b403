// Migrations that change what existing rows mean (the others are covered where their tables are tested:
// sqlite_audit_test.cc for 7, sqlite_inventory_test.cc for 8 and 9).
#include <gtest/gtest.h>

#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite/sqlite_test_support.h"
#include "storage/testing/conformance_util.h"

namespace anvil::storage {
namespace {

class SqliteMigrationsTest : public sqlite::SqliteFileTest {};

// Migration 10: every EAB key so far bound one account at most; a bound one has used its single use.
TEST_F(SqliteMigrationsTest, EabKeysBoundBeforeTheLifecycleHaveUsedTheirOneUse) {
  {
    std::unique_ptr<sqlite::Connection> raw = Raw();
    ASSERT_NE(raw, nullptr);
    sqlite::CreateDatabaseAtVersion(*raw, 9);
    ASSERT_TRUE(raw->Exec("INSERT INTO accounts VALUES ('a1', '{}', 't1', '[]', 'valid', 1, 'bound', 0)").ok());
    ASSERT_TRUE(raw->Exec("INSERT INTO eab_keys (kid, hmac_key, account_id, comment, created_at) VALUES "
                          "('bound', x'01', 'a1', 'old', 0), ('free', x'02', NULL, 'spare', 0)")
                    .ok());
  }
  SqliteOptions options;
  options.path = path_;
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<EabKey> bound = (*store)->GetEabKey("bound");
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ(bound->uses, 1);
  EXPECT_EQ(bound->max_uses, 1);
  EXPECT_EQ(bound->policy, "");
  EXPECT_FALSE(bound->expires_at.has_value());
  EXPECT_FALSE(bound->revoked_at.has_value());
  Result<EabKey> spare = (*store)->GetEabKey("free");
  ASSERT_TRUE(spare.ok());
  EXPECT_EQ(spare->uses, 0);
  EXPECT_EQ((*store)->GetAccount("a1")->policy, "");
  // The old rule still holds for the bound key: a second account is refused.
  Account second = testing::MakeAccount("a2");
  second.eab_kid = "bound";
  EXPECT_EQ((*store)->CreateAccount(second, testing::Note("account.created")).code(), Code::kUnauthorized);
  second.eab_kid = "free";
  EXPECT_TRUE((*store)->CreateAccount(second, testing::Note("account.created")).ok());
}

}  // namespace
}  // namespace anvil::storage
