// The embedded default Store: one SQLite database file in WAL mode (docs/storage.md has the schema, the
// migrations and what each Durability level risks).
//
// Thread-safety: the returned Store is thread-safe. Writes are serialized in-process on one writer connection
// (each method is one BEGIN IMMEDIATE transaction, so concurrent writers never meet SQLITE_BUSY from each
// other); reads run concurrently on a small pool of reader connections, each read seeing one committed
// snapshot. Another process may open the same file; busy_timeout_ms bounds how long a write waits for it.
//
// Files: the database and its -wal/-shm companions are created with mode 0600 (an existing, looser file is
// tightened to 0600): the database holds EAB HMAC keys.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"

namespace anvil::storage {

// How much a committed write survives (SQLite's `synchronous` pragma in WAL mode).
enum class Durability {
  kFull,    // synchronous=FULL: the WAL is fsynced at every commit; a committed write survives power loss.
  kNormal,  // synchronous=NORMAL: survives a process crash; the last commits may be lost on power loss/OS crash.
  kOff,     // synchronous=OFF: no fsync at all; an OS crash may corrupt the database. Tests and benchmarks only.
};

struct SqliteOptions {
  std::string path;  // the database file; its directory must exist. Created if missing.
  Durability durability = Durability::kFull;
  int busy_timeout_ms = 5000;  // how long to wait for a lock held by another process
  // Time source for the schema_migrations rows, the only times the store makes itself (every other time is
  // the caller's). Null: the system clock.
  const Clock* clock = nullptr;
  // A certificate listing with a name filter starts from the name indexes when they hold fewer than this many
  // matching names, else it walks the listing's order and checks each certificate's names (docs/inventory.md,
  // "Name filters"). Tests set 0 to check the second plan.
  int name_index_limit = 5000;
  // Told of each group commit (one transaction of the writes queued meanwhile; docs/storage.md): how long it
  // took on the committer thread from BEGIN to the end of COMMIT (the fsync included), and how many writes it
  // carried. For metrics; called on the committer thread, so it must be quick and must not throw. Empty: none.
  std::function<void(std::chrono::nanoseconds elapsed, size_t writes)> on_commit = nullptr;
};

// Opens (creating if needed) the database and brings its schema up to date. An existing file is never
// replaced by a new database: one that is empty, is not an SQLite database or is shorter than its header
// says is refused as it is (kInternal). Errors: kInvalidArgument for a bad option or a database whose schema
// is newer than this build knows; kIo when the file cannot be created or opened (a directory in its place,
// no permission); kInternal for a damaged database; kUnavailable when another process holds the database
// locked beyond busy_timeout_ms. Every error's message names the file.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace anvil::storage
