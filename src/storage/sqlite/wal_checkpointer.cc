#include "storage/sqlite/wal_checkpointer.h"

#include <sqlite3.h>

#include <utility>

namespace anvil::storage::sqlite {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path, int busy_timeout_ms,
                                                                std::string_view synchronous_pragma,
                                                                Connection& writer) {
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                         Connection::Open(path, Connection::Mode::kReadWrite, busy_timeout_ms));
  ANVIL_RETURN_IF_ERROR(connection->Exec(std::string(synchronous_pragma)));
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(connection), writer));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<Connection> connection, Connection& writer)
    : connection_(std::move(connection)), writer_(writer), thread_([this] { Loop(); }) {
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::Hook, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

// Runs on the writer's thread after each commit, with the number of pages the WAL holds.
int WalCheckpointer::Hook(void* self, sqlite3* db, const char* schema, int pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (pages >= kBackstopPages) {
    // SQLITE_BUSY (the checkpointer thread holds the checkpoint lock) is no failure of the commit.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (pages >= kWakePages) {
    {
      std::lock_guard lock(checkpointer->mu_);
      checkpointer->wanted_ = true;
    }
    checkpointer->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || wanted_; });
      if (stopping_) return;
      wanted_ = false;
    }
    // A failure (SQLITE_BUSY while the writer's backstop checkpoints, an I/O error) leaves the pages in the
    // WAL, which stays the durable copy; the next wake or the backstop tries again.
    sqlite3_wal_checkpoint_v2(connection_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
}

}  // namespace anvil::storage::sqlite
