#include "inventory_commands.h"

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "admin/inventory_view.h"
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

using admin::CertificateRow;
using admin::EabLabels;
using admin::MakeRow;
using admin::NormalizeSerial;
using admin::ParseReason;
using admin::ReasonName;
using admin::StatusName;

int Fail(const std::string& what, const Status& status) {
  std::cerr << "anvil-ca: " << what << ": " << status.ToString() << "\n";
  return 1;
}

Status Invalid(std::string message) { return Error(Code::kInvalidArgument, std::move(message)); }

std::string Joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
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

Result<storage::CertificateQuery> QueryFrom(const CertListArgs& args, TimePoint now) {
  if (args.json && args.csv) return Invalid("--json and --csv exclude each other");
  admin::CertificateFilter filter = args.filter;
  if (!args.expiring_within.empty()) {
    auto within = config::ParseDuration(args.expiring_within);
    if (!within.ok()) return Invalid("--expiring-within: " + within.status().message());
    if (!filter.status.empty() && filter.status != "expiring") {
      return Invalid("--expiring-within lists expiring certificates; it cannot go with --status " + filter.status);
    }
    filter.expiring_within = *within;
  }
  return admin::QueryFrom(filter, now);
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
  std::vector<CertificateRow> rows;
  for (const storage::CertificateRecord& r : page->certificates) {
    rows.push_back(MakeRow(r, now, query->expiring_within, labels));
  }
  if (args.json) {
    nlohmann::json out = {{"certificates", nlohmann::json::array()}, {"next_cursor", page->next_cursor}};
    for (const CertificateRow& row : rows) out["certificates"].push_back(admin::CertificateJson(row));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (args.csv) {
    std::cout << "serial,status,not_before,not_after,names,issuer,profile,key_type,account,eab_kid,eab_label,"
                 "order,replaced_by,revoked_at,revocation_reason\n";
    for (const CertificateRow& row : rows) {
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
    for (const CertificateRow& row : rows) {
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
    const CertificateRow row = MakeRow(r, now, std::chrono::hours(24 * 30), labels);
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
    for (const storage::Account& a : page->accounts) out["accounts"].push_back(admin::AccountJson(a, labels));
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
