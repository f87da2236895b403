// The SQLite schema as an ordered list of versioned migrations, and the code that brings a database up to
// date. Applied versions are recorded in `schema_migrations(version, applied_at)`; each migration runs in its
// own BEGIN IMMEDIATE transaction together with its row there, so a crash leaves the database at a clean
// version and two processes opening the same new file do not both apply a migration. A database whose
// recorded version is newer than the code knows is refused (a downgrade would silently misread it).
//
// To change the schema, append a migration to the list in migrations.cc; never edit one that has shipped.
//
// Thread-safety: Migrate() must run on a connection no other thread is using.
#pragma once

#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "storage/sqlite/db.h"

namespace anvil::storage::sqlite {

struct Migration {
  int version;  // 1, 2, 3, ... without gaps
  std::string_view description;
  std::string_view sql;  // statements without parameters
  // Run after `sql` in the same transaction, for what SQL alone cannot compute (e.g. hashing existing audit
  // rows, decoding RFC 9773 certificate IDs to fill a new column); null for most migrations.
  Status (*backfill)(Connection& connection) = nullptr;
};

// All migrations known to this build, in order.
const std::vector<Migration>& Migrations();
int LatestSchemaVersion();

// The highest version recorded in schema_migrations, 0 for a fresh database.
Result<int> CurrentSchemaVersion(Connection& connection);

// Applies the missing migrations (recording each with `now`). kInvalidArgument if the database's version is
// newer than LatestSchemaVersion().
Status Migrate(Connection& connection, TimePoint now);

}  // namespace anvil::storage::sqlite
