// The SQLite store's orders, authorizations and challenges (class in sqlite_store_impl.h).
#include <string>
#include <utility>
#include <vector>

#include "storage/sqlite/sqlite_store_impl.h"

namespace anvil::storage::sqlite {

using internal::CheckLimit;
using internal::Name;
using internal::NotFound;

// ---- OrderStore ----

Status SqliteStore::CreateOrder(const Order& order, const std::vector<Authorization>& new_authorizations,
                                const std::vector<RateLimit>& limits, const AuditEvent* audit) {
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
    ANVIL_RETURN_IF_ERROR(ApplyRateLimits(c, limits, order.created_at));
    return audit == nullptr ? Status::Ok() : InsertAudit(c, *audit);
  });
}

Result<Order> SqliteStore::GetOrder(const std::string& id) {
  return ReadOne<Order>("SELECT " ANVIL_ORDER_COLUMNS " FROM orders WHERE id = ?", id, ReadOrder, "order");
}

Result<std::vector<std::string>> SqliteStore::ListOrderIds(const std::string& account_id,
                                                           const std::string& after_id, int limit) {
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

Result<std::vector<Order>> SqliteStore::ListOrdersByStatus(acme::OrderStatus status, int limit) {
  ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
  return Read<std::vector<Order>>(false, [&](Connection& c) -> Result<std::vector<Order>> {
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_ORDER_COLUMNS
                                                  " FROM orders WHERE status = ? ORDER BY seq LIMIT ?"));
    s.BindText(1, Name(status)).BindInt(2, limit);
    return ReadAll<Order>(s, ReadOrder);
  });
}

Status SqliteStore::TransitionOrder(const std::string& id, acme::OrderStatus from, acme::OrderStatus to,
                                    const std::string& error_json, const std::string& certificate_serial,
                                    const AuditEvent* audit) {
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
    if (c.Changes() == 1) return audit != nullptr ? InsertAudit(c, *audit) : Status::Ok();
    ANVIL_ASSIGN_OR_RETURN(bool exists, Exists(c, "SELECT 1 FROM orders WHERE id = ?", id));
    if (!exists) return NotFound("order", id);
    return Error(Code::kConflict, "order " + id + " is not " + std::string(Name(from)));
  });
}

Result<std::optional<Order>> SqliteStore::FindOrderReplacing(const std::string& cert_id) {
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

// The literal statuses below must stay literal: SQLite uses a partial index (orders_open_by_account,
// authorizations_pending_by_account; migration 4) only when the query repeats its WHERE terms as written.
Result<std::optional<Order>> SqliteStore::FindReusableOrder(const std::string& account_id,
                                                            const std::vector<acme::Identifier>& identifiers,
                                                            const std::string& profile, TimePoint expires_after) {
  return Read<std::optional<Order>>(false, [&](Connection& c) -> Result<std::optional<Order>> {
    ANVIL_ASSIGN_OR_RETURN(
        Statement s, c.Prepare("SELECT " ANVIL_ORDER_COLUMNS " FROM orders "
                               "WHERE account_id = ? AND identifiers_json = ? AND status IN ('pending', 'ready') "
                               "AND profile = ? AND not_before IS NULL AND not_after IS NULL AND replaces = '' "
                               "AND expires > ? ORDER BY seq DESC LIMIT 1"));
    s.BindText(1, account_id)
        .BindText(2, internal::EncodeIdentifiers(identifiers))
        .BindText(3, profile)
        .BindTime(4, expires_after);
    ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<Order>();
    ANVIL_ASSIGN_OR_RETURN(Order order, ReadOrder(s));
    return std::optional<Order>(std::move(order));
  });
}

Result<OrderStore::PendingCounts> SqliteStore::CountPending(const std::string& account_id, TimePoint now) {
  return Read<PendingCounts>(false, [&](Connection& c) -> Result<PendingCounts> {
    PendingCounts counts;
    ANVIL_ASSIGN_OR_RETURN(Statement orders,
                           c.Prepare("SELECT COUNT(*) FROM orders WHERE account_id = ? "
                                     "AND status IN ('pending', 'ready') AND expires > ?"));
    orders.BindText(1, account_id).BindTime(2, now);
    ANVIL_ASSIGN_OR_RETURN(bool row, orders.Step());
    if (row) counts.orders = orders.ColumnInt(0);
    ANVIL_ASSIGN_OR_RETURN(Statement authzs,
                           c.Prepare("SELECT COUNT(*) FROM authorizations WHERE account_id = ? "
                                     "AND status = 'pending' AND expires > ?"));
    authzs.BindText(1, account_id).BindTime(2, now);
    ANVIL_ASSIGN_OR_RETURN(row, authzs.Step());
    if (row) counts.authorizations = authzs.ColumnInt(0);
    return counts;
  });
}

Status SqliteStore::CreateAuthorization(const Authorization& authorization) {
  return Write([&](Connection& c) -> Status { return InsertAuthorization(c, authorization); });
}

Result<Authorization> SqliteStore::GetAuthorization(const std::string& id) {
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

Result<std::optional<Authorization>> SqliteStore::FindValidAuthorization(const std::string& account_id,
                                                                         const acme::Identifier& identifier,
                                                                         bool wildcard,
                                                                         TimePoint expires_after) {
  return Read<std::optional<Authorization>>(true, [&](Connection& c) -> Result<std::optional<Authorization>> {
    // Served by the index authorizations_for_reuse.
    ANVIL_ASSIGN_OR_RETURN(Statement s,
                           c.Prepare("SELECT " ANVIL_AUTHORIZATION_COLUMNS " FROM authorizations "
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

Status SqliteStore::TransitionAuthorization(const std::string& id, acme::AuthorizationStatus from,
                                            acme::AuthorizationStatus to) {
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

Status SqliteStore::StartChallenge(const std::string& authorization_id, const std::string& challenge_id) {
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

Status SqliteStore::CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id,
                                      bool valid, const std::string& error_json, TimePoint validated_at,
                                      std::optional<TimePoint> valid_until,
                                      const std::vector<RateLimit>& limits, const AuditEvent* audit,
                                      const std::string& attestation_json) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement challenge,
                           c.Prepare("UPDATE challenges SET status = ?3, validated_at = ?4, error_json = ?5, "
                                     "attestation_json = ?9 "
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
        .BindText(8, Name(acme::ChallengeStatus::kPending))
        .BindText(9, valid ? attestation_json : std::string());
    ANVIL_RETURN_IF_ERROR(challenge.Run());
    if (c.Changes() != 1) return ExplainChallengeMiss(c, authorization_id, challenge_id);
    ANVIL_ASSIGN_OR_RETURN(Statement authz,
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
    ANVIL_RETURN_IF_ERROR(ApplyRateLimits(c, limits, validated_at));
    return audit == nullptr ? Status::Ok() : InsertAudit(c, *audit);
  });
}

Status SqliteStore::InsertAuthorization(Connection& c, const Authorization& authz) {
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
                                     "status, validated_at, error_json, attestation_json) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    challenge.BindText(1, authz.id)
        .BindText(2, ch.id)
        .BindInt(3, position++)
        .BindText(4, Name(ch.type))
        .BindText(5, ch.token)
        .BindText(6, Name(ch.status))
        .BindOptionalTime(7, ch.validated_at)
        .BindText(8, ch.error_json)
        .BindText(9, ch.attestation_json);
    Status added = challenge.Run();
    if (!added.ok()) return Annotate(added, "challenge " + authz.id + "/" + ch.id);
  }
  return Status::Ok();
}

}  // namespace anvil::storage::sqlite
