#include "storage/sqlite/sqlite_rows.h"

#include <utility>

#include "storage/audit_chain.h"
#include "storage/internal/codec.h"
#include "storage/internal/rate_limit.h"

namespace anvil::storage::sqlite {

using internal::NotFound;

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
  a.policy = s.ColumnText(8);
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
  c.replaced_by = s.ColumnText(15);
  return c;
}

EabKey ReadEabKey(const Statement& s) {
  EabKey k;
  k.kid = s.ColumnText(0);
  k.hmac_key = s.ColumnBlob(1);
  k.account_id = s.ColumnText(2);
  k.comment = s.ColumnText(3);
  k.created_at = s.ColumnTime(4);
  k.policy = s.ColumnText(5);
  k.expires_at = s.ColumnOptionalTime(6);
  k.max_uses = s.ColumnInt(7);
  k.uses = s.ColumnInt(8);
  k.revoked_at = s.ColumnOptionalTime(9);
  k.device_identifier = s.ColumnText(10);
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
  e.prev_hash = s.ColumnText(6);
  e.hash = s.ColumnText(7);
  return e;
}

AuditAnchor ReadAuditAnchor(const Statement& s) {
  AuditAnchor a;
  a.id = s.ColumnInt(0);
  a.at = s.ColumnTime(1);
  a.head_id = s.ColumnInt(2);
  a.head_hash = s.ColumnText(3);
  a.signer_der = s.ColumnBlob(4);
  a.signature = s.ColumnBlob(5);
  return a;
}

Result<bool> Exists(Connection& c, std::string_view sql, std::string_view key) {
  ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
  s.BindText(1, key);
  return s.Step();
}

Status LoadChallenges(Connection& c, Authorization& authorization) {
  ANVIL_ASSIGN_OR_RETURN(Statement s,
                         c.Prepare("SELECT id, type, token, status, validated_at, error_json, attestation_json "
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
    ch.attestation_json = s.ColumnText(6);
    authorization.challenges.push_back(std::move(ch));
  }
}

Status ExplainChallengeMiss(Connection& c, const std::string& authorization_id,
                            const std::string& challenge_id) {
  ANVIL_ASSIGN_OR_RETURN(Statement s,
                         c.Prepare("SELECT 1 FROM challenges WHERE authorization_id = ? AND id = ?"));
  s.BindText(1, authorization_id).BindText(2, challenge_id);
  ANVIL_ASSIGN_OR_RETURN(bool found, s.Step());
  if (!found) return NotFound("challenge", authorization_id + "/" + challenge_id);
  return internal::ChallengeConflict(authorization_id, challenge_id);
}

Status ExplainCertificateMiss(Connection& c, const std::string& serial, std::string_view expected) {
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

// The chain's next link, read in the writing transaction (writes are serialized: one writer at a time). The
// id comes from sqlite_sequence, not from the newest row, so that an id is never used twice even if the
// newest records were deleted: the verifier then sees the gap.
Status InsertAudit(Connection& c, const AuditEvent& event) {
  AuditEvent e = event;
  e.at = FromUnixSeconds(ToUnixSeconds(event.at));
  ANVIL_ASSIGN_OR_RETURN(Statement seq, c.Prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'"));
  ANVIL_ASSIGN_OR_RETURN(bool has_seq, seq.Step());
  e.id = (has_seq ? seq.ColumnInt(0) : 0) + 1;
  ANVIL_ASSIGN_OR_RETURN(Statement last, c.Prepare("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"));
  ANVIL_ASSIGN_OR_RETURN(bool has_last, last.Step());
  e.prev_hash = has_last ? last.ColumnText(0) : AuditGenesisHash();
  e.hash = AuditRecordHash(e);
  ANVIL_ASSIGN_OR_RETURN(Statement insert,
                         c.Prepare("INSERT INTO audit_log (" ANVIL_AUDIT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.BindInt(1, e.id)
      .BindTime(2, e.at)
      .BindText(3, e.kind)
      .BindText(4, e.account_id)
      .BindText(5, e.subject)
      .BindText(6, e.details_json)
      .BindText(7, e.prev_hash)
      .BindText(8, e.hash);
  return insert.Run();
}

Status ApplyRateLimits(Connection& c, const std::vector<RateLimit>& limits, TimePoint now) {
  for (const RateLimit& limit : limits) {
    ANVIL_ASSIGN_OR_RETURN(Statement read, c.Prepare("SELECT tat_ms FROM rate_limits WHERE key = ?"));
    read.BindText(1, limit.key);
    ANVIL_ASSIGN_OR_RETURN(bool row, read.Step());
    std::optional<int64_t> stored;
    if (row) stored = read.ColumnInt(0);
    ANVIL_ASSIGN_OR_RETURN(std::optional<int64_t> tat, internal::DecideRateLimit(limit, stored, now));
    if (!tat) continue;
    ANVIL_ASSIGN_OR_RETURN(Statement write,
                           c.Prepare("INSERT INTO rate_limits (key, tat_ms) VALUES (?, ?) "
                                     "ON CONFLICT (key) DO UPDATE SET tat_ms = excluded.tat_ms"));
    write.BindText(1, limit.key).BindInt(2, *tat);
    ANVIL_RETURN_IF_ERROR(write.Run());
  }
  return Status::Ok();
}

}  // namespace anvil::storage::sqlite
