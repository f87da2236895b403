#include "expiry_notices.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace anvil::app {
namespace {

constexpr const char* kNotified = "certificate.expiry_notified";

}  // namespace

Result<bool> ExpiryNotices::Notified(const std::string& serial) {
  int64_t after = 0;
  for (;;) {
    ANVIL_ASSIGN_OR_RETURN(auto events, store_.ListAuditForSubject(serial, after, 100));
    for (const auto& e : events) {
      if (e.kind == kNotified) return true;
    }
    if (events.size() < 100) return false;
    after = events.back().id;
  }
}

Status ExpiryNotices::Notify(const storage::CertificateRecord& c) {
  const TimePoint now = clock_.Now();
  nlohmann::json account = nullptr;
  if (!c.account_id.empty()) {
    auto a = store_.GetAccount(c.account_id);
    if (!a.ok() && a.status().code() != Code::kNotFound) return a.status();
    account = {{"id", c.account_id},
               {"contacts", a.ok() ? a->contacts : std::vector<std::string>{}},
               {"status", a.ok() ? std::string(acme::StatusName(a->status)) : "unknown"}};
  }
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(c.not_after - now);
  const nlohmann::json data = {{"serial", c.serial},         {"names", c.names},
                               {"profile", c.profile},       {"not_before", FormatRfc3339(c.not_before)},
                               {"not_after", FormatRfc3339(c.not_after)}, {"expires_in_seconds", left.count()},
                               {"account", account}};
  auto response = sender_.Post("certificate.expiring", data);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status > 299) {
    return Error(Code::kUnavailable, "the receiver answered HTTP " + std::to_string(response->status));
  }
  nlohmann::json details = {{"url", sender_.url()}, {"not_after", FormatRfc3339(c.not_after)}, {"names", c.names}};
  if (account.is_object()) details["contacts"] = account["contacts"];
  storage::AuditEvent audit;
  audit.at = now;
  audit.kind = kNotified;
  audit.account_id = c.account_id;
  audit.subject = c.serial;
  audit.details_json = details.dump();
  return store_.AppendAudit(audit);
}

Result<int64_t> ExpiryNotices::SendDue() {
  storage::CertificateQuery query;
  query.now = clock_.Now();
  query.status = storage::InventoryStatus::kExpiring;
  query.expiring_within = window_;
  query.limit = 200;
  int64_t sent = 0, failed = 0;
  bool unreachable = false;  // the receiver cannot be reached: the rest waits for the next check
  while (!unreachable && !stopping_) {
    ANVIL_ASSIGN_OR_RETURN(storage::CertificatePage page, store_.ListCertificates(query));
    for (const storage::CertificateRecord& c : page.certificates) {
      if (sent + failed >= kPerCheck || unreachable || stopping_) break;
      ANVIL_ASSIGN_OR_RETURN(bool notified, Notified(c.serial));
      if (notified) continue;
      if (Status s = Notify(c); !s.ok()) {
        ++failed;
        spdlog::warn("expiry notice of serial {} not delivered to {} (next check tries again): {}", c.serial,
                     sender_.url(), s.ToString());
        unreachable = s.code() == Code::kConnection || s.code() == Code::kTimeout || s.code() == Code::kTls;
        continue;
      }
      ++sent;
    }
    if (page.next_cursor.empty() || sent + failed >= kPerCheck) break;
    query.cursor = page.next_cursor;
  }
  if (sent > 0) spdlog::info("expiry notices: {} sent to {}", sent, sender_.url());
  return sent;
}

}  // namespace anvil::app
