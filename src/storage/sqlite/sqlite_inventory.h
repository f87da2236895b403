// Internal to storage/sqlite: the inventory's tables and queries (storage::CertificateInventory; the schema
// is the inventory migration in migrations.cc, docs/storage.md and docs/inventory.md explain it). Shared by
// the store, the migration's backfill, the test that checks the query plans and the benchmark that fills a
// database directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "storage/internal/inventory.h"
#include "storage/sqlite/db.h"

namespace anvil::storage::sqlite {

// One row per name in certificate_names (reversed, for suffixes) and in certificate_names_fts (trigrams, for
// substrings): what an issuance adds to its BeginIssuance transaction.
Status InsertCertificateNames(Connection& c, std::string_view serial, const std::vector<std::string>& names);

// After FinishIssuance made `serial` valid for an order whose RFC 9773 `replaces` is `replaces`: the
// certificate it names (same authority key ID) gets replaced_by = serial. Nothing when `replaces` is empty or
// names nothing.
Status MarkReplaced(Connection& c, const std::string& replaces, const std::string& serial);

// Migration 9's backfill: certificate_names_fts from certificate_names.
Status RebuildNameTrigrams(Connection& c);

// The inventory migration's backfill: the names of every recorded certificate, and replaced_by from every
// valid order with `replaces`.
Status BackfillInventory(Connection& c);

// A listing's SQL and its parameters, in order (text, integer or bytes).
struct InventorySql {
  struct Blob {
    std::string bytes;
  };
  std::string sql;
  std::vector<std::variant<std::string, int64_t, Blob>> params;
};

// Where a listing with a name filter starts. From a name index, the matching serials are read first, then
// each certificate by its primary key, and the page is sorted from them: the cost grows with the matches. So
// that is chosen only for a filter that matches few names (NameDriverFor); a broad one walks the listing's
// order instead and checks each certificate's names, which costs about limit × (certificates / matches) rows.
enum class NameDriver { kNone, kSuffix, kContains };
// Counts the names each filter of `checked` matches, up to `limit`, and picks the suffix index, else the
// trigram index, when it matches fewer than `limit`; kNone otherwise (or without a name filter).
Result<NameDriver> NameDriverFor(Connection& c, const internal::CheckedQuery& checked, int limit);

// The page query of ListCertificates for a checked query, fetching limit + 1 rows (the extra one says whether
// there is a next page). It is driven by one index: the name index `driver` names (the other name filter, if
// any, checked on each row), else the account's, the revoked certificates', the profile's, else
// certificates_inventory (name filters checked on each row); every index but the names' holds the rows in the
// listing's order (not_after, serial), so a page is one range scan that starts at the cursor. Columns as
// ANVIL_CERTIFICATE_COLUMNS (tbs_der empty).
InventorySql CertificateListSql(const internal::CheckedQuery& checked, NameDriver driver);
void BindAll(Statement& s, const InventorySql& query);

}  // namespace anvil::storage::sqlite
