// The inventory (docs/inventory.md) as operators see it, shared by `anvil-ca cert|account …` and the admin API
// (docs/admin-api.md) so that both read filters, serials and reasons the same way and show a certificate or an
// account with the same fields: what a record holds, plus what its DER and its account add (status, key type,
// issuer, EAB key). Thread-compatible; an EabLabels reads the store it was given.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"

namespace anvil::admin {

// A serial as operators paste it ("3F:A9:…", "0x3fa9", "03fa9") in the store's form: lowercase hex without
// leading zeros. kInvalidArgument when it is empty or not hexadecimal.
Result<std::string> NormalizeSerial(const std::string& text);

// RFC 5280 §5.3.1 CRLReason names ("keyCompromise") and back; a number outside them is its decimal text.
std::string ReasonName(int code);
Result<int> ParseReason(const std::string& name);  // kInvalidArgument naming the accepted reasons

// "valid", "expiring", "expired", "revoked" and back.
std::string StatusName(storage::InventoryStatus status);
Result<storage::InventoryStatus> ParseStatus(const std::string& name);

// A certificate listing's filters as text (CLI flags, query parameters); `expiring_within`, when set, lists the
// certificates expiring within it and says what "expiring" means.
struct CertificateFilter {
  std::string name_contains, name_suffix, account, profile;
  std::string status;  // empty: any
  std::optional<std::chrono::seconds> expiring_within;
  std::string issuer;  // the issuing CA key's identifier in hex (a certificate's authority_key_id); empty: any
  std::string order;   // "soonest" (expiry; the default, also when empty) or "latest"
  int limit = 100;
  std::string cursor;
};
// The store's query at `now`. kInvalidArgument for an unknown status or order, an issuer that is not hex, or
// expiring_within with another status (the store checks the rest: limit, cursor, name length).
Result<storage::CertificateQuery> QueryFrom(const CertificateFilter& filter, TimePoint now);

// The EAB key (kid, comment) each account was created with, read once per account.
class EabLabels {
 public:
  explicit EabLabels(storage::Store& store) : store_(store) {}
  const std::pair<std::string, std::string>& Of(const std::string& account_id);

 private:
  storage::Store& store_;
  std::map<std::string, std::pair<std::string, std::string>> cache_;
};

// What a listing shows of one certificate besides its record: derived from the DER and from its account.
struct CertificateRow {
  const storage::CertificateRecord* record = nullptr;  // not owned; outlives the row
  std::string status, key_type, issuer, eab_kid, eab_label;
};
CertificateRow MakeRow(const storage::CertificateRecord& record, TimePoint now, std::chrono::seconds expiring_within,
                       EabLabels& labels);
// {serial, names, status, not_before, not_after, issuer, authority_key_id, profile, key_type, account, eab_kid,
// eab_label, order, replaced_by, revoked_at, revocation_reason} (the last two null unless revoked).
nlohmann::json CertificateJson(const CertificateRow& row);
// {id, status, contacts, created_at, thumbprint, eab_kid, eab_label}.
nlohmann::json AccountJson(const storage::Account& account, EabLabels& labels);
// {id, at, kind, account, subject, details, prev_hash, hash}; details as the JSON object written (as text if
// a record's is not an object).
nlohmann::json AuditJson(const storage::AuditEvent& event);

// {kid, label, policy, uses, max_uses (0 = any number), state (usable, used up, expired, revoked at `now`),
// created, expires, revoked (null unless set), first_account}: never the HMAC key.
nlohmann::json EabKeyJson(const storage::EabKey& key, TimePoint now);

}  // namespace anvil::admin
