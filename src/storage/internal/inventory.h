// The inventory's rules every backend shares word for word (storage::CertificateInventory,
// docs/inventory.md): the checks of a query and their errors, the cursor's text, the status of a record at a
// time, how a name filter matches, and which certificate an order's RFC 9773 `replaces` names. Private to
// src/storage.
//
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"

namespace anvil::storage::internal {

// Where a page ends: the (not_after, serial) of its last certificate, the key the listing is ordered by.
struct InventoryCursor {
  int64_t not_after = 0;  // Unix seconds
  std::string serial;
};

// The query as the backends run it: name filters lowercased; kInvalidArgument naming the field for a limit
// outside 1..kMaxCertificatePage, a name_contains of fewer than 3 characters (a trigram index answers it), an
// empty-after-trimming name filter, an expiring_within <= 0, a not_after window that ends before it starts,
// or a cursor that is not one ListCertificates returned.
struct CheckedQuery {
  CertificateQuery query;
  std::optional<InventoryCursor> cursor;
  int64_t now = 0;             // Unix seconds
  int64_t expiring_until = 0;  // now + expiring_within
};
Result<CheckedQuery> CheckCertificateQuery(const CertificateQuery& query);

// "NOT_AFTER.SERIAL" (decimal Unix seconds, a dot, the serial's hex).
std::string FormatInventoryCursor(const CertificateRecord& last);
Result<InventoryCursor> ParseInventoryCursor(std::string_view cursor);

// Whether an issued `record` passes every filter of `checked` (the memory store's listing; SQLite runs the
// same conditions as SQL).
bool Matches(const CertificateRecord& record, const CheckedQuery& checked);
// Sorts `matching` by (not_after, serial), descending when `latest_first`, keeps the first `limit`, and sets
// next_cursor when more were there.
CertificatePage MakePage(std::vector<CertificateRecord> matching, int limit, bool latest_first);

// The text stored to find a name by its suffix with a prefix range: the name lowercased, reversed.
std::string ReversedName(std::string_view name);
// The first string after every string that starts with `prefix` (a range's exclusive end); "" when there is
// none (the prefix is all 0xff bytes or empty).
std::string PrefixEnd(std::string_view prefix);
std::string LowerAscii(std::string_view s);

// The (authority_key_id, serial) an order's `replaces` names, or nullopt when it names nothing parseable.
std::optional<std::pair<std::string, std::string>> ReplacedCertificate(const std::string& replaces);

// ListAccounts' and ListAuditForSubject's limit: 1..1000.
Status CheckInventoryLimit(int limit);

// The overview's counts per day (CountExpiryByDay, CountActivityByDay): the span in Unix seconds [from, to]
// after checking that from < to and the span is at most 400 days; the UTC day of a Unix time.
struct DaySpan {
  int64_t from = 0;
  int64_t to = 0;
};
Result<DaySpan> CheckDaySpan(TimePoint from, TimePoint to);
inline int64_t UtcDay(int64_t unix_seconds) {
  return unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
}

}  // namespace anvil::storage::internal
