#include "storage/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/fiber.h"
#include "storage/internal/codec.h"
#include "storage/sqlite/account_cache.h"
#include "storage/sqlite/db.h"
#include "storage/sqlite/migrations.h"

namespace anvil::storage {
namespace {

using internal::CheckLimit;
using internal::Name;
using internal::NotFound;
using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;

// Reader connections are opened on demand up to this many; further readers wait for one to be returned.
constexpr int kMaxReadConnections = 8;

// Column lists shared by the SELECTs and the row decoders below (the decoders read them by position).
#define ANVIL_ACCOUNT_COLUMNS \
  "id, jwk_json, thumbprint, contacts_json, status, tos_agreed, eab_kid, created_at"
#define ANVIL_ORDER_COLUMNS                                                                            \
  "id, account_id, status, identifiers_json, authorization_ids_json, not_before, not_after, expires, " \
  "created_at, profile, replaces, error_json, certificate_serial"
#define ANVIL_AUTHORIZATION_COLUMNS \
  "id, account_id, identifier_type, identifier_value, wildcard, status, expires, created_at"
#define ANVIL_CERTIFICATE_COLUMNS                                                              \
  "serial, order_id, account_id, state, tbs_der, der, issuer_chain_pem, names_json, profile, " \
  "authority_key_id, "                                                                         \
  "not_before, not_after, created_at, revoked_at, revocation_reason"
#define ANVIL_EAB_COLUMNS "kid, hmac_key, account_id, comment, created_at"
#define ANVIL_AUDIT_COLUMNS "id, at, kind, account_id, subject, details_json"

Status Annotate(const Status& status, std::string_view what) {
  return Error(status.code(), std::string(what) + ": " + status.message());
}

Result<Account> ReadAccount(const Statement& s) {
  Account a;
  a.id = s.ColumnText(0);
  a.jwk_json = s.ColumnText(1);
  a.thumbprint = s.ColumnText(2);
  ANVIL_ASSIGN_OR_RETURN(a.contacts, internal::DecodeStringList(s.ColumnText(3)));
  ANVIL_ASSIGN_OR_RETURN(a.status, internal::ParseAccountStatusName(s.ColumnText(4)));
  a.tos_agreed = s.ColumnInt(5) != 0;
  a.eab_kid = s.ColumnText(6);
  a.created_at = s.ColumnTime(7);
  return a;
}

Result<Order> ReadOrder(const Statement& s) {
  Order o;
  o.id = s.ColumnText(0);
  o.account_id = s.ColumnText(1);
  ANVIL_ASSIGN_OR_RETURN(o.status, internal::ParseOrderStatusName(s.ColumnText(2)));
  ANVIL_ASSIGN_OR_RETURN(o.identifiers, internal::DecodeIdentifiers(s.ColumnText(3)));
  ANVIL_ASSIGN_OR_RETURN(o.authorization_ids, internal::DecodeStringList(s.ColumnText(4)));
  o.not_before = s.ColumnOptionalTime(5);
  o.not_after = s.ColumnOptionalTime(6);
  o.expires = s.ColumnTime(7);
  o.created_at = s.ColumnTime(8);
  o.profile = s.ColumnText(9);
  o.replaces = s.ColumnText(10);
  o.error_json = s.ColumnText(11);
  o.certificate_serial = s.ColumnText(12);
  return o;
}

Result<Authorization> ReadAuthorization(const Statement& s) {
  Authorization a;
  a.id = s.ColumnText(0);
  a.account_id = s.ColumnText(1);
  ANVIL_ASSIGN_OR_RETURN(a.identifier.type, internal::ParseIdentifierTypeName(s.ColumnText(2)));
  a.identifier.value = s.ColumnText(3);
  a.wildcard = s.ColumnInt(4) != 0;
  ANVIL_ASSIGN_OR_RETURN(a.status, internal::ParseAuthorizationStatusName(s.ColumnText(5)));
  a.expires = s.ColumnTime(6);
  a.created_at = s.ColumnTime(7);
  return a;
}

Result<CertificateRecord> ReadCertificate(const Statement& s) {
  CertificateRecord c;
  c.serial = s.ColumnText(0);
  c.order_id = s.ColumnText(1);
  c.account_id = s.ColumnText(2);
  ANVIL_ASSIGN_OR_RETURN(c.state, internal::ParseCertificateStateName(s.ColumnText(3)));
  c.tbs_der = s.ColumnBlob(4);
  c.der = s.ColumnBlob(5);
  c.issuer_chain_pem = s.ColumnText(6);
  ANVIL_ASSIGN_OR_RETURN(c.names, internal::DecodeStringList(s.ColumnText(7)));
  c.profile = s.ColumnText(8);
  c.authority_key_id = s.ColumnBlob(9);
  c.not_before = s.ColumnTime(10);
  c.not_after = s.ColumnTime(11);
  c.created_at = s.ColumnTime(12);
  c.revoked_at = s.ColumnOptionalTime(13);
  c.revocation_reason = static_cast<int>(s.ColumnInt(14));
  return c;
}

EabKey ReadEabKey(const Statement& s) {
  EabKey k;
  k.kid = s.ColumnText(0);
  k.hmac_key = s.ColumnBlob(1);
  k.account_id = s.ColumnText(2);
  k.comment = s.ColumnText(3);
  k.created_at = s.ColumnTime(4);
  return k;
}

AuditEvent ReadAudit(const Statement& s) {
  AuditEvent e;
  e.id = s.ColumnInt(0);
  e.at = s.ColumnTime(1);
  e.kind = s.ColumnText(2);
  e.account_id = s.ColumnText(3);
  e.subject = s.ColumnText(4);
  e.details_json = s.ColumnText(5);
  return e;
}

// Whether a row exists for a query with one text parameter.
Result<bool> Exists(Connection& c, std::string_view sql, std::string_view key) {
  ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
  s.BindText(1, key);
  return s.Step();
}

// Fills authorization.challenges (in creation order).
Status LoadChallenges(Connection& c, Authorization& authorization) {
  ANVIL_ASSIGN_OR_RETURN(Statement s,
                         c.Prepare("SELECT id, type, token, status, validated_at, error_json "
                                   "FROM challenges WHERE authorization_id = ? ORDER BY position"));
  s.BindText(1, authorization.id);
  authorization.challenges.clear();
  while (true) {
    ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Status::Ok();
    Challenge ch;
    ch.id = s.ColumnText(0);
    ANVIL_ASSIGN_OR_RETURN(ch.type, internal::ParseChallengeTypeName(s.ColumnText(1)));
    ch.token = s.ColumnText(2);
    ANVIL_ASSIGN_OR_RETURN(ch.status, internal::ParseChallengeStatusName(s.ColumnText(3)));
    ch.validated_at = s.ColumnOptionalTime(4);
    ch.error_json = s.ColumnText(5);
    authorization.challenges.push_back(std::move(ch));
  }
}

// kNotFound if the authorization or its challenge does not exist, else kConflict: explains a conditional
// challenge update that changed nothing.
Status ExplainChallengeMiss(Connection& c, const std::string& authorization_id,
                            const std::string& challenge_id) {
  ANVIL_ASSIGN_OR_RETURN(Statement s,
                         c.Prepare("SELECT 1 FROM challenges WHERE authorization_id = ? AND id = ?"));
  s.BindText(1, authorization_id).BindText(2, challenge_id);
  ANVIL_ASSIGN_OR_RETURN(bool found, s.Step());
  if (!found) return NotFound("challenge", authorization_id + "/" + challenge_id);
  return internal::ChallengeConflict(authorization_id, challenge_id);
}

// Creates the file (mode 0600) before SQLite does, so that SQLite, which gives -wal and -shm the mode of the
// database file, creates those 0600 too. Setting the umask instead would race with other threads.
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

class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)),
        clock_(options_.clock != nullptr ? options_.clock : &system_clock_),
        writer_(std::move(writer)),
        committer_([this] { CommitLoop(); }) {}

  ~SqliteStore() override {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    committer_cv_.notify_one();
    committer_.join();
  }

  // ---- AccountStore ----

  Status CreateAccount(const Account& account) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(Statement insert, c.Prepare("INSERT INTO accounts (" ANVIL_ACCOUNT_COLUMNS
                                                         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
      insert.BindText(1, account.id)
          .BindText(2, account.jwk_json)
          .BindText(3, account.thumbprint)
          .BindText(4, internal::EncodeStringList(account.contacts))
          .BindText(5, Name(account.status))
          .BindBool(6, account.tos_agreed)
          .BindTextOrNull(7, account.eab_kid)
          .BindTime(8, account.created_at);
      Status inserted = insert.Run();
      if (!inserted.ok()) return Annotate(inserted, "account " + account.id + " (id or key already in use)");
      if (account.eab_kid.empty()) return Status::Ok();
      // Bind the EAB key in the same transaction; if that fails the account insert is rolled back.
      ANVIL_ASSIGN_OR_RETURN(
          Statement bind,
          c.Prepare("UPDATE eab_keys SET account_id = ? WHERE kid = ? AND account_id IS NULL"));
      bind.BindText(1, account.id).BindText(2, account.eab_kid);
      ANVIL_RETURN_IF_ERROR(bind.Run());
      if (c.Changes() == 1) return Status::Ok();
      ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM eab_keys WHERE kid = ?", account.eab_kid));
      if (!exists) return NotFound("EAB key", account.eab_kid);
      return Error(Code::kUnauthorized, "EAB key " + account.eab_kid + " is already bound to an account");
    });
  }

  Result<Account> GetAccount(const std::string& id) override {
    if (std::optional<Account> cached = account_cache_.Get(id)) return *std::move(cached);
    const uint64_t generation = account_cache_.generation();
    ANVIL_ASSIGN_OR_RETURN(Account account, ReadOne<Account>("SELECT " ANVIL_ACCOUNT_COLUMNS
                                                             " FROM accounts WHERE id = ?",
                                                             id, ReadAccount, "account"));
    account_cache_.Put(account, generation);
    return account;
  }

  Result<Account> FindAccountByThumbprint(const std::string& thumbprint) override {
    return ReadOne<Account>("SELECT " ANVIL_ACCOUNT_COLUMNS " FROM accounts WHERE thumbprint = ?", thumbprint,
                            ReadAccount, "account with thumbprint");
  }

  Status UpdateAccount(const std::string& id, const std::vector<std::string>& contacts,
                       acme::AccountStatus status) override {
    AccountWrite invalidate{account_cache_, id};
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(Statement update,
                             c.Prepare("UPDATE accounts SET contacts_json = ?, status = ? WHERE id = ?"));
      update.BindText(1, internal::EncodeStringList(contacts)).BindText(2, Name(status)).BindText(3, id);
      ANVIL_RETURN_IF_ERROR(update.Run());
      return c.Changes() == 1 ? Status::Ok() : NotFound("account", id);
    });
  }

  Status ChangeAccountKey(const std::string& id, const std::string& old_thumbprint,
                          const std::string& new_jwk_json, const std::string& new_thumbprint) override {
    AccountWrite invalidate{account_cache_, id};
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(
          Statement update,
          c.Prepare("UPDATE accounts SET jwk_json = ?, thumbprint = ? WHERE id = ? AND thumbprint = ?"));
      update.BindText(1, new_jwk_json)
          .BindText(2, new_thumbprint)
          .BindText(3, id)
          .BindText(4, old_thumbprint);
      Status updated = update.Run();
      if (!updated.ok()) return Annotate(updated, "new key of account " + id + " is already in use");
      if (c.Changes() == 1) return Status::Ok();
      ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM accounts WHERE id = ?", id));
      if (!exists) return NotFound("account", id);
      return Error(Code::kConflict, "account " + id + " no longer has the key being replaced");
    });
  }

  // ---- OrderStore ----

  Status CreateOrder(const Order& order, const std::vector<Authorization>& new_authorizations) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(Statement insert, c.Prepare("INSERT INTO orders (" ANVIL_ORDER_COLUMNS
                                                         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
      insert.BindText(1, order.id)
          .BindText(2, order.account_id)
          .BindText(3, Name(order.status))
          .BindText(4, internal::EncodeIdentifiers(order.identifiers))
          .BindText(5, internal::EncodeStringList(order.authorization_ids))
          .BindOptionalTime(6, order.not_before)
          .BindOptionalTime(7, order.not_after)
          .BindTime(8, order.expires)
          .BindTime(9, order.created_at)
          .BindText(10, order.profile)
          .BindText(11, order.replaces)
          .BindText(12, order.error_json)
          .BindText(13, order.certificate_serial);
      Status inserted = insert.Run();
      if (!inserted.ok()) return Annotate(inserted, "order " + order.id + " of account " + order.account_id);
      for (const Authorization& authz : new_authorizations)
        ANVIL_RETURN_IF_ERROR(InsertAuthorization(c, authz));
      return Status::Ok();
    });
  }

  Result<Order> GetOrder(const std::string& id) override {
    return ReadOne<Order>("SELECT " ANVIL_ORDER_COLUMNS " FROM orders WHERE id = ?", id, ReadOrder, "order");
  }

  Result<std::vector<std::string>> ListOrderIds(const std::string& account_id, const std::string& after_id,
                                                int limit) override {
    ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
    // No snapshot needed: an order's seq never changes, so the two statements cannot disagree.
    return Read<std::vector<std::string>>(false, [&](Connection& c) -> Result<std::vector<std::string>> {
      int64_t after_seq = 0;  // seq starts at 1
      if (!after_id.empty()) {
        ANVIL_ASSIGN_OR_RETURN(Statement cursor,
                               c.Prepare("SELECT seq FROM orders WHERE id = ? AND account_id = ?"));
        cursor.BindText(1, after_id).BindText(2, account_id);
        ANVIL_ASSIGN_OR_RETURN(bool found, cursor.Step());
        if (!found) return NotFound("order", after_id + " of account " + account_id);
        after_seq = cursor.ColumnInt(0);
      }
      ANVIL_ASSIGN_OR_RETURN(
          Statement s,
          c.Prepare("SELECT id FROM orders WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?"));
      s.BindText(1, account_id).BindInt(2, after_seq).BindInt(3, limit);
      std::vector<std::string> ids;
      while (true) {
        ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) return ids;
        ids.push_back(s.ColumnText(0));
      }
    });
  }

  Result<std::vector<Order>> ListOrdersByStatus(acme::OrderStatus status, int limit) override {
    ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
    return Read<std::vector<Order>>(false, [&](Connection& c) -> Result<std::vector<Order>> {
      ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_ORDER_COLUMNS
                                                    " FROM orders WHERE status = ? ORDER BY seq LIMIT ?"));
      s.BindText(1, Name(status)).BindInt(2, limit);
      return ReadAll<Order>(s, ReadOrder);
    });
  }

  Status TransitionOrder(const std::string& id, acme::OrderStatus from, acme::OrderStatus to,
                         const std::string& error_json, const std::string& certificate_serial) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(
          Statement update,
          c.Prepare("UPDATE orders SET status = ?1, "
                    "error_json = CASE WHEN ?1 = ?2 THEN ?3 ELSE error_json END, "
                    "certificate_serial = CASE WHEN ?1 = ?4 THEN ?5 ELSE certificate_serial END "
                    "WHERE id = ?6 AND status = ?7"));
      update.BindText(1, Name(to))
          .BindText(2, Name(acme::OrderStatus::kInvalid))
          .BindText(3, error_json)
          .BindText(4, Name(acme::OrderStatus::kValid))
          .BindText(5, certificate_serial)
          .BindText(6, id)
          .BindText(7, Name(from));
      ANVIL_RETURN_IF_ERROR(update.Run());
      if (c.Changes() == 1) return Status::Ok();
      ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM orders WHERE id = ?", id));
      if (!exists) return NotFound("order", id);
      return Error(Code::kConflict, "order " + id + " is not " + std::string(Name(from)));
    });
  }

  Result<std::optional<Order>> FindOrderReplacing(const std::string& cert_id) override {
    return Read<std::optional<Order>>(false, [&](Connection& c) -> Result<std::optional<Order>> {
      // `replaces <> ''` lets SQLite use the partial index orders_by_replaces.
      ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_ORDER_COLUMNS " FROM orders "
                                                    "WHERE replaces = ? AND replaces <> '' AND status <> ? "
                                                    "ORDER BY seq DESC LIMIT 1"));
      s.BindText(1, cert_id).BindText(2, Name(acme::OrderStatus::kInvalid));
      ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return std::optional<Order>();
      ANVIL_ASSIGN_OR_RETURN(Order order, ReadOrder(s));
      return std::optional<Order>(std::move(order));
    });
  }

  Status CreateAuthorization(const Authorization& authorization) override {
    return Write([&](Connection& c) -> Status { return InsertAuthorization(c, authorization); });
  }

  Result<Authorization> GetAuthorization(const std::string& id) override {
    return Read<Authorization>(true, [&](Connection& c) -> Result<Authorization> {
      ANVIL_ASSIGN_OR_RETURN(
          Statement s, c.Prepare("SELECT " ANVIL_AUTHORIZATION_COLUMNS " FROM authorizations WHERE id = ?"));
      s.BindText(1, id);
      ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return NotFound("authorization", id);
      ANVIL_ASSIGN_OR_RETURN(Authorization authz, ReadAuthorization(s));
      ANVIL_RETURN_IF_ERROR(LoadChallenges(c, authz));
      return authz;
    });
  }

  Result<std::optional<Authorization>> FindValidAuthorization(const std::string& account_id,
                                                              const acme::Identifier& identifier,
                                                              bool wildcard,
                                                              TimePoint expires_after) override {
    return Read<std::optional<Authorization>>(
        true, [&](Connection& c) -> Result<std::optional<Authorization>> {
          // Served by the index authorizations_for_reuse.
          ANVIL_ASSIGN_OR_RETURN(
              Statement s, c.Prepare("SELECT " ANVIL_AUTHORIZATION_COLUMNS " FROM authorizations "
                                     "WHERE account_id = ? AND identifier_type = ? AND identifier_value = ? "
                                     "AND wildcard = ? AND status = ? AND expires > ? "
                                     "ORDER BY expires DESC LIMIT 1"));
          s.BindText(1, account_id)
              .BindText(2, Name(identifier.type))
              .BindText(3, identifier.value)
              .BindBool(4, wildcard)
              .BindText(5, Name(acme::AuthorizationStatus::kValid))
              .BindTime(6, expires_after);
          ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
          if (!row) return std::optional<Authorization>();
          ANVIL_ASSIGN_OR_RETURN(Authorization authz, ReadAuthorization(s));
          ANVIL_RETURN_IF_ERROR(LoadChallenges(c, authz));
          return std::optional<Authorization>(std::move(authz));
        });
  }

  Status TransitionAuthorization(const std::string& id, acme::AuthorizationStatus from,
                                 acme::AuthorizationStatus to) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(Statement update,
                             c.Prepare("UPDATE authorizations SET status = ? WHERE id = ? AND status = ?"));
      update.BindText(1, Name(to)).BindText(2, id).BindText(3, Name(from));
      ANVIL_RETURN_IF_ERROR(update.Run());
      if (c.Changes() == 1) return Status::Ok();
      ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM authorizations WHERE id = ?", id));
      if (!exists) return NotFound("authorization", id);
      return Error(Code::kConflict, "authorization " + id + " is not " + std::string(Name(from)));
    });
  }

  Status StartChallenge(const std::string& authorization_id, const std::string& challenge_id) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(Statement update,
                             c.Prepare("UPDATE challenges SET status = ?3 "
                                       "WHERE authorization_id = ?1 AND id = ?2 AND status = ?4 "
                                       "AND (SELECT status FROM authorizations WHERE id = ?1) = ?5 "
                                       "AND NOT EXISTS (SELECT 1 FROM challenges "
                                       "WHERE authorization_id = ?1 AND status = ?3)"));
      update.BindText(1, authorization_id)
          .BindText(2, challenge_id)
          .BindText(3, Name(acme::ChallengeStatus::kProcessing))
          .BindText(4, Name(acme::ChallengeStatus::kPending))
          .BindText(5, Name(acme::AuthorizationStatus::kPending));
      ANVIL_RETURN_IF_ERROR(update.Run());
      if (c.Changes() == 1) return Status::Ok();
      return ExplainChallengeMiss(c, authorization_id, challenge_id);
    });
  }

  Status CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id, bool valid,
                           const std::string& error_json, TimePoint validated_at,
                           std::optional<TimePoint> valid_until) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(
          Statement challenge,
          c.Prepare("UPDATE challenges SET status = ?3, validated_at = ?4, error_json = ?5 "
                    "WHERE authorization_id = ?1 AND id = ?2 AND status IN (?6, ?8) "
                    "AND (SELECT status FROM authorizations WHERE id = ?1) = ?7 "
                    "AND NOT EXISTS (SELECT 1 FROM challenges "
                    "WHERE authorization_id = ?1 AND id != ?2 AND status = ?6)"));
      challenge.BindText(1, authorization_id)
          .BindText(2, challenge_id)
          .BindText(3, Name(valid ? acme::ChallengeStatus::kValid : acme::ChallengeStatus::kInvalid))
          .BindTime(4, validated_at)
          .BindText(5, error_json)
          .BindText(6, Name(acme::ChallengeStatus::kProcessing))
          .BindText(7, Name(acme::AuthorizationStatus::kPending))
          .BindText(8, Name(acme::ChallengeStatus::kPending));
      ANVIL_RETURN_IF_ERROR(challenge.Run());
      if (c.Changes() != 1) return ExplainChallengeMiss(c, authorization_id, challenge_id);
      ANVIL_ASSIGN_OR_RETURN(
          Statement authz,
          c.Prepare("UPDATE authorizations SET status = ?1, expires = COALESCE(?4, expires) "
                    "WHERE id = ?2 AND status = ?3"));
      authz.BindText(1, Name(valid ? acme::AuthorizationStatus::kValid : acme::AuthorizationStatus::kInvalid))
          .BindText(2, authorization_id)
          .BindText(3, Name(acme::AuthorizationStatus::kPending));
      if (valid && valid_until) {
        authz.BindTime(4, *valid_until);
      } else {
        authz.BindNull(4);
      }
      ANVIL_RETURN_IF_ERROR(authz.Run());
      // Cannot fail: the challenge update above saw the authorization pending in this same transaction.
      if (c.Changes() != 1)
        return Error(Code::kInternal, "authorization " + authorization_id + " changed under us");
      return Status::Ok();
    });
  }

  // ---- CertificateStore ----

  Status AddPendingCertificate(const CertificateRecord& record) override {
    return Write([&](Connection& c) -> Status { return InsertPendingCertificate(c, record); });
  }

  Status AddPendingCertificateAndStartOrder(const CertificateRecord& record,
                                            acme::OrderStatus order_from) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(Statement update,
                             c.Prepare("UPDATE orders SET status = ? WHERE id = ? AND status = ?"));
      update.BindText(1, Name(acme::OrderStatus::kProcessing))
          .BindText(2, record.order_id)
          .BindText(3, Name(order_from));
      ANVIL_RETURN_IF_ERROR(update.Run());
      if (c.Changes() != 1) {
        ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM orders WHERE id = ?", record.order_id));
        if (!exists) return NotFound("order", record.order_id);
        return Error(Code::kOrderNotReady,
                     "order " + record.order_id + " is not " + std::string(Name(order_from)));
      }
      // A failure here rolls back this write's savepoint, order update included.
      return InsertPendingCertificate(c, record);
    });
  }

  static Status InsertPendingCertificate(Connection& c, const CertificateRecord& record) {
    ANVIL_ASSIGN_OR_RETURN(Statement insert,
                           c.Prepare("INSERT INTO certificates (" ANVIL_CERTIFICATE_COLUMNS
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)"));
    insert.BindText(1, record.serial)
        .BindText(2, record.order_id)
        .BindText(3, record.account_id)
        .BindText(4, Name(CertificateState::kPending))
        .BindBlob(5, record.tbs_der)
        .BindBlob(6, "")
        .BindText(7, record.issuer_chain_pem)
        .BindText(8, internal::EncodeStringList(record.names))
        .BindText(9, record.profile)
        .BindBlob(10, record.authority_key_id)
        .BindTime(11, record.not_before)
        .BindTime(12, record.not_after)
        .BindTime(13, record.created_at);
    Status inserted = insert.Run();
    if (!inserted.ok()) return Annotate(inserted, "certificate serial " + record.serial);
    return Status::Ok();
  }

  Status MarkCertificateIssued(const std::string& serial, const std::string& der) override {
    TimePoint now = clock_->Now();
    return Write([&](Connection& c) -> Status { return MarkIssued(c, serial, der, now, nullptr); });
  }

  Status MarkCertificateIssuedAndOrderValid(const std::string& serial, const std::string& der) override {
    TimePoint now = clock_->Now();
    return Write([&](Connection& c) -> Status {
      std::string order_id;
      ANVIL_RETURN_IF_ERROR(MarkIssued(c, serial, der, now, &order_id));
      ANVIL_ASSIGN_OR_RETURN(Statement update,
                             c.Prepare("UPDATE orders SET status = ?, certificate_serial = ? "
                                       "WHERE id = ? AND status = ?"));
      update.BindText(1, Name(acme::OrderStatus::kValid))
          .BindText(2, serial)
          .BindText(3, order_id)
          .BindText(4, Name(acme::OrderStatus::kProcessing));
      ANVIL_RETURN_IF_ERROR(update.Run());
      if (c.Changes() == 1) return Status::Ok();
      // Returning an error rolls back this write's savepoint: the certificate stays pending too.
      ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM orders WHERE id = ?", order_id));
      if (!exists) return NotFound("order", order_id);
      return Error(Code::kConflict, "order " + order_id + " is not processing");
    });
  }

  Status MarkCertificateAbandoned(const std::string& serial) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(Statement update,
                             c.Prepare("UPDATE certificates SET state = ? WHERE serial = ? AND state = ?"));
      update.BindText(1, Name(CertificateState::kAbandoned))
          .BindText(2, serial)
          .BindText(3, Name(CertificateState::kPending));
      ANVIL_RETURN_IF_ERROR(update.Run());
      if (c.Changes() == 1) return Status::Ok();
      return ExplainCertificateMiss(c, serial, "pending");
    });
  }

  Result<CertificateRecord> GetCertificate(const std::string& serial) override {
    return ReadOne<CertificateRecord>("SELECT " ANVIL_CERTIFICATE_COLUMNS
                                      " FROM certificates WHERE serial = ?",
                                      serial, ReadCertificate, "certificate");
  }

  Result<std::vector<CertificateRecord>> ListCertificatesForOrder(const std::string& order_id) override {
    return Read<std::vector<CertificateRecord>>(
        false, [&](Connection& c) -> Result<std::vector<CertificateRecord>> {
          ANVIL_ASSIGN_OR_RETURN(Statement s,
                                 c.Prepare("SELECT " ANVIL_CERTIFICATE_COLUMNS
                                           " FROM certificates WHERE order_id = ? ORDER BY rowid"));
          s.BindText(1, order_id);
          return ReadAll<CertificateRecord>(s, ReadCertificate);
        });
  }

  Status RevokeCertificate(const std::string& serial, int reason, TimePoint at) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(
          Statement update,
          c.Prepare("UPDATE certificates SET revoked_at = ?, revocation_reason = ? "
                    "WHERE serial = ? AND state = ? AND revoked_at IS NULL RETURNING account_id"));
      update.BindTime(1, at).BindInt(2, reason).BindText(3, serial).BindText(4,
                                                                             Name(CertificateState::kIssued));
      ANVIL_ASSIGN_OR_RETURN(bool changed, update.Step());
      if (!changed) return ExplainCertificateMiss(c, serial, "issued");
      std::string account_id = update.ColumnText(0);
      ANVIL_RETURN_IF_ERROR(update.Run());
      return InsertAudit(c, at, internal::kRevokedAuditKind, account_id, serial,
                         internal::RevokedAuditDetails(reason));
    });
  }

  // ---- EabKeyStore ----

  Status CreateEabKey(const EabKey& key) override {
    return Write([&](Connection& c) -> Status {
      ANVIL_ASSIGN_OR_RETURN(
          Statement insert, c.Prepare("INSERT INTO eab_keys (" ANVIL_EAB_COLUMNS ") VALUES (?, ?, ?, ?, ?)"));
      insert.BindText(1, key.kid)
          .BindBlob(2, key.hmac_key)
          .BindTextOrNull(3, key.account_id)
          .BindText(4, key.comment)
          .BindTime(5, key.created_at);
      Status inserted = insert.Run();
      if (!inserted.ok()) return Annotate(inserted, "EAB key " + key.kid);
      return Status::Ok();
    });
  }

  Result<EabKey> GetEabKey(const std::string& kid) override {
    return ReadOne<EabKey>(
        "SELECT " ANVIL_EAB_COLUMNS " FROM eab_keys WHERE kid = ?", kid,
        [](const Statement& s) -> Result<EabKey> { return ReadEabKey(s); }, "EAB key");
  }

  Result<std::vector<EabKey>> ListEabKeys() override {
    return Read<std::vector<EabKey>>(false, [&](Connection& c) -> Result<std::vector<EabKey>> {
      ANVIL_ASSIGN_OR_RETURN(Statement s,
                             c.Prepare("SELECT " ANVIL_EAB_COLUMNS " FROM eab_keys ORDER BY seq"));
      return ReadAll<EabKey>(s, [](const Statement& st) -> Result<EabKey> { return ReadEabKey(st); });
    });
  }

  // ---- AuditLog ----

  Status AppendAudit(const AuditEvent& event) override {
    return Write([&](Connection& c) -> Status {
      return InsertAudit(c, event.at, event.kind, event.account_id, event.subject, event.details_json);
    });
  }

  Result<std::vector<AuditEvent>> ListAudit(int64_t after_id, int limit) override {
    ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
    return Read<std::vector<AuditEvent>>(false, [&](Connection& c) -> Result<std::vector<AuditEvent>> {
      ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_AUDIT_COLUMNS
                                                    " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?"));
      s.BindInt(1, after_id).BindInt(2, limit);
      return ReadAll<AuditEvent>(s, [](const Statement& st) -> Result<AuditEvent> { return ReadAudit(st); });
    });
  }

 private:
  // A reader connection borrowed from the pool, returned on destruction.
  class ReaderLease {
   public:
    ReaderLease(SqliteStore* store, std::unique_ptr<Connection> connection)
        : store_(store), connection_(std::move(connection)) {}
    ReaderLease(ReaderLease&&) noexcept = default;
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    ReaderLease& operator=(ReaderLease&&) = delete;
    ~ReaderLease() {
      if (connection_ != nullptr) store_->ReturnReader(std::move(connection_));
    }
    Connection& connection() { return *connection_; }

   private:
    SqliteStore* store_;
    std::unique_ptr<Connection> connection_;
  };

  Result<ReaderLease> AcquireReader() {
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

  void ReturnReader(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(readers_mu_);
    idle_readers_.push_back(std::move(connection));
    readers_cv_.notify_one();
  }

  // Runs `body` on a reader connection; with `snapshot`, inside one read transaction so that several
  // statements see the same committed state.
  template <typename T, typename F>
  Result<T> Read(bool snapshot, F&& body) {
    ANVIL_ASSIGN_OR_RETURN(ReaderLease lease, AcquireReader());
    Connection& c = lease.connection();
    if (!snapshot) return body(c);
    ANVIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(c, Transaction::Kind::kRead));
    Result<T> result = body(c);
    if (!result.ok()) return result;
    ANVIL_RETURN_IF_ERROR(txn.Commit());
    return result;
  }

  // A single-row lookup by one text key.
  template <typename T, typename Decode>
  Result<T> ReadOne(std::string_view sql, const std::string& key, Decode decode, std::string_view what) {
    return Read<T>(false, [&](Connection& c) -> Result<T> {
      ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
      s.BindText(1, key);
      ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return NotFound(what, key);
      return decode(s);
    });
  }

  template <typename T, typename Decode>
  static Result<std::vector<T>> ReadAll(Statement& s, Decode decode) {
    std::vector<T> out;
    while (true) {
      ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return out;
      ANVIL_ASSIGN_OR_RETURN(T value, decode(s));
      out.push_back(std::move(value));
    }
  }

  // Runs `body` on the writer connection inside a write transaction and returns once that transaction is
  // committed (durable to the configured level) or `body` failed (then its changes are rolled back).
  //
  // Group commit: writes queue up for the committer thread, which runs everything queued in ONE transaction,
  // each body under its own SAVEPOINT so a failing body rolls back alone, then COMMITs once (one WAL fsync
  // under synchronous=FULL) and wakes every writer of the batch; writes that arrive meanwhile form the next
  // batch. The wait is a fiber::Await: a handler on a fiber gives its thread back to the server while the
  // commit runs, a caller off a fiber blocks.
  template <typename F>
  Status Write(F&& body) {
    PendingWrite mine([&body](Connection& c) { return body(c); });
    fiber::Await([&](fiber::Wake wake) {
      mine.wake = std::move(wake);
      std::lock_guard lock(queue_mu_);
      queue_.push_back(&mine);
      committer_cv_.notify_one();
    });
    return mine.result;
  }

  struct PendingWrite {
    explicit PendingWrite(std::function<Status(Connection&)> b) : body(std::move(b)) {}
    std::function<Status(Connection&)> body;
    Status result = Status::Ok();
    fiber::Wake wake;
  };

  // The committer thread's loop: one batch at a time until the store is destroyed with nothing queued.
  void CommitLoop() {
    std::vector<PendingWrite*> batch;
    for (;;) {
      {
        std::unique_lock lock(queue_mu_);
        committer_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        batch.swap(queue_);
      }
      RunBatch(batch);
      for (PendingWrite* w : batch) {
        // Moved out first: once woken, the writer may return and destroy its PendingWrite.
        fiber::Wake wake = std::move(w->wake);
        wake();
      }
      batch.clear();
    }
  }

  // Runs on the committer thread only, so the writer connection is used by one thread.
  void RunBatch(const std::vector<PendingWrite*>& batch) {
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
        Status end = s.ok() ? RunSavepoint("RELEASE anvil_write")
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

  Status RunSavepoint(std::string_view sql) {
    ANVIL_ASSIGN_OR_RETURN(Statement st, writer_->Prepare(sql));
    return st.Run();
  }

  Status InsertAuthorization(Connection& c, const Authorization& authz) {
    ANVIL_ASSIGN_OR_RETURN(Statement insert,
                           c.Prepare("INSERT INTO authorizations (" ANVIL_AUTHORIZATION_COLUMNS
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.BindText(1, authz.id)
        .BindText(2, authz.account_id)
        .BindText(3, Name(authz.identifier.type))
        .BindText(4, authz.identifier.value)
        .BindBool(5, authz.wildcard)
        .BindText(6, Name(authz.status))
        .BindTime(7, authz.expires)
        .BindTime(8, authz.created_at);
    Status inserted = insert.Run();
    if (!inserted.ok())
      return Annotate(inserted, "authorization " + authz.id + " of account " + authz.account_id);
    int position = 0;
    for (const Challenge& ch : authz.challenges) {
      ANVIL_ASSIGN_OR_RETURN(Statement challenge,
                             c.Prepare("INSERT INTO challenges (authorization_id, id, position, type, token, "
                                       "status, validated_at, error_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
      challenge.BindText(1, authz.id)
          .BindText(2, ch.id)
          .BindInt(3, position++)
          .BindText(4, Name(ch.type))
          .BindText(5, ch.token)
          .BindText(6, Name(ch.status))
          .BindOptionalTime(7, ch.validated_at)
          .BindText(8, ch.error_json);
      Status added = challenge.Run();
      if (!added.ok()) return Annotate(added, "challenge " + authz.id + "/" + ch.id);
    }
    return Status::Ok();
  }

  static Status InsertAudit(Connection& c, TimePoint at, std::string_view kind, std::string_view account_id,
                            std::string_view subject, std::string_view details_json) {
    ANVIL_ASSIGN_OR_RETURN(Statement insert,
                           c.Prepare("INSERT INTO audit_log (at, kind, account_id, subject, "
                                     "details_json) VALUES (?, ?, ?, ?, ?)"));
    insert.BindTime(1, at)
        .BindText(2, kind)
        .BindText(3, account_id)
        .BindText(4, subject)
        .BindText(5, details_json);
    return insert.Run();
  }

  // Explains a conditional certificate update that changed nothing: kNotFound, kAlreadyRevoked or kConflict.
  // Conditional kPending → kIssued with the DER, and the audit row. `order_id` (if given) receives the
  // record's order.
  Status MarkIssued(Connection& c, const std::string& serial, const std::string& der, TimePoint now,
                    std::string* order_id_out) {
    // RETURNING hands back what the audit row needs without a separate read.
    ANVIL_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE certificates SET state = ?, der = ? WHERE serial = ? AND state = ? "
                  "RETURNING account_id, order_id"));
    update.BindText(1, Name(CertificateState::kIssued))
        .BindBlob(2, der)
        .BindText(3, serial)
        .BindText(4, Name(CertificateState::kPending));
    ANVIL_ASSIGN_OR_RETURN(bool changed, update.Step());
    if (!changed) return ExplainCertificateMiss(c, serial, "pending");
    std::string account_id = update.ColumnText(0);
    std::string order_id = update.ColumnText(1);
    ANVIL_RETURN_IF_ERROR(update.Run());
    ANVIL_RETURN_IF_ERROR(InsertAudit(c, now, internal::kIssuedAuditKind, account_id, serial,
                                      internal::IssuedAuditDetails(order_id)));
    if (order_id_out != nullptr) *order_id_out = std::move(order_id);
    return Status::Ok();
  }

  static Status ExplainCertificateMiss(Connection& c, const std::string& serial, std::string_view expected) {
    ANVIL_ASSIGN_OR_RETURN(
        Statement s, c.Prepare("SELECT state, revoked_at IS NOT NULL FROM certificates WHERE serial = ?"));
    s.BindText(1, serial);
    ANVIL_ASSIGN_OR_RETURN(bool found, s.Step());
    if (!found) return NotFound("certificate", serial);
    if (s.ColumnInt(1) != 0)
      return Error(Code::kAlreadyRevoked, "certificate " + serial + " is already revoked");
    return Error(Code::kConflict,
                 "certificate " + serial + " is " + s.ColumnText(0) + ", not " + std::string(expected));
  }

  const SqliteOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;

  std::mutex queue_mu_;  // guards queue_ and stopping_
  std::condition_variable committer_cv_;
  std::vector<PendingWrite*> queue_;
  bool stopping_ = false;
  std::unique_ptr<Connection> writer_;  // used only by the committer thread

  // GetAccount's cache (account_cache.h); 5 s bounds how long another process's account change goes unseen.
  sqlite::AccountCache account_cache_{10000, std::chrono::seconds(5)};
  // Drops an account's cached entry when a write to it returns, committed or not.
  struct AccountWrite {
    sqlite::AccountCache& cache;
    const std::string& id;
    ~AccountWrite() { cache.Invalidate(id); }
  };

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mu_
  int open_readers_ = 0;                                   // guarded by readers_mu_; idle + leased

  // Last: started once everything it uses exists (joined by the destructor).
  std::thread committer_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
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
  return std::unique_ptr<Store>(new SqliteStore(options, std::move(writer)));
}

}  // namespace anvil::storage
