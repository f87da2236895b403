#include "storage/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "storage/sqlite/migrations.h"
#include "storage/sqlite/sqlite_store_impl.h"
#include "storage/sqlite/wal_checkpointer.h"

namespace anvil::storage {
namespace sqlite {
namespace {

// Reader connections are opened on demand up to this many; further readers wait for one to be returned.
constexpr int kMaxReadConnections = 8;

}  // namespace

SqliteStore::SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer,
                         std::unique_ptr<WalCheckpointer> checkpointer)
    : options_(std::move(options)),
      writer_(std::move(writer)),
      checkpointer_(std::move(checkpointer)),
      committer_([this] { CommitLoop(); }) {}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  committer_cv_.notify_one();
  committer_.join();
  checkpointer_.reset();  // before writer_ closes: it removes its hook from writer_
}

Result<SqliteStore::ReaderLease> SqliteStore::AcquireReader() {
  {
    std::unique_lock lock(readers_mu_);
    readers_cv_.wait(lock, [&] { return !idle_readers_.empty() || open_readers_ < kMaxReadConnections; });
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(c));
    }
    ++open_readers_;
  }
  // Open outside the lock; the slot is reserved.
  auto opened = Connection::Open(options_.path, Connection::Mode::kReadOnly, options_.busy_timeout_ms);
  if (!opened.ok()) {
    std::lock_guard lock(readers_mu_);
    --open_readers_;
    readers_cv_.notify_one();
    return opened.status();
  }
  return ReaderLease(this, std::move(opened).value());
}

void SqliteStore::ReturnReader(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(std::move(connection));
  readers_cv_.notify_one();
}

void SqliteStore::CommitLoop() {
  std::vector<PendingWrite*> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      committer_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch.swap(queue_);
    }
    if (options_.on_commit) {
      const auto started = std::chrono::steady_clock::now();
      RunBatch(batch);
      options_.on_commit(std::chrono::steady_clock::now() - started, batch.size());
    } else {
      RunBatch(batch);
    }
    for (PendingWrite* w : batch) {
      // Moved out first: once woken, the writer may return and destroy its PendingWrite.
      fiber::Wake wake = std::move(w->wake);
      wake();
    }
    batch.clear();
  }
}

void SqliteStore::RunBatch(const std::vector<PendingWrite*>& batch) {
  auto txn = Transaction::Begin(*writer_, Transaction::Kind::kWrite);
  if (!txn.ok()) {
    for (PendingWrite* w : batch) w->result = txn.status();
    return;
  }
  if (batch.size() == 1) {
    batch[0]->result = batch[0]->body(*writer_);
    if (batch[0]->result.ok()) batch[0]->result = txn->Commit();
    return;
  }
  bool any_ok = false;
  for (PendingWrite* w : batch) {
    Status s = RunSavepoint("SAVEPOINT anvil_write");
    if (s.ok()) {
      s = w->body(*writer_);
      Status end = s.ok()                                         ? RunSavepoint("RELEASE anvil_write")
                   : RunSavepoint("ROLLBACK TO anvil_write").ok() ? RunSavepoint("RELEASE anvil_write")
                                                                  : Error(Code::kInternal, "rollback failed");
      if (s.ok() && !end.ok()) s = end;
    }
    w->result = s;
    any_ok = any_ok || s.ok();
  }
  if (!any_ok) return;  // the transaction rolls back when `txn` goes out of scope
  Status committed = txn->Commit();
  if (!committed.ok()) {
    for (PendingWrite* w : batch) {
      if (w->result.ok()) w->result = committed;
    }
  }
}

Status SqliteStore::RunSavepoint(std::string_view sql) {
  ANVIL_ASSIGN_OR_RETURN(Statement st, writer_->Prepare(sql));
  return st.Run();
}

}  // namespace sqlite

namespace {

using sqlite::Connection;
using sqlite::Statement;

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// An existing database file must look like one before SQLite opens it, because SQLite would treat an empty
// file as a new database and answer most damage only when the damaged page is first read: a start-up over a
// database truncated to nothing would begin a new CA history (issue 13: never start fresh over a database).
// Checks the header (https://www.sqlite.org/fileformat.html §1.3): the 16-octet magic, a page size that is a
// power of two in 512..65536, and, when no WAL holds newer pages, a file at least as long as its in-header
// page count says (that count is valid only when the change counter at offset 24 equals the
// version-valid-for number at offset 92). A WAL with frames may legitimately extend the file beyond its size
// (a crash during a checkpoint), so the size is then left to SQLite. `fd` is open on `path`.
Status CheckExistingDatabase(int fd, const std::string& path, const struct stat& st) {
  if (st.st_size == 0) {
    return Error(Code::kInternal,
                 "the database " + path +
                     " exists but is empty: it was truncated, or a first start stopped before writing it; "
                     "anvil-ca will not start a new database over it (restore it from a backup, or remove it "
                     "to start a new CA history)");
  }
  unsigned char header[100] = {};
  ssize_t got = ::pread(fd, header, sizeof header, 0);
  if (got < 0) return Error(Code::kIo, "read " + path + ": " + std::strerror(errno));
  static constexpr char kMagic[] = "SQLite format 3";  // with its terminating NUL: 16 octets
  if (got < static_cast<ssize_t>(sizeof header) || std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    return Error(Code::kInternal, "the database " + path +
                                      " is not an SQLite database (its header is damaged or it is another "
                                      "file); anvil-ca will not start over it");
  }
  uint32_t page_size = (uint32_t{header[16]} << 8) | header[17];
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
    return Error(Code::kInternal, "the database " + path + " is damaged: its header gives page size " +
                                      std::to_string(page_size));
  }
  const uint32_t pages = BigEndian32(header + 28);
  const bool count_valid = pages != 0 && BigEndian32(header + 24) == BigEndian32(header + 92);
  struct stat wal {};
  const bool wal_has_frames = ::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 32;
  if (count_valid && !wal_has_frames && static_cast<uint64_t>(st.st_size) < uint64_t{pages} * page_size) {
    const uint64_t want = uint64_t{pages} * page_size;
    return Error(Code::kInternal, "the database " + path + " is truncated: " + std::to_string(st.st_size) +
                                      " bytes, its header says " + std::to_string(want) +
                                      "; anvil-ca will not start over it");
  }
  return Status::Ok();
}

// Creates the file (mode 0600) before SQLite does, so that SQLite, which gives -wal and -shm the mode of the
// database file, creates those 0600 too. Setting the umask instead would race with other threads. An
// existing file is checked first (CheckExistingDatabase).
Status PrepareFile(const std::string& path) {
  bool created = true;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  }
  if (fd < 0) return Error(Code::kIo, "open " + path + ": " + std::strerror(errno));
  struct stat st {};
  Status status = Status::Ok();
  if (::fstat(fd, &st) != 0) {
    status = Error(Code::kIo, "stat " + path + ": " + std::strerror(errno));
  } else if (!created && !(status = CheckExistingDatabase(fd, path, st)).ok()) {
    // refused as it is: not even its mode is changed
  } else if ((st.st_mode & 0777) != 0600 && ::fchmod(fd, 0600) != 0) {
    status = Error(Code::kIo, "chmod 0600 " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  ANVIL_RETURN_IF_ERROR(status);
  // Companions left by an earlier run with a looser mode.
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string companion = path + suffix;
    struct stat cst {};
    if (::stat(companion.c_str(), &cst) == 0 && (cst.st_mode & 0777) != 0600 &&
        ::chmod(companion.c_str(), 0600) != 0) {
      return Error(Code::kIo, "chmod 0600 " + companion + ": " + std::strerror(errno));
    }
  }
  if (created) {
    // Make the new directory entry durable, or a power loss could lose the whole database file.
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = ".";
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return Error(Code::kIo, "open directory " + dir.string() + ": " + std::strerror(errno));
    int rc = ::fsync(dfd);
    ::close(dfd);
    if (rc != 0) return Error(Code::kIo, "fsync directory " + dir.string() + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

std::string_view SynchronousPragma(Durability durability) {
  switch (durability) {
    case Durability::kFull:
      return "PRAGMA synchronous = FULL";
    case Durability::kNormal:
      return "PRAGMA synchronous = NORMAL";
    case Durability::kOff:
      return "PRAGMA synchronous = OFF";
  }
  return "PRAGMA synchronous = FULL";
}

}  // namespace

namespace {

Result<std::unique_ptr<Store>> Open(const SqliteOptions& options) {
  if (options.path.empty() || options.path == ":memory:") {
    return Error(Code::kInvalidArgument,
                 "sqlite: path must name a database file, got \"" + options.path + "\"");
  }
  if (options.busy_timeout_ms < 0) {
    return Error(Code::kInvalidArgument, "sqlite: busy_timeout_ms must not be negative");
  }
  ANVIL_RETURN_IF_ERROR(PrepareFile(options.path));
  ANVIL_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> writer,
      Connection::Open(options.path, Connection::Mode::kReadWrite, options.busy_timeout_ms));
  {
    ANVIL_ASSIGN_OR_RETURN(Statement wal, writer->Prepare("PRAGMA journal_mode = WAL"));
    ANVIL_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (!row || wal.ColumnText(0) != "wal") {
      return Error(Code::kIo, "sqlite: cannot switch " + options.path + " to WAL mode");
    }
  }
  ANVIL_RETURN_IF_ERROR(writer->Exec(std::string(SynchronousPragma(options.durability))));
  ANVIL_RETURN_IF_ERROR(writer->Exec("PRAGMA foreign_keys = ON"));
  SystemClock system_clock;
  const Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  ANVIL_RETURN_IF_ERROR(sqlite::Migrate(*writer, clock.Now()));
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::WalCheckpointer> checkpointer,
                         sqlite::WalCheckpointer::Start(options.path, options.busy_timeout_ms,
                                                        SynchronousPragma(options.durability), *writer));
  return std::unique_ptr<Store>(new sqlite::SqliteStore(options, std::move(writer), std::move(checkpointer)));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  auto store = Open(options);
  // Whatever failed, the operator must learn which file: SQLite's own messages ("file is not a database")
  // do not say.
  if (!store.ok() && !options.path.empty() &&
      store.status().message().find(options.path) == std::string::npos) {
    return Status(store.status().code(), options.path + ": " + store.status().message());
  }
  return store;
}

}  // namespace anvil::storage
