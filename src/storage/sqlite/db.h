// A thin RAII layer over the SQLite C API for storage/sqlite: a Connection owns one sqlite3 handle and a
// cache of its prepared statements; a Statement is a borrowed, bound use of one cached statement that is
// reset when it goes out of scope; a Transaction rolls back unless committed. SQLite result codes become
// Status: UNIQUE/PRIMARY KEY violations → kConflict, FOREIGN KEY violations → kNotFound, BUSY/LOCKED →
// kUnavailable, I/O and disk-full errors → kIo, everything else → kInternal (messages carry SQLite's text and
// the SQL).
//
// Thread-safety: a Connection and everything borrowed from it belong to one thread at a time (the store hands
// whole connections to threads under its own mutexes). Statements of one Connection may be alive at the same
// time only if their SQL texts differ.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "base/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace anvil::storage::sqlite {

class Connection;

// One use of a cached prepared statement: bind (1-based indexes), then Step/Run, then read columns.
// Bind errors are remembered and reported by the next Step/Run, so call sites stay linear.
class Statement {
 public:
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();  // resets the statement and clears its bindings, releasing any read snapshot it held

  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindInt(int index, int64_t value);
  Statement& BindBool(int index, bool value) { return BindInt(index, value ? 1 : 0); }
  Statement& BindNull(int index);
  Statement& BindTime(int index, TimePoint t);  // as Unix seconds
  Statement& BindOptionalTime(int index, const std::optional<TimePoint>& t);
  Statement& BindTextOrNull(int index, std::string_view value);  // NULL when empty

  // true: a row is available; false: done.
  Result<bool> Step();
  // Steps to completion, for statements that return no rows.
  Status Run();

  // Column accessors (0-based) for the current row.
  std::string ColumnText(int index) const;  // "" for NULL
  std::string ColumnBlob(int index) const;  // "" for NULL
  int64_t ColumnInt(int index) const;       // 0 for NULL
  bool ColumnIsNull(int index) const;
  TimePoint ColumnTime(int index) const;
  std::optional<TimePoint> ColumnOptionalTime(int index) const;

 private:
  friend class Connection;
  Statement(Connection* connection, sqlite3_stmt* stmt) : connection_(connection), stmt_(stmt) {}
  void Remember(int rc, int index);

  Connection* connection_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;  // first failing sqlite3_bind_* result, 0 if none
  int bind_index_ = 0;
};

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens the database file at `path` with extended result codes and the busy timeout set. kReadWrite creates
  // the file if it does not exist (with SQLite's default mode: callers that care create it first). kReadOnly
  // never creates it, and is opened read-write (WAL readers need the shared-memory file) with PRAGMA
  // query_only.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A statement from the cache, prepared on first use.
  Result<Statement> Prepare(std::string_view sql);
  // Runs SQL text without parameters (pragmas, migrations); several statements allowed.
  Status Exec(const std::string& sql);
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t Changes() const;

  // A Status for SQLite result code `rc` on this connection, with `context` in the message.
  Status ErrorStatus(int rc, std::string_view context) const;

  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE (write) or BEGIN (read snapshot) on construction; rolls back on destruction unless Commit()
// succeeded.
class Transaction {
 public:
  enum class Kind { kRead, kWrite };
  static Result<Transaction> Begin(Connection& connection, Kind kind);
  Transaction(Transaction&& other) noexcept : connection_(other.connection_) { other.connection_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}
  Connection* connection_;  // null once committed or rolled back
};

}  // namespace anvil::storage::sqlite
