// The SQLite store's inventory (storage::CertificateInventory; class in sqlite_store_impl.h) and the name
// indexes an issuance maintains (sqlite_inventory.h).
#include "storage/sqlite/sqlite_inventory.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "storage/internal/codec.h"
#include "storage/sqlite/sqlite_store_impl.h"

namespace anvil::storage::sqlite {

Status InsertCertificateNames(Connection& c, std::string_view serial, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    // A Statement is one use of the cached statement (db.h): taken again for each name.
    ANVIL_ASSIGN_OR_RETURN(Statement reversed,
                           c.Prepare("INSERT INTO certificate_names (reversed_name, serial) VALUES (?, ?) "
                                     "ON CONFLICT DO NOTHING"));
    ANVIL_ASSIGN_OR_RETURN(Statement trigrams,
                           c.Prepare("INSERT INTO certificate_names_fts (name, serial) VALUES (?, ?)"));
    reversed.BindText(1, internal::ReversedName(name)).BindText(2, serial);
    ANVIL_RETURN_IF_ERROR(reversed.Run());
    trigrams.BindText(1, internal::LowerAscii(name)).BindText(2, serial);
    ANVIL_RETURN_IF_ERROR(trigrams.Run());
  }
  return Status::Ok();
}

Status MarkReplaced(Connection& c, const std::string& replaces, const std::string& serial) {
  std::optional<std::pair<std::string, std::string>> replaced = internal::ReplacedCertificate(replaces);
  if (!replaced) return Status::Ok();
  ANVIL_ASSIGN_OR_RETURN(
      Statement update,
      c.Prepare("UPDATE certificates SET replaced_by = ? WHERE serial = ? AND authority_key_id = ?"));
  update.BindText(1, serial).BindText(2, replaced->second).BindBlob(3, replaced->first);
  return update.Run();
}

Status RebuildNameTrigrams(Connection& c) {
  ANVIL_ASSIGN_OR_RETURN(Statement rows, c.Prepare("SELECT reversed_name, serial FROM certificate_names"));
  while (true) {
    ANVIL_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) return Status::Ok();
    ANVIL_ASSIGN_OR_RETURN(Statement insert,
                           c.Prepare("INSERT INTO certificate_names_fts (name, serial) VALUES (?, ?)"));
    // Reversing the lower-case reversed name gives the lower-case name back.
    insert.BindText(1, internal::ReversedName(rows.ColumnText(0))).BindText(2, rows.ColumnText(1));
    ANVIL_RETURN_IF_ERROR(insert.Run());
  }
}

Status BackfillInventory(Connection& c) {
  {
    ANVIL_ASSIGN_OR_RETURN(Statement rows, c.Prepare("SELECT serial, names_json FROM certificates"));
    while (true) {
      ANVIL_ASSIGN_OR_RETURN(bool row, rows.Step());
      if (!row) break;
      ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> names, internal::DecodeStringList(rows.ColumnText(1)));
      ANVIL_RETURN_IF_ERROR(InsertCertificateNames(c, rows.ColumnText(0), names));
    }
  }
  ANVIL_ASSIGN_OR_RETURN(Statement orders,
                         c.Prepare("SELECT replaces, certificate_serial FROM orders "
                                   "WHERE replaces <> '' AND status = 'valid' AND certificate_serial <> ''"));
  while (true) {
    ANVIL_ASSIGN_OR_RETURN(bool row, orders.Step());
    if (!row) return Status::Ok();
    ANVIL_RETURN_IF_ERROR(MarkReplaced(c, orders.ColumnText(0), orders.ColumnText(1)));
  }
}

namespace {

// The rows of certificate_names_fts whose name holds the substring in `param` ("?N"; lower case, at least 3
// characters): the LIKE is what FTS5 answers from the trigram index (which keeps no positions, so there are no
// phrase queries); `%` or `_` in the substring would widen the LIKE, so instr() then keeps only the names
// that hold it literally.
std::string ContainsWhere(const std::string& param) {
  return "name LIKE '%' || " + param + " || '%' AND instr(name, " + param + ") > 0";
}

constexpr char kListColumns[] =
    "c.serial, c.order_id, c.account_id, c.state, x'', c.der, c.issuer_chain_pem, c.names_json, c.profile, "
    "c.authority_key_id, c.not_before, c.not_after, c.created_at, c.revoked_at, c.revocation_reason, "
    "c.replaced_by";

}  // namespace

Result<NameDriver> NameDriverFor(Connection& c, const internal::CheckedQuery& checked, int limit) {
  const CertificateQuery& q = checked.query;
  auto count = [&](const char* sql, auto&& bind) -> Result<int64_t> {
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    bind(s);
    ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Error(Code::kInternal, "COUNT returned no row");
    const int64_t n = s.ColumnInt(0);
    ANVIL_RETURN_IF_ERROR(s.Run());
    return n;
  };
  if (!q.name_suffix.empty()) {
    const std::string start = internal::ReversedName(q.name_suffix);
    ANVIL_ASSIGN_OR_RETURN(
        int64_t n, count("SELECT COUNT(*) FROM (SELECT 1 FROM certificate_names "
                         "WHERE reversed_name >= ? AND reversed_name < ? LIMIT ?)",
                         [&](Statement& s) {
                           s.BindText(1, start).BindText(2, internal::PrefixEnd(start)).BindInt(3, limit);
                         }));
    if (n < limit) return NameDriver::kSuffix;
  }
  if (!q.name_contains.empty()) {
    ANVIL_ASSIGN_OR_RETURN(
        int64_t n, count(("SELECT COUNT(*) FROM (SELECT 1 FROM certificate_names_fts WHERE " +
                          ContainsWhere("?1") + " LIMIT ?2)")
                             .c_str(),
                         [&](Statement& s) { s.BindText(1, q.name_contains).BindInt(2, limit); }));
    if (n < limit) return NameDriver::kContains;
  }
  return NameDriver::kNone;
}

InventorySql CertificateListSql(const internal::CheckedQuery& checked, NameDriver driver) {
  const CertificateQuery& q = checked.query;
  InventorySql out;
  auto param = [&](std::variant<std::string, int64_t, InventorySql::Blob> value) {
    out.params.push_back(std::move(value));
    return "?" + std::to_string(out.params.size());
  };
  std::string from;
  if (driver == NameDriver::kSuffix) {
    const std::string start = internal::ReversedName(q.name_suffix);
    const std::string end = internal::PrefixEnd(start);  // never empty: the suffix is printable ASCII
    // The matching serials first (CROSS JOIN keeps that order of the loops), then each certificate by its
    // primary key; the page is sorted from those rows alone.
    from = "(SELECT DISTINCT serial FROM certificate_names WHERE reversed_name >= " + param(start) +
           " AND reversed_name < " + param(end) + ") AS m CROSS JOIN certificates AS c";
  } else if (driver == NameDriver::kContains) {
    from = "(SELECT DISTINCT serial FROM certificate_names_fts WHERE " + ContainsWhere(param(q.name_contains)) +
           ") AS m CROSS JOIN certificates AS c";
  } else if (!q.account_id.empty()) {
    from = "certificates AS c INDEXED BY certificates_inventory_by_account";
  } else if (q.status == InventoryStatus::kRevoked) {
    from = "certificates AS c INDEXED BY certificates_inventory_revoked";
  } else if (!q.profile.empty()) {
    from = "certificates AS c INDEXED BY certificates_inventory_by_profile";
  } else {
    from = "certificates AS c INDEXED BY certificates_inventory";
  }

  // Each partial index's own condition is written literally, so SQLite may use the index.
  std::string where = "c.state = 'issued'";
  if (driver != NameDriver::kNone) where += " AND c.serial = m.serial";
  // A name filter that does not drive is checked on the certificate's own names (names_json, in its row).
  if (!q.name_suffix.empty() && driver != NameDriver::kSuffix) {
    const std::string length = param(static_cast<int64_t>(q.name_suffix.size()));
    where += " AND EXISTS (SELECT 1 FROM json_each(c.names_json) WHERE substr(lower(value), -" + length +
             ") = " + param(q.name_suffix) + ")";
  }
  if (!q.name_contains.empty() && driver != NameDriver::kContains) {
    where += " AND EXISTS (SELECT 1 FROM json_each(c.names_json) WHERE instr(lower(value), " +
             param(q.name_contains) + ") > 0)";
  }
  if (!q.account_id.empty()) where += " AND c.account_id = " + param(q.account_id);
  if (!q.profile.empty()) where += " AND c.profile = " + param(q.profile);
  // In certificates_inventory's entries (migration 14): checked there before the row is read.
  if (!q.authority_key_id.empty()) {
    where += " AND c.authority_key_id = " + param(InventorySql::Blob{q.authority_key_id});
  }
  // Every bound on not_after (the status's, the window's, the cursor's) folded into one inclusive range, so
  // that the index range SQLite reads is the tightest one: with separate terms it may pick a looser bound and
  // filter (a deep page of expiring certificates would read every entry from now to the cursor).
  std::optional<int64_t> low, high;
  auto at_least = [&](int64_t v) { low = low ? std::max(*low, v) : v; };
  auto at_most = [&](int64_t v) { high = high ? std::min(*high, v) : v; };
  if (q.status) {
    switch (*q.status) {
      case InventoryStatus::kRevoked:
        where += " AND c.revoked_at IS NOT NULL";
        break;
      case InventoryStatus::kExpired:
        where += " AND c.revoked_at IS NULL";
        at_most(checked.now);
        break;
      case InventoryStatus::kExpiring:
        where += " AND c.revoked_at IS NULL AND c.replaced_by IS NULL";
        at_least(checked.now + 1);
        at_most(checked.expiring_until);
        break;
      case InventoryStatus::kValid:
        where += " AND c.revoked_at IS NULL AND (c.not_after > " + param(checked.expiring_until) +
                 " OR c.replaced_by IS NOT NULL)";
        at_least(checked.now + 1);
        break;
    }
  }
  if (q.not_after_from) at_least(ToUnixSeconds(*q.not_after_from));
  if (q.not_after_to) at_most(ToUnixSeconds(*q.not_after_to) - 1);
  const bool down = q.latest_first;
  if (checked.cursor) {
    if (down) {
      at_most(checked.cursor->not_after);
    } else {
      at_least(checked.cursor->not_after);
    }
  }
  if (low) where += " AND c.not_after >= " + param(*low);
  if (high) where += " AND c.not_after <= " + param(*high);
  if (checked.cursor) {
    // After the cursor in the listing's order: a later expiry, or the same second and a greater serial (both
    // reversed when latest first). Written without a row value, which SQLite would take as a second range on
    // the index instead of `low` / `high`.
    const std::string not_after = param(checked.cursor->not_after);
    const char* beyond = down ? " < " : " > ";
    where += " AND (c.not_after" + std::string(beyond) + not_after + " OR c.serial" + beyond +
             param(checked.cursor->serial) + ")";
  }
  out.sql = std::string("SELECT ") + kListColumns + " FROM " + from + " WHERE " + where +
            (down ? " ORDER BY c.not_after DESC, c.serial DESC" : " ORDER BY c.not_after, c.serial") + " LIMIT " +
            param(int64_t{q.limit} + 1);
  return out;
}

void BindAll(Statement& s, const InventorySql& query) {
  for (size_t i = 0; i < query.params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    if (const auto* text = std::get_if<std::string>(&query.params[i])) {
      s.BindText(index, *text);
    } else if (const auto* blob = std::get_if<InventorySql::Blob>(&query.params[i])) {
      s.BindBlob(index, blob->bytes);
    } else {
      s.BindInt(index, std::get<int64_t>(query.params[i]));
    }
  }
}

// ---- SqliteStore: CertificateInventory ----

Result<CertificatePage> SqliteStore::ListCertificates(const CertificateQuery& query) {
  ANVIL_ASSIGN_OR_RETURN(internal::CheckedQuery checked, internal::CheckCertificateQuery(query));
  // One snapshot: the probe of the name indexes and the page.
  return Read<CertificatePage>(true, [&](Connection& c) -> Result<CertificatePage> {
    ANVIL_ASSIGN_OR_RETURN(NameDriver driver, NameDriverFor(c, checked, options_.name_index_limit));
    const InventorySql sql = CertificateListSql(checked, driver);
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql.sql));
    BindAll(s, sql);
    ANVIL_ASSIGN_OR_RETURN(std::vector<CertificateRecord> rows,
                           ReadAll<CertificateRecord>(s, ReadCertificate));
    CertificatePage page;
    if (rows.size() > static_cast<size_t>(checked.query.limit)) {
      rows.pop_back();
      page.next_cursor = internal::FormatInventoryCursor(rows.back());
    }
    page.certificates = std::move(rows);
    return page;
  });
}

Result<CertificateCounts> SqliteStore::CountCertificates(TimePoint now,
                                                         std::chrono::seconds expiring_within) {
  CertificateQuery query;
  query.now = now;
  query.expiring_within = expiring_within;
  ANVIL_ASSIGN_OR_RETURN(internal::CheckedQuery checked, internal::CheckCertificateQuery(query));
  // One snapshot for both statements, so the counts add up.
  return Read<CertificateCounts>(true, [&](Connection& c) -> Result<CertificateCounts> {
    CertificateCounts counts;
    ANVIL_ASSIGN_OR_RETURN(
        Statement revoked,
        c.Prepare("SELECT COUNT(*) FROM certificates INDEXED BY certificates_inventory_revoked "
                  "WHERE state = 'issued' AND revoked_at IS NOT NULL"));
    ANVIL_ASSIGN_OR_RETURN(bool row, revoked.Step());
    if (!row) return Error(Code::kInternal, "COUNT returned no row");
    counts.revoked = revoked.ColumnInt(0);
    ANVIL_RETURN_IF_ERROR(revoked.Run());
    // Every unrevoked certificate's index entry (not_after, replaced_by), no table row.
    ANVIL_ASSIGN_OR_RETURN(Statement live,
                           c.Prepare("SELECT COUNT(*), TOTAL(not_after <= ?1), "
                                     "TOTAL(not_after > ?1 AND not_after <= ?2 AND replaced_by IS NULL) "
                                     "FROM certificates INDEXED BY certificates_inventory WHERE state = "
                                     "'issued' AND revoked_at IS NULL"));
    live.BindInt(1, checked.now).BindInt(2, checked.expiring_until);
    ANVIL_ASSIGN_OR_RETURN(row, live.Step());
    if (!row) return Error(Code::kInternal, "COUNT returned no row");
    const int64_t unrevoked = live.ColumnInt(0);
    counts.expired = live.ColumnInt(1);
    counts.expiring = live.ColumnInt(2);
    counts.valid = unrevoked - counts.expired - counts.expiring;
    ANVIL_RETURN_IF_ERROR(live.Run());
    return counts;
  });
}

Result<int64_t> SqliteStore::CountExpiringCertificates(TimePoint now, std::chrono::seconds within) {
  CertificateQuery query;
  query.now = now;
  query.expiring_within = within;
  ANVIL_ASSIGN_OR_RETURN(internal::CheckedQuery checked, internal::CheckCertificateQuery(query));
  return Read<int64_t>(false, [&](Connection& c) -> Result<int64_t> {
    // One range of certificates_inventory: the certificates expiring in the window, read from the index.
    ANVIL_ASSIGN_OR_RETURN(Statement s,
                           c.Prepare("SELECT COUNT(*) FROM certificates INDEXED BY certificates_inventory "
                                     "WHERE state = 'issued' AND not_after > ? AND not_after <= ? "
                                     "AND revoked_at IS NULL AND replaced_by IS NULL"));
    s.BindInt(1, checked.now).BindInt(2, checked.expiring_until);
    ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Error(Code::kInternal, "COUNT returned no row");
    const int64_t count = s.ColumnInt(0);
    ANVIL_RETURN_IF_ERROR(s.Run());
    return count;
  });
}

Result<std::vector<ExpiryDay>> SqliteStore::CountExpiryByDay(TimePoint now, std::chrono::seconds horizon) {
  ANVIL_ASSIGN_OR_RETURN(internal::DaySpan span, internal::CheckDaySpan(now, now + horizon));
  return Read<std::vector<ExpiryDay>>(true, [&](Connection& c) -> Result<std::vector<ExpiryDay>> {
    // The profiles first, one index seek each (a skip-scan of certificates_inventory_by_profile), then per
    // profile one range of the same index in not_after order: index entries only, no table row.
    ANVIL_ASSIGN_OR_RETURN(Statement profiles,
                           c.Prepare("WITH RECURSIVE p(name) AS ("
                                     " SELECT MIN(profile) FROM certificates INDEXED BY "
                                     "certificates_inventory_by_profile WHERE state = 'issued'"
                                     " UNION ALL SELECT (SELECT MIN(profile) FROM certificates INDEXED BY "
                                     "certificates_inventory_by_profile WHERE state = 'issued' AND profile > p.name)"
                                     " FROM p WHERE p.name IS NOT NULL)"
                                     " SELECT name FROM p WHERE name IS NOT NULL"));
    std::vector<std::string> names;
    for (;;) {
      ANVIL_ASSIGN_OR_RETURN(bool row, profiles.Step());
      if (!row) break;
      names.push_back(profiles.ColumnText(0));
    }
    std::vector<ExpiryDay> out;
    for (const std::string& profile : names) {
      // A bare not_after beside COUNT is one row's of the group: any of them falls on the group's day.
      ANVIL_ASSIGN_OR_RETURN(Statement days,
                             c.Prepare("SELECT not_after, COUNT(*) FROM certificates INDEXED BY "
                                       "certificates_inventory_by_profile WHERE state = 'issued' AND profile = ? "
                                       "AND not_after > ? AND not_after <= ? AND revoked_at IS NULL "
                                       "GROUP BY CASE WHEN not_after >= 0 THEN not_after / 86400 "
                                       "ELSE (not_after - 86399) / 86400 END"));
      days.BindText(1, profile).BindInt(2, span.from).BindInt(3, span.to);
      for (;;) {
        ANVIL_ASSIGN_OR_RETURN(bool row, days.Step());
        if (!row) break;
        out.push_back({internal::UtcDay(days.ColumnInt(0)), profile, days.ColumnInt(1)});
      }
    }
    std::sort(out.begin(), out.end(), [](const ExpiryDay& a, const ExpiryDay& b) {
      return std::tie(a.day, a.profile) < std::tie(b.day, b.profile);
    });
    return out;
  });
}

Result<std::vector<ActivityDay>> SqliteStore::CountActivityByDay(TimePoint from, TimePoint to) {
  ANVIL_ASSIGN_OR_RETURN(internal::DaySpan span, internal::CheckDaySpan(from, to));
  return Read<std::vector<ActivityDay>>(true, [&](Connection& c) -> Result<std::vector<ActivityDay>> {
    std::map<int64_t, ActivityDay> days;
    // One range of each time index (certificates_issued_at, certificates_revoked_at), grouped by day.
    for (const bool revoked : {false, true}) {
      const std::string column = revoked ? "revoked_at" : "created_at";
      ANVIL_ASSIGN_OR_RETURN(
          Statement s,
          c.Prepare("SELECT " + column + ", COUNT(*) FROM certificates INDEXED BY certificates_" +
                    (revoked ? "revoked_at" : "issued_at") + " WHERE state = 'issued'" +
                    (revoked ? " AND revoked_at IS NOT NULL" : "") + " AND " + column + " >= ? AND " + column +
                    " < ? GROUP BY CASE WHEN " + column + " >= 0 THEN " + column + " / 86400 ELSE (" + column +
                    " - 86399) / 86400 END"));
      s.BindInt(1, span.from).BindInt(2, span.to);
      for (;;) {
        ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        ActivityDay& day = days[internal::UtcDay(s.ColumnInt(0))];
        (revoked ? day.revoked : day.issued) = s.ColumnInt(1);
      }
    }
    std::vector<ActivityDay> out;
    for (auto& [day, activity] : days) {
      activity.day = day;
      out.push_back(activity);
    }
    return out;
  });
}

Result<std::optional<TimePoint>> SqliteStore::LastIssuedAt() {
  return Read<std::optional<TimePoint>>(false, [&](Connection& c) -> Result<std::optional<TimePoint>> {
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT MAX(created_at) FROM certificates INDEXED BY "
                                                  "certificates_issued_at WHERE state = 'issued'"));
    ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Error(Code::kInternal, "MAX returned no row");
    return s.ColumnOptionalTime(0);
  });
}

Result<AccountPage> SqliteStore::ListAccounts(const std::string& cursor, int limit) {
  ANVIL_RETURN_IF_ERROR(internal::CheckInventoryLimit(limit));
  return Read<AccountPage>(false, [&](Connection& c) -> Result<AccountPage> {
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_ACCOUNT_COLUMNS
                                                  " FROM accounts WHERE id > ? ORDER BY id LIMIT ?"));
    s.BindText(1, cursor).BindInt(2, int64_t{limit} + 1);
    AccountPage page;
    ANVIL_ASSIGN_OR_RETURN(page.accounts, ReadAll<Account>(s, ReadAccount));
    if (page.accounts.size() > static_cast<size_t>(limit)) {
      page.accounts.pop_back();
      page.next_cursor = page.accounts.back().id;
    }
    return page;
  });
}

Result<std::vector<AuditEvent>> SqliteStore::ListAuditForSubject(const std::string& subject, int64_t after_id,
                                                                 int limit) {
  ANVIL_RETURN_IF_ERROR(internal::CheckInventoryLimit(limit));
  return Read<std::vector<AuditEvent>>(false, [&](Connection& c) -> Result<std::vector<AuditEvent>> {
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_AUDIT_COLUMNS " FROM audit_log "
                                                  "WHERE subject = ? AND id > ? ORDER BY id LIMIT ?"));
    s.BindText(1, subject).BindInt(2, after_id).BindInt(3, limit);
    return ReadAll<AuditEvent>(s, [](const Statement& st) -> Result<AuditEvent> { return ReadAudit(st); });
  });
}

}  // namespace anvil::storage::sqlite
