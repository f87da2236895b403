// Migrations that change what existing rows mean (the others are covered where their tables are tested:
// sqlite_audit_test.cc for 7, sqlite_inventory_test.cc for 8 and 9), and the indexes of migration 12.
#include <gtest/gtest.h>

#include "storage/sqlite/sqlite_rows.h"
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

// EXPLAIN QUERY PLAN of `sql` (two text parameters), its detail lines joined.
std::string Plan(sqlite::Connection& c, const char* sql) {
  auto plan = c.Prepare(std::string("EXPLAIN QUERY PLAN ") + sql);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return "";
  plan->BindText(1, "partners").BindText(2, "valid");
  std::string lines;
  while (true) {
    Result<bool> row = plan->Step();
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    if (!row.ok() || !*row) return lines;
    lines += plan->ColumnText(3) + "\n";
  }
}

// Migration 12: a run-time policy's deletion asks what still binds it through the partial indexes, never by
// scanning every account.
TEST_F(SqliteMigrationsTest, APolicysBindersAreFoundThroughThePartialIndexes) {
  SqliteOptions options;
  options.path = path_;
  ASSERT_TRUE(OpenSqliteStore(options).ok());
  std::unique_ptr<sqlite::Connection> raw = Raw();
  ASSERT_NE(raw, nullptr);
  const std::string direct = Plan(*raw, sqlite::kAccountBoundToPolicySql);
  EXPECT_NE(direct.find("USING INDEX accounts_by_policy"), std::string::npos) << direct;
  const std::string through_eab = Plan(*raw, sqlite::kAccountBoundThroughEabKeySql);
  EXPECT_NE(through_eab.find("SEARCH a USING INDEX accounts_by_eab_kid (eab_kid=?)"), std::string::npos)
      << through_eab;
}

}  // namespace
}  // namespace anvil::storage
