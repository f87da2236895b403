#include "admin/inventory_view.h"

#include <optional>
#include <string_view>
#include <tuple>

#include "crypto/certificate.h"
#include "crypto/digest.h"

namespace anvil::admin {
namespace {

using storage::InventoryStatus;

Status Invalid(std::string message) { return Error(Code::kInvalidArgument, std::move(message)); }

constexpr const char* kReasonNames[] = {
    "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
    "superseded",    "cessationOfOperation", "certificateHold", "",
    "removeFromCRL", "privilegeWithdrawn",   "aACompromise"};

std::string KeyType(const crypto::PublicKey& key) {
  switch (key.algorithm()) {
    case crypto::KeyAlgorithm::kEc:
      return "ECDSA P-" + std::to_string(key.bits());
    case crypto::KeyAlgorithm::kRsa:
      return "RSA " + std::to_string(key.bits());
    case crypto::KeyAlgorithm::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

// Hex as people write serials and key identifiers (either case, colons between bytes as openssl prints them):
// the lower-case digits, or nullopt when a character is neither.
std::optional<std::string> HexDigits(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c == ':') continue;
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    digits += c;
  }
  return digits;
}

// A key identifier written in hex → its bytes.
Result<std::string> KeyIdFromHex(const std::string& text) {
  const std::optional<std::string> hex = HexDigits(text);
  if (!hex) return Invalid("issuer \"" + text + "\" is not a key identifier in hex");
  const std::string& digits = *hex;
  if (digits.empty() || digits.size() % 2 != 0) {
    return Invalid("issuer \"" + text + "\" is not a key identifier in hex (an even number of digits)");
  }
  std::string bytes;
  for (size_t i = 0; i < digits.size(); i += 2) {
    auto value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    bytes += static_cast<char>(value(digits[i]) * 16 + value(digits[i + 1]));
  }
  return bytes;
}

}  // namespace

Result<std::string> NormalizeSerial(const std::string& text) {
  std::string_view in = text;
  if (in.starts_with("0x") || in.starts_with("0X")) in.remove_prefix(2);
  const std::optional<std::string> digits = HexDigits(in);
  if (!digits) return Invalid("serial \"" + text + "\" is not hexadecimal");
  const std::string& hex = *digits;
  if (hex.empty()) return Invalid("empty serial");
  const size_t first = hex.find_first_not_of('0');
  return first == std::string::npos ? std::string("0") : hex.substr(first);
}

std::string ReasonName(int code) {
  if (code < 0 || code > 10 || code == 7) return std::to_string(code);
  return kReasonNames[code];
}

Result<int> ParseReason(const std::string& name) {
  for (int code = 0; code <= 10; ++code) {
    if (code != 7 && name == kReasonNames[code]) return code;
  }
  return Invalid("unknown revocation reason \"" + name +
                 "\" (unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation or "
                 "privilegeWithdrawn)");
}

std::string StatusName(InventoryStatus status) {
  switch (status) {
    case InventoryStatus::kValid:
      return "valid";
    case InventoryStatus::kExpiring:
      return "expiring";
    case InventoryStatus::kExpired:
      return "expired";
    case InventoryStatus::kRevoked:
      return "revoked";
  }
  return "unknown";
}

Result<InventoryStatus> ParseStatus(const std::string& name) {
  for (InventoryStatus s : {InventoryStatus::kValid, InventoryStatus::kExpiring, InventoryStatus::kExpired,
                            InventoryStatus::kRevoked}) {
    if (name == StatusName(s)) return s;
  }
  return Invalid("unknown status \"" + name + "\" (valid, expiring, expired or revoked)");
}

Result<storage::CertificateQuery> QueryFrom(const CertificateFilter& filter, TimePoint now) {
  storage::CertificateQuery q;
  q.now = now;
  q.name_contains = filter.name_contains;
  q.name_suffix = filter.name_suffix;
  q.account_id = filter.account;
  q.profile = filter.profile;
  q.limit = filter.limit;
  q.cursor = filter.cursor;
  if (!filter.issuer.empty()) {
    ANVIL_ASSIGN_OR_RETURN(q.authority_key_id, KeyIdFromHex(filter.issuer));
  }
  if (filter.order == "latest") {
    q.latest_first = true;
  } else if (!filter.order.empty() && filter.order != "soonest") {
    return Invalid("order must be soonest or latest, got \"" + filter.order + "\"");
  }
  if (!filter.status.empty()) {
    ANVIL_ASSIGN_OR_RETURN(q.status, ParseStatus(filter.status));
  }
  if (filter.expiring_within) {
    if (q.status && *q.status != InventoryStatus::kExpiring) {
      return Invalid("expiring within a duration lists expiring certificates; it cannot go with status " +
                     filter.status);
    }
    q.status = InventoryStatus::kExpiring;
    q.expiring_within = *filter.expiring_within;
  }
  return q;
}

const std::pair<std::string, std::string>& EabLabels::Of(const std::string& account_id) {
  auto [it, inserted] = cache_.try_emplace(account_id);
  if (!inserted || account_id.empty()) return it->second;
  auto account = store_.GetAccount(account_id);
  if (!account.ok() || account->eab_kid.empty()) return it->second;
  it->second.first = account->eab_kid;
  if (auto key = store_.GetEabKey(account->eab_kid); key.ok()) it->second.second = key->comment;
  return it->second;
}

CertificateRow MakeRow(const storage::CertificateRecord& record, TimePoint now, std::chrono::seconds expiring_within,
                       EabLabels& labels) {
  CertificateRow row;
  row.record = &record;
  row.status = StatusName(storage::InventoryStatusAt(record, now, expiring_within));
  if (auto cert = crypto::Certificate::FromDer(record.der); cert.ok()) {
    row.key_type = KeyType(cert->public_key());
    row.issuer = cert->issuer();
  } else {
    row.key_type = row.issuer = "(unreadable DER)";
  }
  std::tie(row.eab_kid, row.eab_label) = labels.Of(record.account_id);
  return row;
}

nlohmann::json CertificateJson(const CertificateRow& row) {
  const storage::CertificateRecord& r = *row.record;
  nlohmann::json j = {{"serial", r.serial},
                      {"names", r.names},
                      {"status", row.status},
                      {"not_before", FormatRfc3339(r.not_before)},
                      {"not_after", FormatRfc3339(r.not_after)},
                      {"issuer", row.issuer},
                      {"authority_key_id", crypto::HexEncode(r.authority_key_id)},
                      {"profile", r.profile},
                      {"key_type", row.key_type},
                      {"account", r.account_id},
                      {"eab_kid", row.eab_kid},
                      {"eab_label", row.eab_label},
                      {"order", r.order_id},
                      {"replaced_by", r.replaced_by},
                      {"revoked_at", nullptr},
                      {"revocation_reason", nullptr}};
  if (r.revoked_at) {
    j["revoked_at"] = FormatRfc3339(*r.revoked_at);
    j["revocation_reason"] = ReasonName(r.revocation_reason);
  }
  return j;
}

nlohmann::json AccountJson(const storage::Account& a, EabLabels& labels) {
  const auto& [kid, label] = labels.Of(a.id);
  return {{"id", a.id},
          {"status", acme::StatusName(a.status)},
          {"contacts", a.contacts},
          {"created_at", FormatRfc3339(a.created_at)},
          {"thumbprint", a.thumbprint},
          {"eab_kid", kid},
          {"eab_label", label},
          {"policy", a.policy}};
}

nlohmann::json AuditJson(const storage::AuditEvent& e) {
  nlohmann::json j = {{"id", e.id},         {"at", FormatRfc3339(e.at)}, {"kind", e.kind},
                      {"account", e.account_id}, {"subject", e.subject}, {"prev_hash", e.prev_hash},
                      {"hash", e.hash}};
  nlohmann::json details = nlohmann::json::parse(e.details_json, nullptr, /*allow_exceptions=*/false);
  j["details"] = details.is_discarded() ? nlohmann::json(e.details_json) : details;
  return j;
}

nlohmann::json EabKeyJson(const storage::EabKey& k, TimePoint now) {
  std::string state = "usable";
  if (k.revoked_at) {
    state = "revoked";
  } else if (k.expires_at && *k.expires_at <= now) {
    state = "expired";
  } else if (k.max_uses > 0 && k.uses >= k.max_uses) {
    state = "used up";
  }
  auto time_or_null = [](const std::optional<TimePoint>& t) {
    return t ? nlohmann::json(FormatRfc3339(*t)) : nlohmann::json(nullptr);
  };
  return {{"kid", k.kid},
          {"label", k.comment},
          {"policy", k.policy},
          {"device", k.device_identifier.empty() ? nlohmann::json(nullptr) : nlohmann::json(k.device_identifier)},
          {"uses", k.uses},
          {"max_uses", k.max_uses},
          {"state", state},
          {"created", FormatRfc3339(k.created_at)},
          {"expires", time_or_null(k.expires_at)},
          {"revoked", time_or_null(k.revoked_at)},
          {"first_account", k.account_id}};
}

}  // namespace anvil::admin
