// For the SQLite store's own tests: a temporary directory holding anvil.db, a raw connection to inspect or tamper
// with the file, and a database built only up to an older schema version, as an older anvil-ca left it (to
// test a migration).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/sqlite/db.h"
#include "storage/sqlite/migrations.h"

namespace anvil::storage::sqlite {

// Applies migrations 1 to `version` to the database behind `c` and records them, as Migrate would have.
inline void CreateDatabaseAtVersion(Connection& c, int version) {
  ASSERT_TRUE(c.Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
                  .ok());
  for (const Migration& m : Migrations()) {
    if (m.version > version) break;
    ASSERT_TRUE(c.Exec(std::string(m.sql)).ok()) << m.description;
    if (m.backfill != nullptr) {
      ASSERT_TRUE(m.backfill(c).ok()) << m.description;
    }
    ASSERT_TRUE(c.Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 0)").ok());
  }
}

class SqliteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "anvil-sqlite-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/anvil.db";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::unique_ptr<Connection> Raw() {
    auto c = Connection::Open(path_, Connection::Mode::kReadWrite, 1000);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  std::string dir_;
  std::string path_;
};

}  // namespace anvil::storage::sqlite
