#include "inventory_commands.h"

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "ca/ca_material.h"
#include "ca/issuer.h"
#include "ca_commands.h"
#include "component_options.h"
#include "crypto/certificate.h"
#include "crypto/digest.h"
#include "operator_ra.h"
#include "ra/registration_authority.h"
#include "storage/store.h"
#include "va/validator.h"

namespace anvil::app {
namespace {

using storage::InventoryStatus;

int Fail(const std::string& what, const Status& status) {
  std::cerr << "anvil-ca: " << what << ": " << status.ToString() << "\n";
  return 1;
}

Status Invalid(std::string message) { return Error(Code::kInvalidArgument, std::move(message)); }

// A serial as operators paste it ("3F:A9:…", "0x3fa9", "03fa9") in the store's form: lowercase hex without
// leading zeros.
Result<std::string> NormalizeSerial(const std::string& text) {
  std::string hex;
  std::string_view in = text;
  if (in.starts_with("0x") || in.starts_with("0X")) in.remove_prefix(2);
  for (char c : in) {
    if (c == ':') continue;
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Invalid("serial \"" + text + "\" is not hexadecimal");
    }
    hex += c;
  }
  if (hex.empty()) return Invalid("empty serial");
  const size_t first = hex.find_first_not_of('0');
  return first == std::string::npos ? std::string("0") : hex.substr(first);
}

// RFC 5280 §5.3.1 CRLReason names.
constexpr const char* kReasonNames[] = {
    "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
    "superseded",    "cessationOfOperation", "certificateHold", "",
    "removeFromCRL", "privilegeWithdrawn",   "aACompromise"};

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

// What a listing shows of one certificate besides its record: derived from the DER and from its account.
struct Row {
  const storage::CertificateRecord* record = nullptr;
  std::string status, key_type, issuer, eab_kid, eab_label;
};

// The EAB key (kid, comment) each account was created with, read once per account.
class EabLabels {
 public:
  explicit EabLabels(storage::Store& store) : store_(store) {}
  const std::pair<std::string, std::string>& Of(const std::string& account_id) {
    auto [it, inserted] = cache_.try_emplace(account_id);
    if (!inserted || account_id.empty()) return it->second;
    auto account = store_.GetAccount(account_id);
    if (!account.ok() || account->eab_kid.empty()) return it->second;
    it->second.first = account->eab_kid;
    if (auto key = store_.GetEabKey(account->eab_kid); key.ok()) it->second.second = key->comment;
    return it->second;
  }

 private:
  storage::Store& store_;
  std::map<std::string, std::pair<std::string, std::string>> cache_;
};

Row MakeRow(const storage::CertificateRecord& record, TimePoint now, std::chrono::seconds expiring_within,
            EabLabels& labels) {
  Row row;
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

nlohmann::json ToJson(const Row& row) {
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

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
std::string Csv(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string Joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

Result<storage::CertificateQuery> QueryFrom(const CertListArgs& args, TimePoint now) {
  storage::CertificateQuery q;
  q.now = now;
  q.name_contains = args.name_contains;
  q.name_suffix = args.name_suffix;
  q.account_id = args.account;
  q.profile = args.profile;
  q.limit = args.limit;
  q.cursor = args.cursor;
  if (!args.status.empty()) {
    ANVIL_ASSIGN_OR_RETURN(q.status, ParseStatus(args.status));
  }
  if (!args.expiring_within.empty()) {
    auto within = config::ParseDuration(args.expiring_within);
    if (!within.ok()) return Invalid("--expiring-within: " + within.status().message());
    if (q.status && *q.status != InventoryStatus::kExpiring) {
      return Invalid("--expiring-within lists expiring certificates; it cannot go with --status " +
                     args.status);
    }
    q.status = InventoryStatus::kExpiring;
    q.expiring_within = *within;
  }
  if (args.json && args.csv) return Invalid("--json and --csv exclude each other");
  return q;
}

}  // namespace

int CertList(const config::Config& config, const CertListArgs& args) {
  const TimePoint now = SystemClock().Now();
  auto query = QueryFrom(args, now);
  if (!query.ok()) return Fail("cert list", query.status());
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("storage", store.status());
  auto page = (*store)->ListCertificates(*query);
  if (!page.ok()) return Fail("cert list", page.status());
  EabLabels labels(**store);
  std::vector<Row> rows;
  for (const storage::CertificateRecord& r : page->certificates) {
    rows.push_back(MakeRow(r, now, query->expiring_within, labels));
  }
  if (args.json) {
    nlohmann::json out = {{"certificates", nlohmann::json::array()}, {"next_cursor", page->next_cursor}};
    for (const Row& row : rows) out["certificates"].push_back(ToJson(row));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (args.csv) {
    std::cout << "serial,status,not_before,not_after,names,issuer,profile,key_type,account,eab_kid,eab_label,"
                 "order,replaced_by,revoked_at,revocation_reason\n";
    for (const Row& row : rows) {
      const storage::CertificateRecord& r = *row.record;
      std::cout << Csv(r.serial) << "," << row.status << "," << FormatRfc3339(r.not_before) << ","
                << FormatRfc3339(r.not_after) << "," << Csv(Joined(r.names, " ")) << "," << Csv(row.issuer)
                << "," << Csv(r.profile) << "," << Csv(row.key_type) << "," << Csv(r.account_id) << ","
                << Csv(row.eab_kid) << "," << Csv(row.eab_label) << "," << Csv(r.order_id) << ","
                << Csv(r.replaced_by) << "," << (r.revoked_at ? FormatRfc3339(*r.revoked_at) : "") << ","
                << (r.revoked_at ? ReasonName(r.revocation_reason) : "") << "\n";
    }
  } else {
    std::cout << "SERIAL\tSTATUS\tNOT AFTER\tKEY\tPROFILE\tACCOUNT\tNAMES\n";
    for (const Row& row : rows) {
      const storage::CertificateRecord& r = *row.record;
      std::string status = row.status;
      if (r.revoked_at) status += " (" + ReasonName(r.revocation_reason) + ")";
      if (!r.replaced_by.empty()) status += " (replaced by " + r.replaced_by + ")";
      std::cout << r.serial << "\t" << status << "\t" << FormatRfc3339(r.not_after) << "\t" << row.key_type
                << "\t" << r.profile << "\t" << (r.account_id.empty() ? "-" : r.account_id) << "\t"
                << Joined(r.names, ",") << "\n";
    }
  }
  // On stderr, so that the table or CSV on stdout stays one document.
  if (!page->next_cursor.empty()) std::cerr << "more: --cursor " << page->next_cursor << "\n";
  return 0;
}

int CertShow(const config::Config& config, const CertShowArgs& args) {
  auto serial = NormalizeSerial(args.serial);
  if (!serial.ok()) return Fail("cert show", serial.status());
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("storage", store.status());
  auto record = (*store)->GetCertificate(*serial);
  if (!record.ok()) return Fail("cert show", record.status());
  const storage::CertificateRecord& r = *record;
  const TimePoint now = SystemClock().Now();
  EabLabels labels(**store);
  std::cout << "serial:       " << r.serial << "\n";
  if (r.state != storage::CertificateState::kIssued) {
    // Recorded before signing and never completed (docs/issuance.md): there is no certificate to decode.
    std::cout << "state:        "
              << (r.state == storage::CertificateState::kPending ? "pending" : "abandoned")
              << " (never issued)\n";
  } else {
    const Row row = MakeRow(r, now, std::chrono::hours(24 * 30), labels);
    std::cout << "status:       " << row.status;
    if (r.revoked_at)
      std::cout << ", " << ReasonName(r.revocation_reason) << " at " << FormatRfc3339(*r.revoked_at);
    std::cout << "\n";
    if (!r.replaced_by.empty()) std::cout << "replaced by:  " << r.replaced_by << "\n";
    auto cert = crypto::Certificate::FromDer(r.der);
    if (cert.ok()) {
      std::cout << "subject:      " << cert->subject() << "\n"
                << "issuer:       " << cert->issuer() << "\n"
                << "names:        " << Joined(cert->dns_names(), ", ")
                << (cert->ip_addresses().empty()
                        ? ""
                        : (cert->dns_names().empty() ? "" : ", ") + Joined(cert->ip_addresses(), ", "))
                << "\n"
                << "not before:   " << FormatRfc3339(cert->not_before()) << "\n"
                << "not after:    " << FormatRfc3339(cert->not_after()) << "\n"
                << "key:          " << row.key_type << "\n"
                << "key usages:   " << Joined(cert->ext_key_usages(), ", ") << "\n"
                << "AKI:          " << crypto::HexEncode(cert->authority_key_id()) << "\n"
                << "sha256:       " << ca::FingerprintText(*cert) << "\n";
    } else {
      std::cout << "certificate:  the stored DER does not parse: " << cert.status().ToString() << "\n";
    }
  }
  std::cout << "profile:      " << r.profile << "\n"
            << "account:      " << (r.account_id.empty() ? "- (recorded without an account)" : r.account_id)
            << "\n";
  if (const auto& [kid, label] = labels.Of(r.account_id); !kid.empty()) {
    std::cout << "EAB key:      " << kid << (label.empty() ? "" : " (" + label + ")") << "\n";
  }
  std::cout << "recorded:     " << FormatRfc3339(r.created_at) << "\n";
  if (auto chain = crypto::Certificate::ChainFromPem(r.issuer_chain_pem); chain.ok() && !chain->empty()) {
    std::cout << "chain:\n";
    for (const crypto::Certificate& c : *chain)
      std::cout << "  " << c.subject() << "  (issuer " << c.issuer() << ")\n";
  }
  if (!r.order_id.empty()) {
    auto order = (*store)->GetOrder(r.order_id);
    if (order.ok()) {
      std::cout << "order:        " << order->id << ", " << acme::StatusName(order->status) << ", created "
                << FormatRfc3339(order->created_at) << "\n";
      if (auto replaced = acme::ParseCertificateId(order->replaces);
          !order->replaces.empty() && replaced.ok()) {
        std::cout << "replaces:     " << replaced->second << " (ARI " << order->replaces << ")\n";
      }
    } else {
      std::cout << "order:        " << r.order_id << " (" << order.status().message() << ")\n";
    }
  }
  std::cout << "history:\n";
  int64_t after = 0;
  while (true) {
    auto rows = (*store)->ListAuditForSubject(r.serial, after, 1000);
    if (!rows.ok()) return Fail("cert show: audit", rows.status());
    for (const storage::AuditEvent& e : *rows) {
      std::cout << "  " << FormatRfc3339(e.at) << "  " << e.kind << "  " << e.details_json << "\n";
      after = e.id;
    }
    if (rows->size() < 1000) break;
  }
  if (args.pem && !r.der.empty()) {
    auto cert = crypto::Certificate::FromDer(r.der);
    if (cert.ok()) std::cout << cert->ToPem();
    std::cout << r.issuer_chain_pem;
  }
  return 0;
}

int CertRevoke(const config::Config& config, const CertRevokeArgs& args) {
  auto serial = NormalizeSerial(args.serial);
  if (!serial.ok()) return Fail("cert revoke", serial.status());
  auto reason = ParseReason(args.reason);
  if (!reason.ok()) return Fail("cert revoke", reason.status());
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("cert revoke", parts.status());
  if (Status s = (*parts)->ra->RevokeByOperator(*serial, *reason, args.note); !s.ok()) {
    return Fail("cert revoke", s);
  }
  // This process has no CRL updater or OCSP responder to tell (docs/inventory.md, "Revocation").
  std::cout
      << "Certificate " << *serial << " revoked (" << ReasonName(*reason) << ").\n"
      << "A running anvil-ca lists it on its next CRL, at most publication.crl_period from now, and an OCSP\n"
      << "answer it cached before may say good until signed again: send it SIGHUP (systemctl reload) to\n"
      << "remake its CRLs within publication.crl_revocation_delay and empty its OCSP caches.\n";
  return 0;
}

int AccountList(const config::Config& config, const AccountListArgs& args) {
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("storage", store.status());
  auto page = (*store)->ListAccounts(args.cursor, args.limit);
  if (!page.ok()) return Fail("account list", page.status());
  EabLabels labels(**store);
  if (args.json) {
    nlohmann::json out = {{"accounts", nlohmann::json::array()}, {"next_cursor", page->next_cursor}};
    for (const storage::Account& a : page->accounts) {
      const auto& [kid, label] = labels.Of(a.id);
      out["accounts"].push_back({{"id", a.id},
                                 {"status", acme::StatusName(a.status)},
                                 {"contacts", a.contacts},
                                 {"created_at", FormatRfc3339(a.created_at)},
                                 {"thumbprint", a.thumbprint},
                                 {"eab_kid", kid},
                                 {"eab_label", label}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "ID\tSTATUS\tCREATED\tEAB\tCONTACTS\n";
  for (const storage::Account& a : page->accounts) {
    const auto& [kid, label] = labels.Of(a.id);
    std::cout << a.id << "\t" << acme::StatusName(a.status) << "\t" << FormatRfc3339(a.created_at) << "\t"
              << (kid.empty() ? "-" : kid + (label.empty() ? "" : " (" + label + ")")) << "\t"
              << Joined(a.contacts, ",") << "\n";
  }
  if (!page->next_cursor.empty()) std::cerr << "more: --cursor " << page->next_cursor << "\n";
  return 0;
}

int AccountShow(const config::Config& config, const std::string& account_id) {
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("storage", store.status());
  auto account = (*store)->GetAccount(account_id);
  if (!account.ok()) return Fail("account show", account.status());
  EabLabels labels(**store);
  const auto& [kid, label] = labels.Of(account->id);
  std::cout << "id:          " << account->id << "\n"
            << "status:      " << acme::StatusName(account->status) << "\n"
            << "created:     " << FormatRfc3339(account->created_at) << "\n"
            << "contacts:    " << Joined(account->contacts, ", ") << "\n"
            << "key:         " << account->thumbprint << " (RFC 7638 thumbprint)\n"
            << "EAB key:     " << (kid.empty() ? "-" : kid + (label.empty() ? "" : " (" + label + ")"))
            << "\n";
  storage::CertificateQuery query;
  query.now = SystemClock().Now();
  query.account_id = account->id;
  query.limit = 20;
  auto page = (*store)->ListCertificates(query);
  if (!page.ok()) return Fail("account show: certificates", page.status());
  std::cout << "certificates (soonest expiry first" << (page->next_cursor.empty() ? "" : "; the first 20")
            << "):\n";
  for (const storage::CertificateRecord& r : page->certificates) {
    std::cout << "  " << r.serial << "  "
              << StatusName(storage::InventoryStatusAt(r, query.now, query.expiring_within)) << "  "
              << FormatRfc3339(r.not_after) << "  " << Joined(r.names, ",") << "\n";
  }
  if (!page->next_cursor.empty()) std::cout << "  … anvil-ca cert list --account " << account->id << "\n";
  std::cout << "history:\n";
  auto rows = (*store)->ListAuditForSubject(account->id, 0, 1000);
  if (!rows.ok()) return Fail("account show: audit", rows.status());
  for (const storage::AuditEvent& e : *rows) {
    std::cout << "  " << FormatRfc3339(e.at) << "  " << e.kind << "  " << e.details_json << "\n";
  }
  return 0;
}

int AccountDeactivate(const config::Config& config, const std::string& account_id, const std::string& note) {
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("account deactivate", parts.status());
  auto account = (*parts)->ra->DeactivateByOperator(account_id, note);
  if (!account.ok()) return Fail("account deactivate", account.status());
  std::cout << "Account " << account->id
            << " deactivated: a running anvil-ca refuses its requests within 5 s\n"
            << "(RFC 8555 §7.3.6; docs/storage.md, \"Account cache\");\n"
            << "its certificates stay valid (revoke them with anvil-ca cert revoke).\n";
  return 0;
}

}  // namespace anvil::app
