// Internal to storage/sqlite: the column lists of the schema's tables and the functions that decode a row of
// each, plus the small statements every query file shares (existence checks, audit rows, explanations of a
// conditional update that changed nothing). docs/storage.md has the schema.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "storage/sqlite/db.h"
#include "storage/store.h"

namespace anvil::storage::sqlite {

// Column lists shared by the SELECTs and the row decoders in sqlite_rows.cc (the decoders read them by
// position).
#define ANVIL_ACCOUNT_COLUMNS \
  "id, jwk_json, thumbprint, contacts_json, status, tos_agreed, eab_kid, created_at, policy"
#define ANVIL_ORDER_COLUMNS                                                                            \
  "id, account_id, status, identifiers_json, authorization_ids_json, not_before, not_after, expires, " \
  "created_at, profile, replaces, error_json, certificate_serial"
#define ANVIL_AUTHORIZATION_COLUMNS \
  "id, account_id, identifier_type, identifier_value, wildcard, status, expires, created_at"
#define ANVIL_CERTIFICATE_COLUMNS                                                              \
  "serial, order_id, account_id, state, tbs_der, der, issuer_chain_pem, names_json, profile, " \
  "authority_key_id, "                                                                         \
  "not_before, not_after, created_at, revoked_at, revocation_reason, replaced_by"
#define ANVIL_EAB_COLUMNS \
  "kid, hmac_key, account_id, comment, created_at, policy, expires_at, max_uses, uses, revoked_at, " \
  "device_identifier"
#define ANVIL_AUDIT_COLUMNS "id, at, kind, account_id, subject, details_json, prev_hash, hash"
#define ANVIL_AUDIT_ANCHOR_COLUMNS "id, at, head_id, head_hash, signer_der, signature"

// The page query of ListRevokedCertificates; parameters: authority_key_id (BLOB), the serial to start after,
// the issued state's name, not_after's lower bound (exclusive, Unix seconds), the limit. `revoked_at IS NOT
// NULL` as written in the partial index certificates_revoked_by_authority (migrations 5 and 6), so that
// SQLite uses it: a range scan of one authority's revoked serials, already in order, that never reads the
// table (the index holds every column named here). Shared with the test and the benchmark that check its
// plan.
inline constexpr char kRevokedCertificatesPageSql[] =
    "SELECT serial, revoked_at, revocation_reason, not_after FROM certificates "
    "WHERE authority_key_id = ? AND revoked_at IS NOT NULL AND serial > ? AND state = ? "
    "AND not_after > ? ORDER BY serial LIMIT ?";

// What still binds a run-time policy (DeletePolicyDefinition); parameters: the policy's name, the valid status's
// name. The first repeats the WHERE of migration 12's partial index (`policy <> ''`) so that SQLite may use it;
// the second walks the EAB keys (an operator's records, few) and looks each one's accounts up in the other
// partial index (CROSS JOIN fixes that order: without statistics SQLite would walk every account made with any
// EAB key). SqliteMigrationsTest checks their plans.
inline constexpr char kAccountBoundToPolicySql[] =
    "SELECT id FROM accounts WHERE policy = ? AND policy <> '' AND status = ? ORDER BY id LIMIT 1";
inline constexpr char kAccountBoundThroughEabKeySql[] =
    "SELECT a.id, k.kid FROM eab_keys k CROSS JOIN accounts a ON a.eab_kid = k.kid "
    "WHERE k.policy = ? AND a.status = ? ORDER BY a.id LIMIT 1";

// `status` with "WHAT: " before its message.
Status Annotate(const Status& status, std::string_view what);

Result<Account> ReadAccount(const Statement& s);
Result<Order> ReadOrder(const Statement& s);
Result<Authorization> ReadAuthorization(const Statement& s);  // without its challenges (LoadChallenges)
Result<CertificateRecord> ReadCertificate(const Statement& s);
EabKey ReadEabKey(const Statement& s);
AuditEvent ReadAudit(const Statement& s);
AuditAnchor ReadAuditAnchor(const Statement& s);

// Whether a row exists for a query with one text parameter.
Result<bool> Exists(Connection& c, std::string_view sql, std::string_view key);
// Fills authorization.challenges (in creation order).
Status LoadChallenges(Connection& c, Authorization& authorization);
// kNotFound if the authorization or its challenge does not exist, else kConflict: explains a conditional
// challenge update that changed nothing.
Status ExplainChallengeMiss(Connection& c, const std::string& authorization_id,
                            const std::string& challenge_id);
// Explains a conditional certificate update that changed nothing: kNotFound, kAlreadyRevoked or kConflict
// ("certificate S is STATE, not EXPECTED").
Status ExplainCertificateMiss(Connection& c, const std::string& serial, std::string_view expected);
// Appends one audit row (its id is assigned by SQLite).
Status InsertAudit(Connection& c, const AuditEvent& event);

// Applies `limits` at `now` inside the caller's write transaction (storage::RateLimit): reads each key's
// stored value, decides (internal/rate_limit.h) and stores the new one; kRateLimited at the first refusal (the
// caller's transaction then rolls back, so nothing of the write stays). Callers apply limits after their own
// checks, so every backend reports a write's own error first.
Status ApplyRateLimits(Connection& c, const std::vector<RateLimit>& limits, TimePoint now);

}  // namespace anvil::storage::sqlite
