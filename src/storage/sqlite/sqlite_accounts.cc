// The SQLite store's accounts, EAB keys and audit log (class in sqlite_store_impl.h).
#include <string>
#include <utility>
#include <vector>

#include "storage/internal/eab.h"
#include "storage/sqlite/sqlite_store_impl.h"

namespace anvil::storage::sqlite {

using internal::CheckLimit;
using internal::Name;
using internal::NotFound;

// ---- AccountStore ----

Status SqliteStore::CreateAccount(const Account& account, const AuditEvent& audit,
                                  const std::vector<RateLimit>& limits) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement insert, c.Prepare("INSERT INTO accounts (" ANVIL_ACCOUNT_COLUMNS
                                                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.BindText(1, account.id)
        .BindText(2, account.jwk_json)
        .BindText(3, account.thumbprint)
        .BindText(4, internal::EncodeStringList(account.contacts))
        .BindText(5, Name(account.status))
        .BindBool(6, account.tos_agreed)
        .BindTextOrNull(7, account.eab_kid)
        .BindTime(8, account.created_at)
        .BindText(9, account.policy);
    Status inserted = insert.Run();
    if (!inserted.ok()) return Annotate(inserted, "account " + account.id + " (id or key already in use)");
    if (account.eab_kid.empty()) {
      ANVIL_RETURN_IF_ERROR(ApplyRateLimits(c, limits, account.created_at));
      return InsertAudit(c, audit);
    }
    // Count the EAB key's use in the same transaction (the single writer makes read-then-update atomic); if
    // the key may not be used, the account insert is rolled back.
    ANVIL_ASSIGN_OR_RETURN(Statement read, c.Prepare("SELECT " ANVIL_EAB_COLUMNS " FROM eab_keys WHERE kid = ?"));
    read.BindText(1, account.eab_kid);
    ANVIL_ASSIGN_OR_RETURN(bool found, read.Step());
    if (!found) return NotFound("EAB key", account.eab_kid);
    EabKey key = ReadEabKey(read);
    ANVIL_RETURN_IF_ERROR(read.Run());
    ANVIL_RETURN_IF_ERROR(internal::CheckEabUsable(key, account.created_at));
    ANVIL_ASSIGN_OR_RETURN(Statement use,
                           c.Prepare("UPDATE eab_keys SET uses = uses + 1, account_id = COALESCE(account_id, ?) "
                                     "WHERE kid = ?"));
    use.BindText(1, account.id).BindText(2, account.eab_kid);
    ANVIL_RETURN_IF_ERROR(use.Run());
    ++key.uses;
    ANVIL_RETURN_IF_ERROR(ApplyRateLimits(c, limits, account.created_at));
    ANVIL_RETURN_IF_ERROR(InsertAudit(c, audit));
    return InsertAudit(c, internal::EabUsedAudit(key, account));
  });
}

Result<Account> SqliteStore::GetAccount(const std::string& id) {
  if (std::optional<Account> cached = account_cache_.Get(id)) return *std::move(cached);
  const uint64_t generation = account_cache_.generation();
  ANVIL_ASSIGN_OR_RETURN(Account account,
                         ReadOne<Account>("SELECT " ANVIL_ACCOUNT_COLUMNS " FROM accounts WHERE id = ?", id,
                                          ReadAccount, "account"));
  account_cache_.Put(account, generation);
  return account;
}

Result<Account> SqliteStore::FindAccountByThumbprint(const std::string& thumbprint) {
  return ReadOne<Account>("SELECT " ANVIL_ACCOUNT_COLUMNS " FROM accounts WHERE thumbprint = ?", thumbprint,
                          ReadAccount, "account with thumbprint");
}

Status SqliteStore::UpdateAccount(const std::string& id, const std::vector<std::string>& contacts,
                                  acme::AccountStatus status, const AuditEvent& audit) {
  AccountWrite invalidate{account_cache_, id};
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement update,
                           c.Prepare("UPDATE accounts SET contacts_json = ?, status = ? WHERE id = ?"));
    update.BindText(1, internal::EncodeStringList(contacts)).BindText(2, Name(status)).BindText(3, id);
    ANVIL_RETURN_IF_ERROR(update.Run());
    if (c.Changes() != 1) return NotFound("account", id);
    return InsertAudit(c, audit);
  });
}

Status SqliteStore::ChangeAccountKey(const std::string& id, const std::string& old_thumbprint,
                                     const std::string& new_jwk_json, const std::string& new_thumbprint,
                                     const AuditEvent& audit) {
  AccountWrite invalidate{account_cache_, id};
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE accounts SET jwk_json = ?, thumbprint = ? WHERE id = ? AND thumbprint = ?"));
    update.BindText(1, new_jwk_json).BindText(2, new_thumbprint).BindText(3, id).BindText(4, old_thumbprint);
    Status updated = update.Run();
    if (!updated.ok()) return Annotate(updated, "new key of account " + id + " is already in use");
    if (c.Changes() == 1) return InsertAudit(c, audit);
    ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM accounts WHERE id = ?", id));
    if (!exists) return NotFound("account", id);
    return Error(Code::kConflict, "account " + id + " no longer has the key being replaced");
  });
}

Status SqliteStore::SetAccountPolicy(const std::string& id, const std::string& policy, const AuditEvent& audit) {
  AccountWrite invalidate{account_cache_, id};
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement update, c.Prepare("UPDATE accounts SET policy = ? WHERE id = ?"));
    update.BindText(1, policy).BindText(2, id);
    ANVIL_RETURN_IF_ERROR(update.Run());
    if (c.Changes() != 1) return NotFound("account", id);
    return InsertAudit(c, audit);
  });
}

// ---- EabKeyStore ----

Status SqliteStore::CreateEabKey(const EabKey& key, const AuditEvent& audit) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement insert, c.Prepare("INSERT INTO eab_keys (" ANVIL_EAB_COLUMNS
                                                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.BindText(1, key.kid)
        .BindBlob(2, key.hmac_key)
        .BindTextOrNull(3, key.account_id)
        .BindText(4, key.comment)
        .BindTime(5, key.created_at)
        .BindText(6, key.policy)
        .BindOptionalTime(7, key.expires_at)
        .BindInt(8, key.max_uses)
        .BindInt(9, key.uses)
        .BindOptionalTime(10, key.revoked_at)
        .BindText(11, key.device_identifier);
    Status inserted = insert.Run();
    if (!inserted.ok()) return Annotate(inserted, "EAB key " + key.kid);
    return InsertAudit(c, audit);
  });
}

Status SqliteStore::RevokeEabKey(const std::string& kid, TimePoint at, const AuditEvent& audit) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement update,
                           c.Prepare("UPDATE eab_keys SET revoked_at = ? WHERE kid = ? AND revoked_at IS NULL"));
    update.BindTime(1, at).BindText(2, kid);
    ANVIL_RETURN_IF_ERROR(update.Run());
    if (c.Changes() == 1) return InsertAudit(c, audit);
    ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM eab_keys WHERE kid = ?", kid));
    if (!exists) return NotFound("EAB key", kid);
    return Error(Code::kConflict, "EAB key " + kid + " is revoked already");
  });
}

Result<EabKey> SqliteStore::GetEabKey(const std::string& kid) {
  return ReadOne<EabKey>(
      "SELECT " ANVIL_EAB_COLUMNS " FROM eab_keys WHERE kid = ?", kid,
      [](const Statement& s) -> Result<EabKey> { return ReadEabKey(s); }, "EAB key");
}

Result<std::vector<EabKey>> SqliteStore::ListEabKeys() {
  return Read<std::vector<EabKey>>(false, [&](Connection& c) -> Result<std::vector<EabKey>> {
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_EAB_COLUMNS " FROM eab_keys ORDER BY seq"));
    return ReadAll<EabKey>(s, [](const Statement& st) -> Result<EabKey> { return ReadEabKey(st); });
  });
}

// ---- BlockedKeyStore ----

Status SqliteStore::BlockKey(const BlockedKey& key, const AuditEvent& audit) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement insert,
                           c.Prepare("INSERT INTO blocked_keys (spki_sha256, added_at, source) VALUES (?, ?, ?) "
                                     "ON CONFLICT (spki_sha256) DO NOTHING"));
    insert.BindText(1, key.spki_sha256).BindTime(2, key.added_at).BindText(3, key.source);
    ANVIL_RETURN_IF_ERROR(insert.Run());
    if (c.Changes() == 0) return Status::Ok();  // already blocked: the first record stands
    return InsertAudit(c, audit);
  });
}

Result<BlockedKey> SqliteStore::GetBlockedKey(const std::string& spki_sha256) {
  return ReadOne<BlockedKey>(
      "SELECT spki_sha256, added_at, source FROM blocked_keys WHERE spki_sha256 = ?", spki_sha256,
      [](const Statement& s) -> Result<BlockedKey> {
        return BlockedKey{s.ColumnText(0), s.ColumnTime(1), s.ColumnText(2)};
      },
      "blocked key");
}

// ---- AuditLog ----

Status SqliteStore::AppendAudit(const AuditEvent& event) {
  return Write([&](Connection& c) -> Status { return InsertAudit(c, event); });
}

// A row written and deleted in one transaction: the commit appends the changed page to the WAL (and syncs it
// under durability full) as every write does, and no record changes. rate_limits is the smallest table, and no
// limit's key ("orders:...", "accounts:...") begins with "anvil:".
Status SqliteStore::CheckWritable() {
  return Write([](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement insert,
                           c.Prepare("INSERT OR REPLACE INTO rate_limits (key, tat_ms) VALUES ('anvil:writable', 0)"));
    ANVIL_RETURN_IF_ERROR(insert.Run());
    ANVIL_ASSIGN_OR_RETURN(Statement remove, c.Prepare("DELETE FROM rate_limits WHERE key = 'anvil:writable'"));
    return remove.Run();
  });
}

Result<std::vector<AuditEvent>> SqliteStore::ListAudit(int64_t after_id, int limit) {
  ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
  return Read<std::vector<AuditEvent>>(false, [&](Connection& c) -> Result<std::vector<AuditEvent>> {
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_AUDIT_COLUMNS
                                                  " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?"));
    s.BindInt(1, after_id).BindInt(2, limit);
    return ReadAll<AuditEvent>(s, [](const Statement& st) -> Result<AuditEvent> { return ReadAudit(st); });
  });
}

Result<std::optional<AuditEvent>> SqliteStore::LastAudit() {
  return Read<std::optional<AuditEvent>>(false, [&](Connection& c) -> Result<std::optional<AuditEvent>> {
    ANVIL_ASSIGN_OR_RETURN(Statement s,
                           c.Prepare("SELECT " ANVIL_AUDIT_COLUMNS " FROM audit_log ORDER BY id DESC LIMIT 1"));
    ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<AuditEvent>();
    return std::optional<AuditEvent>(ReadAudit(s));
  });
}

Status SqliteStore::AppendAuditAnchor(const AuditAnchor& anchor) {
  ANVIL_RETURN_IF_ERROR(internal::CheckAuditAnchor(anchor));
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement insert,
                           c.Prepare("INSERT INTO audit_anchors (at, head_id, head_hash, signer_der, signature) "
                                     "VALUES (?, ?, ?, ?, ?)"));
    insert.BindTime(1, anchor.at)
        .BindInt(2, anchor.head_id)
        .BindText(3, anchor.head_hash)
        .BindBlob(4, anchor.signer_der)
        .BindBlob(5, anchor.signature);
    return insert.Run();
  });
}

Result<std::vector<AuditAnchor>> SqliteStore::ListAuditAnchors() {
  return Read<std::vector<AuditAnchor>>(false, [&](Connection& c) -> Result<std::vector<AuditAnchor>> {
    ANVIL_ASSIGN_OR_RETURN(Statement s,
                           c.Prepare("SELECT " ANVIL_AUDIT_ANCHOR_COLUMNS " FROM audit_anchors ORDER BY id"));
    return ReadAll<AuditAnchor>(s, [](const Statement& st) -> Result<AuditAnchor> { return ReadAuditAnchor(st); });
  });
}

}  // namespace anvil::storage::sqlite
