#include "storage/internal/inventory.h"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "acme/certificate_id.h"

namespace anvil::storage::internal {
namespace {

Status Invalid(std::string message) { return Error(Code::kInvalidArgument, std::move(message)); }

// Names are DNS names and IP addresses: printable ASCII without spaces. A filter outside it could never
// match, and the trigram index counts characters where this counts bytes.
Status CheckNameFilter(std::string_view what, std::string_view value) {
  for (char ch : value) {
    if (ch < 0x21 || ch > 0x7e) return Invalid(std::string(what) + " must be printable ASCII without spaces");
  }
  return Status::Ok();
}

bool IsLowerHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<CheckedQuery> CheckCertificateQuery(const CertificateQuery& query) {
  CheckedQuery checked;
  checked.query = query;
  CertificateQuery& q = checked.query;
  if (q.limit < 1 || q.limit > kMaxCertificatePage) {
    return Invalid("limit must be between 1 and " + std::to_string(kMaxCertificatePage) + ", got " +
                   std::to_string(q.limit));
  }
  ANVIL_RETURN_IF_ERROR(CheckNameFilter("name_contains", q.name_contains));
  ANVIL_RETURN_IF_ERROR(CheckNameFilter("name_suffix", q.name_suffix));
  q.name_contains = LowerAscii(q.name_contains);
  q.name_suffix = LowerAscii(q.name_suffix);
  if (!q.name_contains.empty() && q.name_contains.size() < 3) {
    return Invalid("name_contains needs at least 3 characters, got \"" + q.name_contains + "\"");
  }
  if (q.expiring_within <= std::chrono::seconds(0)) {
    return Invalid("expiring_within must be positive, got " + std::to_string(q.expiring_within.count()) +
                   " s");
  }
  if (q.not_after_from && q.not_after_to &&
      ToUnixSeconds(*q.not_after_to) < ToUnixSeconds(*q.not_after_from)) {
    return Invalid("the not_after window ends before it starts");
  }
  if (!q.cursor.empty()) {
    ANVIL_ASSIGN_OR_RETURN(InventoryCursor cursor, ParseInventoryCursor(q.cursor));
    checked.cursor = std::move(cursor);
  }
  checked.now = ToUnixSeconds(q.now);
  checked.expiring_until = checked.now + q.expiring_within.count();
  return checked;
}

std::string FormatInventoryCursor(const CertificateRecord& last) {
  return std::to_string(ToUnixSeconds(last.not_after)) + "." + last.serial;
}

Result<InventoryCursor> ParseInventoryCursor(std::string_view cursor) {
  const Status malformed = Invalid("malformed cursor \"" + std::string(cursor.substr(0, 64)) +
                                   "\" (use the next_cursor of a previous page)");
  const size_t dot = cursor.find('.');
  if (dot == std::string_view::npos || dot == 0) return malformed;
  InventoryCursor parsed;
  const std::string_view seconds = cursor.substr(0, dot);
  auto [end, ec] = std::from_chars(seconds.data(), seconds.data() + seconds.size(), parsed.not_after);
  if (ec != std::errc() || end != seconds.data() + seconds.size()) return malformed;
  parsed.serial = std::string(cursor.substr(dot + 1));
  if (!IsLowerHex(parsed.serial) || parsed.serial.size() > 64) return malformed;
  return parsed;
}

bool Matches(const CertificateRecord& record, const CheckedQuery& checked) {
  const CertificateQuery& q = checked.query;
  if (record.state != CertificateState::kIssued) return false;
  if (!q.account_id.empty() && record.account_id != q.account_id) return false;
  if (!q.profile.empty() && record.profile != q.profile) return false;
  if (!q.authority_key_id.empty() && record.authority_key_id != q.authority_key_id) return false;
  if (q.status && InventoryStatusAt(record, q.now, q.expiring_within) != *q.status) return false;
  const int64_t not_after = ToUnixSeconds(record.not_after);
  if (q.not_after_from && not_after < ToUnixSeconds(*q.not_after_from)) return false;
  if (q.not_after_to && not_after >= ToUnixSeconds(*q.not_after_to)) return false;
  if (checked.cursor) {
    const auto key = std::tie(not_after, record.serial);
    const auto cursor = std::tie(checked.cursor->not_after, checked.cursor->serial);
    if (q.latest_first ? key >= cursor : key <= cursor) return false;
  }
  auto any_name = [&](auto&& test) {
    return std::any_of(record.names.begin(), record.names.end(),
                       [&](const std::string& name) { return test(LowerAscii(name)); });
  };
  if (!q.name_suffix.empty() &&
      !any_name([&](const std::string& name) { return EndsWith(name, q.name_suffix); })) {
    return false;
  }
  if (!q.name_contains.empty() &&
      !any_name([&](const std::string& name) { return name.find(q.name_contains) != std::string::npos; })) {
    return false;
  }
  return true;
}

CertificatePage MakePage(std::vector<CertificateRecord> matching, int limit, bool latest_first) {
  std::sort(matching.begin(), matching.end(), [&](const CertificateRecord& a, const CertificateRecord& b) {
    const auto ka = std::make_tuple(ToUnixSeconds(a.not_after), std::cref(a.serial));
    const auto kb = std::make_tuple(ToUnixSeconds(b.not_after), std::cref(b.serial));
    return latest_first ? kb < ka : ka < kb;
  });
  CertificatePage page;
  const size_t wanted = static_cast<size_t>(limit);
  if (matching.size() > wanted) {
    matching.resize(wanted);
    page.next_cursor = FormatInventoryCursor(matching.back());
  }
  for (CertificateRecord& record : matching) record.tbs_der.clear();
  page.certificates = std::move(matching);
  return page;
}

std::string ReversedName(std::string_view name) {
  std::string reversed = LowerAscii(name);
  std::reverse(reversed.begin(), reversed.end());
  return reversed;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

std::optional<std::pair<std::string, std::string>> ReplacedCertificate(const std::string& replaces) {
  if (replaces.empty()) return std::nullopt;
  auto parsed = acme::ParseCertificateId(replaces);
  if (!parsed.ok()) return std::nullopt;
  return *std::move(parsed);
}

Result<DaySpan> CheckDaySpan(TimePoint from, TimePoint to) {
  const DaySpan span{ToUnixSeconds(from), ToUnixSeconds(to)};
  if (span.to <= span.from) return Invalid("the span of days is empty");
  if (span.to - span.from > int64_t{400} * 86400) return Invalid("the span of days is longer than 400 days");
  return span;
}

Status CheckInventoryLimit(int limit) {
  if (limit < 1 || limit > 1000)
    return Invalid("limit must be between 1 and 1000, got " + std::to_string(limit));
  return Status::Ok();
}

}  // namespace anvil::storage::internal
