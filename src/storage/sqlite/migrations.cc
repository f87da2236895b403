#include "storage/sqlite/migrations.h"

#include <string>
#include <vector>

#include "storage/audit_chain.h"

#include "storage/sqlite/sqlite_inventory.h"

namespace anvil::storage::sqlite {
namespace {

// Version 1: the initial schema. Conventions: times are INTEGER Unix seconds; enums are TEXT names
// (storage/internal/codec.h); lists are JSON arrays of strings in *_json columns; raw bytes are BLOBs; an
// absent optional reference is NULL.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,
  jwk_json      TEXT NOT NULL,
  thumbprint    TEXT NOT NULL UNIQUE,
  contacts_json TEXT NOT NULL,
  status        TEXT NOT NULL,
  tos_agreed    INTEGER NOT NULL,
  eab_kid       TEXT,
  created_at    INTEGER NOT NULL
);

CREATE TABLE eab_keys (
  seq        INTEGER PRIMARY KEY,
  kid        TEXT NOT NULL UNIQUE,
  hmac_key   BLOB NOT NULL,
  account_id TEXT REFERENCES accounts(id),
  comment    TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- seq gives creation order for paging; orders are never deleted, so it only grows.
CREATE TABLE orders (
  seq                    INTEGER PRIMARY KEY,
  id                     TEXT NOT NULL UNIQUE,
  account_id             TEXT NOT NULL REFERENCES accounts(id),
  status                 TEXT NOT NULL,
  identifiers_json       TEXT NOT NULL,
  authorization_ids_json TEXT NOT NULL,
  not_before             INTEGER,
  not_after              INTEGER,
  expires                INTEGER NOT NULL,
  created_at             INTEGER NOT NULL,
  profile                TEXT NOT NULL,
  replaces               TEXT NOT NULL,
  error_json             TEXT NOT NULL,
  certificate_serial     TEXT NOT NULL
);
CREATE INDEX orders_by_account ON orders(account_id, seq);
CREATE INDEX orders_by_status ON orders(status, seq);
CREATE INDEX orders_by_replaces ON orders(replaces) WHERE replaces <> '';

CREATE TABLE authorizations (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts(id),
  identifier_type  TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  wildcard         INTEGER NOT NULL,
  status           TEXT NOT NULL,
  expires          INTEGER NOT NULL,
  created_at       INTEGER NOT NULL
) WITHOUT ROWID;
-- Authorization reuse (RFC 8555 §7.1.4 lets a server hand out an existing valid authorization).
CREATE INDEX authorizations_for_reuse
  ON authorizations(account_id, identifier_type, identifier_value, wildcard, status, expires);

-- Challenge ids are unique within their authorization; position keeps creation order.
CREATE TABLE challenges (
  authorization_id TEXT NOT NULL REFERENCES authorizations(id),
  id               TEXT NOT NULL,
  position         INTEGER NOT NULL,
  type             TEXT NOT NULL,
  token            TEXT NOT NULL,
  status           TEXT NOT NULL,
  validated_at     INTEGER,
  error_json       TEXT NOT NULL,
  PRIMARY KEY (authorization_id, id)
) WITHOUT ROWID;

-- No foreign keys here on purpose: certificates are kept apart from orders (docs/architecture.md) and may live apart.
CREATE TABLE certificates (
  serial            TEXT PRIMARY KEY,
  order_id          TEXT NOT NULL,
  account_id        TEXT NOT NULL,
  state             TEXT NOT NULL,
  tbs_der           BLOB NOT NULL,
  der               BLOB NOT NULL,
  issuer_chain_pem  TEXT NOT NULL,
  names_json        TEXT NOT NULL,
  profile           TEXT NOT NULL,
  authority_key_id  BLOB NOT NULL,
  not_before        INTEGER NOT NULL,
  not_after         INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
  revoked_at        INTEGER,
  revocation_reason INTEGER NOT NULL
);
CREATE INDEX certificates_by_order ON certificates(order_id);

-- AUTOINCREMENT: audit ids are never reused, even if the newest rows were ever deleted.
CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  at           INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  account_id   TEXT NOT NULL,
  subject      TEXT NOT NULL,
  details_json TEXT NOT NULL
);
)sql";

// Keys revoked for keyCompromise, refused for every future certificate and account (storage::BlockedKeyStore).
constexpr char kBlockedKeys[] = R"sql(
CREATE TABLE blocked_keys (
  spki_sha256 TEXT PRIMARY KEY,
  added_at    INTEGER NOT NULL,
  source      TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Rate limits (storage::RateLimit): one theoretical arrival time per key, in Unix milliseconds.
constexpr char kRateLimits[] = R"sql(
CREATE TABLE rate_limits (
  key    TEXT PRIMARY KEY,
  tat_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Open orders and pending authorizations by account: identical pending orders are reused, and their numbers
// are capped (OrderStore::FindReusableOrder, CountPending). Partial, so they hold only the few open rows; keyed
// on the account alone, since an account has few open orders and every order write maintains the index.
constexpr char kOpenOrderIndexes[] = R"sql(
CREATE INDEX orders_open_by_account ON orders(account_id)
  WHERE status IN ('pending', 'ready');
CREATE INDEX authorizations_pending_by_account ON authorizations(account_id, expires)
  WHERE status = 'pending';
)sql";

// CRLs (issue 14, storage::RevocationListStore): each series' last CRL number and thisUpdate, and the revoked
// certificates of an issuer in serial order. The index is partial, so it holds only the revoked rows (few,
// and written once each by RevokeCertificate), and keyed as the listing reads it: authority_key_id is the
// BLOB the certificates table stores, serial the TEXT primary key, compared byte by byte (BINARY collation).
constexpr char kCrls[] = R"sql(
CREATE TABLE crl_states (
  issuer_id   TEXT PRIMARY KEY,
  number      INTEGER NOT NULL,
  this_update INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX certificates_revoked_by_authority ON certificates(authority_key_id, serial)
  WHERE revoked_at IS NOT NULL;
)sql";

// Migration 5's index found the revoked rows, but the listing then read each one's table row for its state,
// not_after, revoked_at and revocation_reason: one random page per revoked certificate, since a row with its
// DER and chain fills most of a page (crl_scale_bench, 1,000,000 certificates of which 100,000 revoked: the
// listing took 0.8-1.3 s from the page cache and 7-11 s from the disk, 73-79 ms and 0.26-0.37 s with this
// index; docs/performance.md). The same partial index, now holding every column the listing reads, answers it
// alone. Rebuilding it reads the certificates table once.
constexpr char kCoveringRevokedIndex[] = R"sql(
DROP INDEX certificates_revoked_by_authority;
CREATE INDEX certificates_revoked_by_authority
  ON certificates(authority_key_id, serial, state, not_after, revoked_at, revocation_reason)
  WHERE revoked_at IS NOT NULL;
)sql";

// The audit trail becomes a hash chain (storage/audit_chain.h): each record's link to the one before it and
// its own hash; the signed anchors of the chain's head; and triggers that refuse to change or delete either
// (a guard against mistakes, not against someone who can drop a trigger: that is what the chain is for).
// ChainExistingAudit hashes the records written before this migration, in id order, then adds the triggers.
constexpr char kAuditChain[] = R"sql(
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE TABLE audit_anchors (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  head_id    INTEGER NOT NULL,
  head_hash  TEXT NOT NULL,
  signer_der BLOB NOT NULL,
  signature  BLOB NOT NULL
);
)sql";

constexpr char kAuditAppendOnly[] = R"sql(
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors
  BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
  BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
)sql";

// Reads the columns by name rather than through ReadAudit and ANVIL_AUDIT_COLUMNS: a migration must keep working on
// the schema of its own version, and those grow with later migrations.
Status ChainExistingAudit(Connection& c) {
  std::string prev = AuditGenesisHash();
  int64_t after = 0;
  for (;;) {
    ANVIL_ASSIGN_OR_RETURN(Statement read,
                           c.Prepare("SELECT id, at, kind, account_id, subject, details_json FROM audit_log "
                                     "WHERE id > ? ORDER BY id LIMIT 1000"));
    read.BindInt(1, after);
    std::vector<AuditEvent> page;
    for (;;) {
      ANVIL_ASSIGN_OR_RETURN(bool row, read.Step());
      if (!row) break;
      AuditEvent e;
      e.id = read.ColumnInt(0);
      e.at = read.ColumnTime(1);
      e.kind = read.ColumnText(2);
      e.account_id = read.ColumnText(3);
      e.subject = read.ColumnText(4);
      e.details_json = read.ColumnText(5);
      page.push_back(std::move(e));
    }
    if (page.empty()) break;
    for (AuditEvent& e : page) {
      e.prev_hash = prev;
      e.hash = AuditRecordHash(e);
      ANVIL_ASSIGN_OR_RETURN(Statement update,
                             c.Prepare("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?"));
      update.BindText(1, e.prev_hash).BindText(2, e.hash).BindInt(3, e.id);
      ANVIL_RETURN_IF_ERROR(update.Run());
      prev = e.hash;
      after = e.id;
    }
  }
  return c.Exec(kAuditAppendOnly);
}

// The inventory (issue 15, storage::CertificateInventory; docs/inventory.md). Self-contained, so that its number
// is the only thing to change if another migration lands first. Its parts:
// - replaced_by: the serial of the certificate whose order's RFC 9773 `replaces` named this one (FinishIssuance
//   sets it; the backfill decodes the valid orders' `replaces`).
// - One partial index per way the listing is driven, each in the listing's order (not_after, serial), so a
//   page is one range scan with the cursor as its start: all issued certificates; by account; by profile; the
//   revoked ones. revoked_at and replaced_by ride along so that status filters and counts read no table row.
// - certificate_names: each name reversed, so that a suffix filter is a prefix range of its primary key.
// - certificate_names_fts: FTS5 with the trigram tokenizer (SQLite 3.34+; Debian 12 has 3.40) for substrings
//   of at least 3 characters, answered from the trigram index instead of a scan of every name.
// - audit_log_by_subject: a certificate's or account's history (ListAuditForSubject).
// Names of every existing certificate are filled by the backfill (BackfillInventory, sqlite_inventory.cc).
constexpr char kInventory[] = R"sql(
ALTER TABLE certificates ADD COLUMN replaced_by TEXT;
CREATE INDEX certificates_inventory
  ON certificates(not_after, serial, revoked_at, replaced_by) WHERE state = 'issued';
CREATE INDEX certificates_inventory_by_account
  ON certificates(account_id, not_after, serial, revoked_at, replaced_by) WHERE state = 'issued';
CREATE INDEX certificates_inventory_by_profile
  ON certificates(profile, not_after, serial, revoked_at, replaced_by) WHERE state = 'issued';
CREATE INDEX certificates_inventory_revoked
  ON certificates(not_after, serial) WHERE state = 'issued' AND revoked_at IS NOT NULL;
CREATE TABLE certificate_names (
  reversed_name TEXT NOT NULL,
  serial        TEXT NOT NULL,
  PRIMARY KEY (reversed_name, serial)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE certificate_names_fts USING fts5(name, serial UNINDEXED, tokenize = 'trigram');
CREATE INDEX audit_log_by_subject ON audit_log(subject, id);
)sql";
constexpr Migration kInventoryMigration{8, "certificate inventory (issue 15): names, replaced_by, listing indexes",
                                        kInventory, BackfillInventory};

// Migration 8's trigram index kept every trigram's positions (FTS5's detail=full) and each name's token count
// (columnsize), for phrase queries and ranking the inventory never makes: a substring filter is a LIKE, which
// FTS5 answers from the trigrams alone and then checks against the stored name. Without them an issuance
// writes about 7 fewer pages (bench/run, 16 workers: 117 -> 110 write calls and 202 -> 189 KB per issuance;
// docs/performance.md). RebuildNameTrigrams refills it from certificate_names.
constexpr char kPositionlessTrigrams[] = R"sql(
DROP TABLE certificate_names_fts;
CREATE VIRTUAL TABLE certificate_names_fts
  USING fts5(name, serial UNINDEXED, tokenize = 'trigram', detail = none, columnsize = 0);
)sql";

// Named policies and the EAB key lifecycle (issue 15, docs/policy.md): the policy an operator binds to an
// account or an EAB key; an EAB key's expiry, use count and limit (every key so far bound one account at
// most: max_uses 1, and uses 1 where it is bound), and revocation.
constexpr char kPoliciesAndEabLifecycle[] = R"sql(
ALTER TABLE accounts ADD COLUMN policy TEXT NOT NULL DEFAULT '';
ALTER TABLE eab_keys ADD COLUMN policy TEXT NOT NULL DEFAULT '';
ALTER TABLE eab_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE eab_keys ADD COLUMN max_uses INTEGER NOT NULL DEFAULT 1;
ALTER TABLE eab_keys ADD COLUMN uses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE eab_keys ADD COLUMN revoked_at INTEGER;
UPDATE eab_keys SET uses = 1 WHERE account_id IS NOT NULL;
)sql";

// The admin API's credentials (issue 15, storage::AdminCredentialStore; docs/admin-api.md). Self-contained, so
// that its number is the only thing to change if another migration lands first. `seq` keeps creation order;
// `name` and `lookup` (a certificate's SHA-256, a token's public id) are unique, each its own index, so a
// request's credential is one index look-up. Rows are never deleted (a revocation sets revoked_at).
constexpr char kAdminCredentials[] = R"sql(
CREATE TABLE admin_credentials (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  name               TEXT NOT NULL UNIQUE,
  role               TEXT NOT NULL,
  kind               TEXT NOT NULL,
  lookup             TEXT NOT NULL UNIQUE,
  token_sha256       TEXT NOT NULL,
  certificate_serial TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  revoked_at         INTEGER
);
)sql";
constexpr Migration kAdminCredentialsMigration{11, "admin API credentials (issue 15)", kAdminCredentials};

// Named policies defined at run time (issue 15, storage::PolicyDefinitionStore; docs/policy.md). Self-contained
// as migration 11 is. `policy_definitions_version` is one row whose number the triggers move on every change
// of a definition, so that a server sees another process's change with one cheap read (the RA checks it at
// most once a second). The two partial indexes answer a deletion's question "what still binds this policy"
// without scanning the accounts: only accounts with a policy of their own, or created with an EAB key, are in
// them.
constexpr char kPolicyDefinitions[] = R"sql(
CREATE TABLE policy_definitions (
  name       TEXT PRIMARY KEY,
  rules_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE policy_definitions_version (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO policy_definitions_version (id, version) VALUES (1, 0);
CREATE TRIGGER policy_definitions_inserted AFTER INSERT ON policy_definitions
  BEGIN UPDATE policy_definitions_version SET version = version + 1; END;
CREATE TRIGGER policy_definitions_updated AFTER UPDATE ON policy_definitions
  BEGIN UPDATE policy_definitions_version SET version = version + 1; END;
CREATE TRIGGER policy_definitions_deleted AFTER DELETE ON policy_definitions
  BEGIN UPDATE policy_definitions_version SET version = version + 1; END;
CREATE INDEX accounts_by_policy ON accounts(policy) WHERE policy <> '';
CREATE INDEX accounts_by_eab_kid ON accounts(eab_kid) WHERE eab_kid IS NOT NULL;
)sql";
constexpr Migration kPolicyDefinitionsMigration{12, "named policies defined at run time (issue 15)",
                                                kPolicyDefinitions};

// The console's overview (issue 16, CertificateInventory::CountActivityByDay and LastIssuedAt; docs/inventory.md):
// issuances and revocations per day read as ranges of two partial indexes. Issued certificates by created_at
// grow at the right edge only; revoked ones by revoked_at hold only the revoked.
constexpr char kActivityIndexes[] = R"sql(
CREATE INDEX certificates_issued_at ON certificates(created_at) WHERE state = 'issued';
CREATE INDEX certificates_revoked_at ON certificates(revoked_at) WHERE state = 'issued' AND revoked_at IS NOT NULL;
)sql";
constexpr Migration kActivityIndexesMigration{13, "issuances and revocations by time (issue 16)", kActivityIndexes};

// The console's issuer filter (issue 16, CertificateQuery::authority_key_id; docs/inventory.md): the listing's
// index carries the authority key ID, so that a filter on it is checked on the index entry before any row is
// read — the certificates of an old intermediate generation are found by walking the index, not the table.
// The index is made again with the column at its end (its order and its uses are unchanged).
constexpr char kInventoryByIssuer[] = R"sql(
DROP INDEX certificates_inventory;
CREATE INDEX certificates_inventory
  ON certificates(not_after, serial, revoked_at, replaced_by, authority_key_id) WHERE state = 'issued';
)sql";
constexpr Migration kInventoryByIssuerMigration{14, "the inventory's index with the issuer (issue 16)",
                                                kInventoryByIssuer};

// Device attestation (issue 17, docs/device-attestation.md): the verified evidence of a device-attest-01
// challenge, which finalize compares with the CSR's key, and the device an EAB key (an MDM's enrollment
// token) is good for.
constexpr char kDeviceAttestation[] = R"sql(
ALTER TABLE challenges ADD COLUMN attestation_json TEXT NOT NULL DEFAULT '';
ALTER TABLE eab_keys ADD COLUMN device_identifier TEXT NOT NULL DEFAULT '';
)sql";
constexpr Migration kDeviceAttestationMigration{15, "device attestation evidence and device-bound EAB keys (issue 17)",
                                                kDeviceAttestation};

}  // namespace

const std::vector<Migration>& Migrations() {
  // Append only. Each entry must be correct when applied to the schema its predecessors leave.
  static const std::vector<Migration> kMigrations = {
      {1, "initial schema", kInitialSchema},
      {2, "blocked keys", kBlockedKeys},
      {3, "rate limits", kRateLimits},
      {4, "open orders and pending authorizations by account", kOpenOrderIndexes},
      {5, "CRL states and revoked certificates by authority", kCrls},
      {6, "revoked certificates by authority, covering the CRL listing", kCoveringRevokedIndex},
      {7, "the audit trail as a hash chain, with anchors", kAuditChain, ChainExistingAudit},
      kInventoryMigration,
      {9, "the inventory's trigram index without positions", kPositionlessTrigrams, RebuildNameTrigrams},
      {10, "named policies of accounts and EAB keys; EAB key expiry, uses and revocation", kPoliciesAndEabLifecycle},
      kAdminCredentialsMigration,
      kPolicyDefinitionsMigration,
      kActivityIndexesMigration,
      kInventoryByIssuerMigration,
      kDeviceAttestationMigration,
  };
  return kMigrations;
}

int LatestSchemaVersion() { return Migrations().back().version; }

Result<int> CurrentSchemaVersion(Connection& connection) {
  ANVIL_ASSIGN_OR_RETURN(Statement exists,
                         connection.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
  exists.BindText(1, "schema_migrations");
  ANVIL_ASSIGN_OR_RETURN(bool has_table, exists.Step());
  if (!has_table) return 0;
  ANVIL_ASSIGN_OR_RETURN(Statement max,
                         connection.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  ANVIL_ASSIGN_OR_RETURN(bool row, max.Step());
  if (!row) return Error(Code::kInternal, "schema_migrations: no result");
  return static_cast<int>(max.ColumnInt(0));
}

Status Migrate(Connection& connection, TimePoint now) {
  ANVIL_RETURN_IF_ERROR(
      connection.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"));
  for (const Migration& migration : Migrations()) {
    // Re-read the version inside the write transaction: another process may have migrated meanwhile.
    ANVIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(connection, Transaction::Kind::kWrite));
    ANVIL_ASSIGN_OR_RETURN(int current, CurrentSchemaVersion(connection));
    if (current > LatestSchemaVersion()) {
      return Error(Code::kInvalidArgument, "database schema version " + std::to_string(current) +
                                               " is newer than this build supports (" +
                                               std::to_string(LatestSchemaVersion()) +
                                               "); refusing to open it");
    }
    if (current >= migration.version) continue;
    if (current != migration.version - 1) {
      return Error(Code::kInternal, "schema version " + std::to_string(current) + " cannot be migrated to " +
                                        std::to_string(migration.version));
    }
    Status applied = connection.Exec(std::string(migration.sql));
    if (applied.ok() && migration.backfill != nullptr) applied = migration.backfill(connection);
    if (!applied.ok()) {
      return Error(applied.code(), "migration " + std::to_string(migration.version) + " (" +
                                       std::string(migration.description) + "): " + applied.message());
    }
    ANVIL_ASSIGN_OR_RETURN(
        Statement record,
        connection.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
    record.BindInt(1, migration.version).BindTime(2, now);
    ANVIL_RETURN_IF_ERROR(record.Run());
    ANVIL_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

}  // namespace anvil::storage::sqlite
