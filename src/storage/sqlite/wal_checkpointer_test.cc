#include "storage/sqlite/wal_checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite/sqlite_test_support.h"

namespace anvil::storage {
namespace {

class WalCheckpointerTest : public sqlite::SqliteFileTest {};

AuditEvent Bulky(int i) {
  AuditEvent e;
  e.at = FromUnixSeconds(1700000000 + i);
  e.kind = "test.bulk";
  e.subject = "s" + std::to_string(i);
  e.details_json = "{\"pad\":\"" + std::string(3000, 'x') + "\"}";  // most of a page each
  return e;
}

// SQLite's own autocheckpoint is replaced by the hook: the database file grows while the store is open only
// if the checkpointer thread copies the WAL into it.
TEST_F(WalCheckpointerTest, TheWalIsCopiedIntoTheDatabaseWhileTheStoreIsOpen) {
  SqliteOptions options;
  options.path = path_;
  options.durability = Durability::kOff;  // 2,000 commits without 2,000 fsyncs; checkpoints are the same
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const auto initial = std::filesystem::file_size(path_);
  // 1,200 records of most of a page each, one commit each: past kWakePages pages of WAL, and (each commit
  // also rewrites an index page, an interior page and sqlite_sequence) short of kBackstopPages.
  constexpr int kRecords = 1200;
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_TRUE((*store)->AppendAudit(Bulky(i)).ok());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::filesystem::file_size(path_) < initial + 1000 * 4096 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(std::filesystem::file_size(path_), initial + 1000 * 4096);
  // The WAL stays bounded: it restarts from its beginning once copied, well below the backstop.
  EXPECT_LT(std::filesystem::file_size(path_ + "-wal"),
            static_cast<uintmax_t>(sqlite::WalCheckpointer::kBackstopPages) * 4200);
  Result<std::vector<AuditEvent>> last = (*store)->ListAudit(kRecords - 1, 10);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->size(), 1u);
}

}  // namespace
}  // namespace anvil::storage
