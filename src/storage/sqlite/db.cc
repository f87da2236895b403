#include "storage/sqlite/db.h"

#include <sqlite3.h>

#include <utility>

namespace anvil::storage::sqlite {
namespace {

Code CodeFor(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Code::kConflict;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Code::kNotFound;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return Code::kInvalidArgument;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Code::kUnavailable;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Code::kIo;
    default:
      return Code::kInternal;
  }
}

std::string Abbreviate(std::string_view sql) {
  constexpr size_t kMax = 80;
  return sql.size() <= kMax ? std::string(sql) : std::string(sql.substr(0, kMax)) + "...";
}

}  // namespace

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_rc_(other.bind_rc_),
      bind_index_(other.bind_index_) {}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Statement::Remember(int rc, int index) {
  if (rc != SQLITE_OK && bind_rc_ == 0) {
    bind_rc_ = rc;
    bind_index_ = index;
  }
}

Statement& Statement::BindText(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies, so callers may pass temporaries.
  // A null data pointer would bind SQL NULL; an empty view must stay an empty value.
  const char* data = value.data() != nullptr ? value.data() : "";
  Remember(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  Remember(sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT), index);
  return *this;
}

Statement& Statement::BindInt(int index, int64_t value) {
  Remember(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::BindNull(int index) {
  Remember(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Statement& Statement::BindTime(int index, TimePoint t) { return BindInt(index, ToUnixSeconds(t)); }

Statement& Statement::BindOptionalTime(int index, const std::optional<TimePoint>& t) {
  return t.has_value() ? BindTime(index, *t) : BindNull(index);
}

Statement& Statement::BindTextOrNull(int index, std::string_view value) {
  return value.empty() ? BindNull(index) : BindText(index, value);
}

Result<bool> Statement::Step() {
  if (bind_rc_ != 0) {
    return connection_->ErrorStatus(bind_rc_, "bind parameter " + std::to_string(bind_index_) + " of \"" +
                                                  Abbreviate(sqlite3_sql(stmt_)) + "\"");
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->ErrorStatus(rc, Abbreviate(sqlite3_sql(stmt_)));
}

Status Statement::Run() {
  while (true) {
    ANVIL_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Statement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string Statement::ColumnBlob(int index) const {
  const void* blob = sqlite3_column_blob(stmt_, index);
  if (blob == nullptr) return std::string();
  return std::string(static_cast<const char*>(blob), static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

int64_t Statement::ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }

bool Statement::ColumnIsNull(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

TimePoint Statement::ColumnTime(int index) const { return FromUnixSeconds(ColumnInt(index)); }

std::optional<TimePoint> Statement::ColumnOptionalTime(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnTime(index);
}

// ---- Connection ----

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode,
                                                     int busy_timeout_ms) {
  sqlite3* db = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (see the header), so SQLite's per-connection mutex
  // would only cost time.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == Mode::kReadWrite) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<Connection> connection(new Connection(db));
  if (rc != SQLITE_OK) {
    return connection->ErrorStatus(rc, "open " + path);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  if (mode == Mode::kReadOnly) ANVIL_RETURN_IF_ERROR(connection->Exec("PRAGMA query_only = ON"));
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  // sqlite3_close_v2 never fails for lack of finalization; the last connection checkpoints the WAL.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) return ErrorStatus(rc, "prepare \"" + Abbreviate(sql) + "\"");
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Statement(this, it->second);
}

Status Connection::Exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string text = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Error(CodeFor(rc),
               "sqlite: " + text + " (" + std::to_string(rc) + ") in \"" + Abbreviate(sql) + "\"");
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

Status Connection::ErrorStatus(int rc, std::string_view context) const {
  const char* text = db_ != nullptr && sqlite3_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return Error(CodeFor(rc),
               "sqlite: " + std::string(text) + " (" + std::to_string(rc) + ") in " + std::string(context));
}

// ---- Transaction ----

Result<Transaction> Transaction::Begin(Connection& connection, Kind kind) {
  ANVIL_ASSIGN_OR_RETURN(Statement begin,
                         connection.Prepare(kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
  ANVIL_RETURN_IF_ERROR(begin.Run());
  return Transaction(&connection);
}

Status Transaction::Commit() {
  if (connection_ == nullptr) return Error(Code::kInternal, "commit of a finished transaction");
  ANVIL_ASSIGN_OR_RETURN(Statement commit, connection_->Prepare("COMMIT"));
  ANVIL_RETURN_IF_ERROR(commit.Run());
  connection_ = nullptr;
  return Status::Ok();
}

Transaction::~Transaction() {
  if (connection_ == nullptr) return;
  // A failed COMMIT (e.g. I/O error) may have rolled back already; only roll back what is still open.
  if (sqlite3_get_autocommit(connection_->handle()) == 0) {
    auto rollback = connection_->Prepare("ROLLBACK");
    if (rollback.ok()) (void)rollback->Run();
  }
}

}  // namespace anvil::storage::sqlite
