// Internal to storage/sqlite: checkpoints the write-ahead log on a thread and connection of its own, so that
// the committer thread, and every write queued behind it, never waits for one.
//
// SQLite's default (wal_autocheckpoint = 1000 pages) runs the checkpoint inside the commit that crossed the
// threshold: on the committer thread, copying every page the WAL holds into the database file and fsyncing
// it while the next batch of writes waits. Here a WAL hook on the writer only wakes the checkpointer thread,
// which runs a PASSIVE checkpoint (it copies what no reader still needs and never blocks the writer or a
// reader). Under steady writes the WAL may not be wholly copied when the writer next looks, and SQLite
// restarts the log only then; so past kBackstopPages the hook checkpoints inline as SQLite would (by then
// most pages are copied already), which bounds the WAL at about that size.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "storage/sqlite/db.h"

namespace anvil::storage::sqlite {

class WalCheckpointer {
 public:
  static constexpr int kWakePages = 1000;       // SQLite's own autocheckpoint threshold
  static constexpr int kBackstopPages = 10000;  // about 40 MB of 4 KiB pages

  // Opens its connection on `path` (with `synchronous_pragma`, as the writer's) and installs the hook on
  // `writer`, replacing SQLite's autocheckpoint. `writer` must outlive this object and be idle when it is
  // destroyed (the destructor removes the hook).
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path, int busy_timeout_ms,
                                                        std::string_view synchronous_pragma, Connection& writer);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  WalCheckpointer(std::unique_ptr<Connection> connection, Connection& writer);
  static int Hook(void* self, sqlite3* db, const char* schema, int pages);
  void Loop();

  std::unique_ptr<Connection> connection_;  // used only by thread_
  Connection& writer_;
  std::mutex mu_;  // guards wanted_ and stopping_
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace anvil::storage::sqlite
