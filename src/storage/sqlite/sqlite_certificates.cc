// The SQLite store's certificates, issuance transactions and CRL states (class in sqlite_store_impl.h).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/crash_point.h"
#include "storage/sqlite/sqlite_inventory.h"
#include "storage/sqlite/sqlite_store_impl.h"

namespace anvil::storage::sqlite {

using internal::CheckLimit;
using internal::Name;
using internal::NotFound;

// ---- CertificateStore ----

Result<CertificateRecord> SqliteStore::GetCertificate(const std::string& serial) {
  return ReadOne<CertificateRecord>("SELECT " ANVIL_CERTIFICATE_COLUMNS " FROM certificates WHERE serial = ?",
                                    serial, ReadCertificate, "certificate");
}

Result<std::vector<CertificateRecord>> SqliteStore::ListCertificatesForOrder(const std::string& order_id) {
  return Read<std::vector<CertificateRecord>>(
      false, [&](Connection& c) -> Result<std::vector<CertificateRecord>> {
        ANVIL_ASSIGN_OR_RETURN(Statement s,
                               c.Prepare("SELECT " ANVIL_CERTIFICATE_COLUMNS
                                         " FROM certificates WHERE order_id = ? ORDER BY rowid"));
        s.BindText(1, order_id);
        return ReadAll<CertificateRecord>(s, ReadCertificate);
      });
}

Status SqliteStore::RevokeCertificate(const std::string& serial, int reason, TimePoint at,
                                      const AuditEvent& audit) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement update,
                           c.Prepare("UPDATE certificates SET revoked_at = ?, revocation_reason = ? "
                                     "WHERE serial = ? AND state = ? AND revoked_at IS NULL"));
    update.BindTime(1, at).BindInt(2, reason).BindText(3, serial).BindText(4,
                                                                           Name(CertificateState::kIssued));
    ANVIL_RETURN_IF_ERROR(update.Run());
    if (c.Changes() != 1) return ExplainCertificateMiss(c, serial, "issued");
    return InsertAudit(c, audit);
  });
}

namespace {

// One certificates row: `record`'s fields in `state` with `der` and the revocation given (none for a pending
// certificate, whatever the record holds).
Status InsertCertificate(Connection& c, const CertificateRecord& record, CertificateState state,
                         std::string_view der, const std::optional<TimePoint>& revoked_at, int reason) {
  ANVIL_ASSIGN_OR_RETURN(Statement insert,
                         c.Prepare("INSERT INTO certificates (" ANVIL_CERTIFICATE_COLUMNS
                                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.BindText(1, record.serial)
      .BindText(2, record.order_id)
      .BindText(3, record.account_id)
      .BindText(4, Name(state))
      .BindBlob(5, record.tbs_der)
      .BindBlob(6, der)
      .BindText(7, record.issuer_chain_pem)
      .BindText(8, internal::EncodeStringList(record.names))
      .BindText(9, record.profile)
      .BindBlob(10, record.authority_key_id)
      .BindTime(11, record.not_before)
      .BindTime(12, record.not_after)
      .BindTime(13, record.created_at);
  if (revoked_at) {
    insert.BindTime(14, *revoked_at);
  } else {
    insert.BindNull(14);
  }
  insert.BindInt(15, revoked_at ? reason : 0);
  insert.BindTextOrNull(16, state == CertificateState::kPending ? "" : record.replaced_by);
  Status inserted = insert.Run();
  if (!inserted.ok()) return Annotate(inserted, "certificate serial " + record.serial);
  // The inventory's name indexes (sqlite_inventory.h): one row per name in each, in the same transaction.
  return InsertCertificateNames(c, record.serial, record.names);
}

}  // namespace

Status SqliteStore::ImportCertificate(const CertificateRecord& record, const AuditEvent& audit) {
  ANVIL_RETURN_IF_ERROR(internal::CheckImportable(record));
  return Write([&](Connection& c) -> Status {
    ANVIL_RETURN_IF_ERROR(InsertCertificate(c, record, CertificateState::kIssued, record.der, record.revoked_at,
                                            record.revocation_reason));
    return InsertAudit(c, audit);
  });
}

// ---- IssuanceStore: each one Write, so a failing step rolls back the steps before it ----

namespace {

Status InsertPendingCertificate(Connection& c, const CertificateRecord& record) {
  return InsertCertificate(c, record, CertificateState::kPending, "", std::nullopt, 0);
}

// Conditional `from` → `to` of an order; kOrderNotReady-style explanations are the caller's.
Result<bool> MoveOrder(Connection& c, const std::string& id, acme::OrderStatus from, acme::OrderStatus to) {
  ANVIL_ASSIGN_OR_RETURN(Statement update,
                         c.Prepare("UPDATE orders SET status = ? WHERE id = ? AND status = ?"));
  update.BindText(1, Name(to)).BindText(2, id).BindText(3, Name(from));
  ANVIL_RETURN_IF_ERROR(update.Run());
  return c.Changes() == 1;
}

// Conditional kPending → `to` of a certificate (with its DER when issued); returns its order id.
Result<std::string> MovePendingCertificate(Connection& c, const std::string& serial, CertificateState to,
                                           const std::string& der) {
  // RETURNING hands back the order without a separate read.
  ANVIL_ASSIGN_OR_RETURN(Statement update,
                         c.Prepare("UPDATE certificates SET state = ?, der = CASE WHEN ? THEN ? ELSE der END "
                                   "WHERE serial = ? AND state = ? RETURNING order_id"));
  update.BindText(1, Name(to))
      .BindBool(2, to == CertificateState::kIssued)
      .BindBlob(3, der)
      .BindText(4, serial)
      .BindText(5, Name(CertificateState::kPending));
  ANVIL_ASSIGN_OR_RETURN(bool changed, update.Step());
  if (!changed) return ExplainCertificateMiss(c, serial, "pending");
  std::string order_id = update.ColumnText(0);
  ANVIL_RETURN_IF_ERROR(update.Run());
  return order_id;
}

}  // namespace

Status SqliteStore::BeginIssuance(const CertificateRecord& pending, acme::OrderStatus order_from,
                                  const std::vector<RateLimit>& limits) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(bool started,
                           MoveOrder(c, pending.order_id, order_from, acme::OrderStatus::kProcessing));
    if (!started) {
      ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM orders WHERE id = ?", pending.order_id));
      if (!exists) return NotFound("order", pending.order_id);
      return Error(Code::kOrderNotReady,
                   "order " + pending.order_id + " is not " + std::string(Name(order_from)));
    }
    ANVIL_RETURN_IF_ERROR(InsertPendingCertificate(c, pending));
    return ApplyRateLimits(c, limits, pending.created_at);
  });
}

Status SqliteStore::FinishIssuance(const std::string& serial, const std::string& der,
                                   const AuditEvent& audit) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(std::string order_id,
                           MovePendingCertificate(c, serial, CertificateState::kIssued, der));
    // The certificate is written but uncommitted and its order not yet valid: a crash here must lose both.
    ANVIL_CRASH_POINT("issuance.before_valid");
    // RETURNING hands back the order's RFC 9773 `replaces` without a separate read.
    ANVIL_ASSIGN_OR_RETURN(Statement update,
                           c.Prepare("UPDATE orders SET status = ?, certificate_serial = ? "
                                     "WHERE id = ? AND status = ? RETURNING replaces"));
    update.BindText(1, Name(acme::OrderStatus::kValid))
        .BindText(2, serial)
        .BindText(3, order_id)
        .BindText(4, Name(acme::OrderStatus::kProcessing));
    ANVIL_ASSIGN_OR_RETURN(bool changed, update.Step());
    if (!changed) {
      ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM orders WHERE id = ?", order_id));
      if (!exists) return NotFound("order", order_id);
      return Error(Code::kConflict, "order " + order_id + " is not processing");
    }
    const std::string replaces = update.ColumnText(0);
    ANVIL_RETURN_IF_ERROR(update.Run());
    ANVIL_RETURN_IF_ERROR(MarkReplaced(c, replaces, serial));
    return InsertAudit(c, audit);
  });
}

Status SqliteStore::AbandonIssuance(const std::string& serial, const std::string& order_error_json,
                                    const AuditEvent& audit) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(std::string order_id,
                           MovePendingCertificate(c, serial, CertificateState::kAbandoned, ""));
    ANVIL_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE orders SET status = ?, error_json = ? WHERE id = ? AND status = ?"));
    update.BindText(1, Name(acme::OrderStatus::kInvalid))
        .BindText(2, order_error_json)
        .BindText(3, order_id)
        .BindText(4, Name(acme::OrderStatus::kProcessing));
    ANVIL_RETURN_IF_ERROR(update.Run());  // an order no longer processing keeps its state
    return InsertAudit(c, audit);
  });
}

// ---- RevocationListStore ----

Result<std::vector<RevokedCertificate>> SqliteStore::ListRevokedCertificates(
    const std::string& authority_key_id, TimePoint not_after_after, const std::string& after_serial,
    int limit) {
  ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
  return Read<std::vector<RevokedCertificate>>(
      false, [&](Connection& c) -> Result<std::vector<RevokedCertificate>> {
        ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare(kRevokedCertificatesPageSql));
        s.BindBlob(1, authority_key_id)
            .BindText(2, after_serial)
            .BindText(3, Name(CertificateState::kIssued))
            .BindTime(4, not_after_after)
            .BindInt(5, limit);
        return ReadAll<RevokedCertificate>(s, [](const Statement& row) -> Result<RevokedCertificate> {
          return RevokedCertificate{row.ColumnText(0), row.ColumnTime(1), static_cast<int>(row.ColumnInt(2)),
                                    row.ColumnTime(3)};
        });
      });
}

Result<CrlState> SqliteStore::GetCrlState(const std::string& issuer_id) {
  return ReadOne<CrlState>(
      "SELECT issuer_id, number, this_update FROM crl_states WHERE issuer_id = ?", issuer_id,
      [](const Statement& s) -> Result<CrlState> {
        return CrlState{s.ColumnText(0), s.ColumnInt(1), s.ColumnTime(2)};
      },
      "CRL series");
}

Status SqliteStore::AdvanceCrlState(const CrlState& next, int64_t previous_number) {
  ANVIL_RETURN_IF_ERROR(internal::CheckCrlAdvance(next, previous_number));
  // Through Write like every other write: it returns once committed, so the publisher may publish the CRL.
  return Write([&](Connection& c) -> Status {
    // The first CRL of a series inserts its row; every later one moves it on from the number it read. Either
    // way one conditional statement, so a concurrent publisher's advance makes this one change nothing.
    const bool first = previous_number == 0;
    ANVIL_ASSIGN_OR_RETURN(
        Statement write,
        c.Prepare(
            first ? "INSERT INTO crl_states (number, this_update, issuer_id) VALUES (?, ?, ?) "
                    "ON CONFLICT (issuer_id) DO NOTHING"
                  : "UPDATE crl_states SET number = ?, this_update = ? WHERE issuer_id = ? AND number = ?"));
    write.BindInt(1, next.number).BindTime(2, next.this_update).BindText(3, next.issuer_id);
    if (!first) write.BindInt(4, previous_number);
    ANVIL_RETURN_IF_ERROR(write.Run());
    if (c.Changes() != 1) return internal::CrlStateConflict(next.issuer_id, previous_number);
    return Status::Ok();
  });
}

}  // namespace anvil::storage::sqlite
