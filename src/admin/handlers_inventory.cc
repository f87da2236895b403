// The inventory's endpoints (docs/admin-api.md, docs/inventory.md): the admin API's `cert list|show|revoke` and
// `account list|show|deactivate`, sharing admin/inventory_view.h with the command line.
#include <string>

#include "admin/handlers.h"
#include "admin/inventory_view.h"
#include "acme/certificate_id.h"
#include "crypto/certificate.h"
#include "crypto/digest.h"

namespace anvil::admin {
namespace {

constexpr int kHistoryLimit = 1000;

std::string StateName(storage::CertificateState state) {
  switch (state) {
    case storage::CertificateState::kPending:
      return "pending";
    case storage::CertificateState::kIssued:
      return "issued";
    case storage::CertificateState::kAbandoned:
      return "abandoned";
  }
  return "unknown";
}

Result<nlohmann::json> History(storage::Store& store, const std::string& subject) {
  ANVIL_ASSIGN_OR_RETURN(std::vector<storage::AuditEvent> rows, store.ListAuditForSubject(subject, 0, kHistoryLimit));
  nlohmann::json out = nlohmann::json::array();
  for (const storage::AuditEvent& e : rows) out.push_back(AuditJson(e));
  return out;
}

// What the certificate says of itself, decoded.
nlohmann::json Decoded(const crypto::Certificate& cert) {
  return {{"subject", cert.subject()},
          {"issuer", cert.issuer()},
          {"serial", cert.serial_hex()},
          {"not_before", FormatRfc3339(cert.not_before())},
          {"not_after", FormatRfc3339(cert.not_after())},
          {"dns_names", cert.dns_names()},
          {"ip_addresses", cert.ip_addresses()},
          {"ext_key_usages", cert.ext_key_usages()},
          {"is_ca", cert.is_ca()},
          {"subject_key_id", crypto::HexEncode(cert.subject_key_id())},
          {"authority_key_id", crypto::HexEncode(cert.authority_key_id())},
          {"sha256_fingerprint", crypto::HexEncode(cert.fingerprint_sha256())}};
}

// The order a certificate came from and its authorizations, each with its challenges and the validation the
// audit trail recorded for it (authorization.valid / .invalid: the addresses and URLs the VA used); null for
// a certificate recorded without an order (imported).
Result<nlohmann::json> Provenance(storage::Store& store, const std::string& order_id) {
  Result<storage::Order> order = store.GetOrder(order_id);
  if (!order.ok()) {
    if (order.status().code() == Code::kNotFound) return nlohmann::json(nullptr);
    return order.status();
  }
  nlohmann::json identifiers = nlohmann::json::array();
  for (const acme::Identifier& id : order->identifiers) identifiers.push_back(acme::IdentifierText(id));
  nlohmann::json out = {{"id", order->id},
                        {"status", acme::StatusName(order->status)},
                        {"created", FormatRfc3339(order->created_at)},
                        {"profile", order->profile},
                        {"replaces", order->replaces},
                        {"identifiers", identifiers},
                        {"authorizations", nlohmann::json::array()}};
  for (const std::string& authz_id : order->authorization_ids) {
    Result<storage::Authorization> authz = store.GetAuthorization(authz_id);
    if (!authz.ok()) {
      if (authz.status().code() == Code::kNotFound) continue;
      return authz.status();
    }
    nlohmann::json challenges = nlohmann::json::array();
    for (const storage::Challenge& c : authz->challenges) {
      challenges.push_back({{"type", acme::ChallengeTypeName(c.type)},
                            {"status", acme::StatusName(c.status)},
                            {"validated", c.validated_at ? nlohmann::json(FormatRfc3339(*c.validated_at))
                                                         : nlohmann::json(nullptr)}});
    }
    nlohmann::json validations = nlohmann::json::array();
    ANVIL_ASSIGN_OR_RETURN(std::vector<storage::AuditEvent> rows, store.ListAuditForSubject(authz_id, 0, 100));
    for (const storage::AuditEvent& e : rows) {
      if (e.kind == "authorization.valid" || e.kind == "authorization.invalid") validations.push_back(AuditJson(e));
    }
    out["authorizations"].push_back(
        {{"id", authz->id},
         {"identifier", acme::IdentifierText({authz->identifier.type,
                                              (authz->wildcard ? "*." : "") + authz->identifier.value})},
         {"status", acme::StatusName(authz->status)},
         {"expires", FormatRfc3339(authz->expires)},
         {"challenges", challenges},
         {"validations", validations}});
  }
  return out;
}

// One certificate in full: its listing fields, its state, PEM, chain and history; decoded, with its ARI window,
// and the order and authorizations it came from.
Result<nlohmann::json> CertificateDetail(const HandlerDeps& deps, const std::string& serial) {
  ANVIL_ASSIGN_OR_RETURN(storage::CertificateRecord r, deps.store.GetCertificate(serial));
  EabLabels labels(deps.store);
  const CertificateRow row = MakeRow(r, deps.clock.Now(), std::chrono::hours(24 * 30), labels);
  nlohmann::json j = CertificateJson(row);
  j["state"] = StateName(r.state);
  j["pem"] = "";
  if (r.state != storage::CertificateState::kIssued) {
    j["status"] = StateName(r.state);  // recorded before signing and never completed: nothing to decode
  } else if (auto cert = crypto::Certificate::FromDer(r.der); cert.ok()) {
    j["pem"] = cert->ToPem();
    j["decoded"] = Decoded(*cert);
  }
  j["chain_pem"] = r.issuer_chain_pem;
  j["ari"] = nullptr;
  if (r.state == storage::CertificateState::kIssued) {
    if (Result<ra::RenewalInfo> window =
            deps.ra.GetRenewalInfo(acme::CertificateId(r.authority_key_id, r.serial));
        window.ok()) {
      j["ari"] = {{"start", FormatRfc3339(window->window_start)}, {"end", FormatRfc3339(window->window_end)}};
    }
  }
  ANVIL_ASSIGN_OR_RETURN(j["order_detail"], Provenance(deps.store, r.order_id));
  ANVIL_ASSIGN_OR_RETURN(j["history"], History(deps.store, r.serial));
  return j;
}

Result<Reply> ListCertificates(const HandlerDeps& deps, const Call& call) {
  CertificateFilter filter;
  filter.name_contains = call.Param("name_contains");
  filter.name_suffix = call.Param("name_suffix");
  filter.account = call.Param("account");
  filter.profile = call.Param("profile");
  filter.status = call.Param("status");
  filter.issuer = call.Param("issuer");
  filter.order = call.Param("order");
  filter.cursor = call.Param("cursor");
  ANVIL_ASSIGN_OR_RETURN(int64_t limit, call.IntParam("limit", 100, 1, storage::kMaxCertificatePage));
  filter.limit = static_cast<int>(limit);
  ANVIL_ASSIGN_OR_RETURN(int64_t days, call.IntParam("expiring_within_days", 0, 1, 36500));
  if (days > 0) filter.expiring_within = std::chrono::hours(24 * days);
  const TimePoint now = deps.clock.Now();
  ANVIL_ASSIGN_OR_RETURN(storage::CertificateQuery query, QueryFrom(filter, now));
  ANVIL_ASSIGN_OR_RETURN(storage::CertificatePage page, deps.store.ListCertificates(query));
  EabLabels labels(deps.store);
  nlohmann::json out = {{"certificates", nlohmann::json::array()}, {"next_cursor", page.next_cursor}};
  for (const storage::CertificateRecord& r : page.certificates) {
    out["certificates"].push_back(CertificateJson(MakeRow(r, now, query.expiring_within, labels)));
  }
  return Reply{200, out};
}

Result<Reply> ShowCertificate(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(std::string serial, NormalizeSerial(call.path.at("serial")));
  ANVIL_ASSIGN_OR_RETURN(nlohmann::json j, CertificateDetail(deps, serial));
  return Reply{200, j};
}

Result<Reply> RevokeCertificate(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(std::string serial, NormalizeSerial(call.path.at("serial")));
  ANVIL_ASSIGN_OR_RETURN(nlohmann::json body, call.JsonBody());
  if (!body.contains("reason") || !body["reason"].is_string()) {
    return Error(Code::kInvalidArgument, "the body needs \"reason\": a revocation reason name (e.g. \"superseded\")");
  }
  if (body.contains("note") && !body["note"].is_string()) {
    return Error(Code::kInvalidArgument, "\"note\" must be a string");
  }
  ANVIL_ASSIGN_OR_RETURN(int reason, ParseReason(body["reason"].get<std::string>()));
  const std::string note = body.value("note", "");
  ANVIL_RETURN_IF_ERROR(deps.ra.RevokeByOperator(serial, reason, note, RequesterName(call.caller)));
  ANVIL_ASSIGN_OR_RETURN(nlohmann::json j, CertificateDetail(deps, serial));
  return Reply{200, j};
}

Result<Reply> ListAccounts(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(int64_t limit, call.IntParam("limit", 100, 1, 1000));
  ANVIL_ASSIGN_OR_RETURN(storage::AccountPage page,
                         deps.store.ListAccounts(call.Param("cursor"), static_cast<int>(limit)));
  EabLabels labels(deps.store);
  nlohmann::json out = {{"accounts", nlohmann::json::array()}, {"next_cursor", page.next_cursor}};
  for (const storage::Account& a : page.accounts) out["accounts"].push_back(AccountJson(a, labels));
  return Reply{200, out};
}

Result<Reply> ShowAccount(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(storage::Account account, deps.store.GetAccount(call.path.at("id")));
  EabLabels labels(deps.store);
  nlohmann::json j = AccountJson(account, labels);
  ANVIL_ASSIGN_OR_RETURN(j["history"], History(deps.store, account.id));
  return Reply{200, j};
}

Result<Reply> DeactivateAccount(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(nlohmann::json body, call.JsonBody());
  if (body.contains("note") && !body["note"].is_string()) {
    return Error(Code::kInvalidArgument, "\"note\" must be a string");
  }
  ANVIL_ASSIGN_OR_RETURN(storage::Account account,
                         deps.ra.DeactivateByOperator(call.path.at("id"), body.value("note", ""),
                                                      RequesterName(call.caller)));
  EabLabels labels(deps.store);
  return Reply{200, AccountJson(account, labels)};
}

}  // namespace

void AddInventoryRoutes(AdminApi& api, const HandlerDeps& deps) {
  api.Add({"GET", "/certificates", Role::kViewer, Bind(deps, ListCertificates),
           {"name_contains", "name_suffix", "account", "profile", "status", "expiring_within_days", "issuer", "order",
            "limit", "cursor"}});
  api.Add({"GET", "/certificates/{serial}", Role::kViewer, Bind(deps, ShowCertificate)});
  api.Add({"POST", "/certificates/{serial}/revoke", Role::kOperator, Bind(deps, RevokeCertificate)});
  api.Add({"GET", "/accounts", Role::kViewer, Bind(deps, ListAccounts), {"limit", "cursor"}});
  api.Add({"GET", "/accounts/{id}", Role::kViewer, Bind(deps, ShowAccount)});
  api.Add({"POST", "/accounts/{id}/deactivate", Role::kOperator, Bind(deps, DeactivateAccount)});
}

}  // namespace anvil::admin
