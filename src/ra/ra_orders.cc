// The RA's orders (RFC 8555 §7.4): newOrder, the derived status, finalize, and start-up reconciliation.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "acme/problem.h"
#include "base/crash_point.h"
#include "crypto/csr.h"
#include "ra/ids.h"
#include "ra/limit_keys.h"
#include "ra/order_issuance.h"
#include "ra/registration_authority.h"

namespace anvil::ra {
namespace {

std::string ProblemText(const Status& status) { return acme::ProblemJson(status).dump(); }

nlohmann::json RequestedIdentifiers(const NewOrderRequest& request) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& [type, value] : request.identifiers) ids.push_back(RequestedIdentifier(type, value));
  return ids;
}

}  // namespace

Status RegistrationAuthority::Refused(const std::string& account_id, const std::string& subject,
                                      nlohmann::json details, Status why) {
  details["problem"] = acme::ProblemJson(why);
  // The refusal changes nothing, so it stands even when its record cannot be written; the operator hears.
  if (Status s = store_.AppendAudit(Audit("order.refused", account_id, subject, details.dump())); !s.ok()) {
    spdlog::error("audit: the refusal of an order of account {} is not recorded: {}", account_id, s.ToString());
  }
  return why;
}

Result<const ProfileRules*> RegistrationAuthority::Profile(const std::string& name) const {
  const std::string& wanted = name.empty() ? options_.default_profile : name;
  auto it = options_.profiles.find(wanted);
  if (it == options_.profiles.end()) {
    return Error(Code::kInvalidProfile, "unknown certificate profile \"" + wanted.substr(0, 64) + "\"");
  }
  return &it->second;
}

Status RegistrationAuthority::CheckReplaces(const storage::Account& account, const std::string& cert_id) {
  ANVIL_ASSIGN_OR_RETURN(auto parsed, ParseCertificateId(cert_id));
  auto cert = store_.GetCertificate(parsed.second);
  // Another account's certificate answers like one that does not exist (no oracle; docs/security.md).
  if (!cert.ok() || cert->state != storage::CertificateState::kIssued ||
      cert->authority_key_id != parsed.first || cert->account_id != account.id) {
    return Error(Code::kMalformed, "replaces: no certificate with ID " + cert_id.substr(0, 128));
  }
  ANVIL_ASSIGN_OR_RETURN(auto replacing, store_.FindOrderReplacing(cert_id));
  if (replacing.has_value()) {
    return Error(Code::kAlreadyReplaced,
                 "the certificate " + cert_id + " has already been replaced by order " + replacing->id);
  }
  return Status::Ok();
}

Status RegistrationAuthority::CheckPendingCaps(const storage::Account& account, size_t new_authorizations,
                                               TimePoint now) {
  const RateLimitRules& limits = options_.limits;
  if (limits.pending_orders_per_account <= 0 && limits.pending_authorizations_per_account <= 0) {
    return Status::Ok();
  }
  // A soft cap: concurrent newOrders of one account may each see the count below it (the counts are read,
  // not locked); it bounds what one account can make the CA store, which a few over the cap does not change.
  ANVIL_ASSIGN_OR_RETURN(storage::OrderStore::PendingCounts pending, store_.CountPending(account.id, now));
  if (limits.pending_orders_per_account > 0 && pending.orders >= limits.pending_orders_per_account) {
    if (options_.observer != nullptr) options_.observer->RateLimited("pending_orders_per_account");
    return Error(Code::kRateLimited, "too many pending orders (at most " +
                                         std::to_string(limits.pending_orders_per_account) +
                                         " per account); finalize or abandon some first");
  }
  if (limits.pending_authorizations_per_account > 0 &&
      pending.authorizations + int64_t(new_authorizations) > limits.pending_authorizations_per_account) {
    if (options_.observer != nullptr) options_.observer->RateLimited("pending_authorizations_per_account");
    return Error(Code::kRateLimited, "too many pending authorizations (at most " +
                                         std::to_string(limits.pending_authorizations_per_account) +
                                         " per account); answer or deactivate some first");
  }
  return Status::Ok();
}

Result<storage::Order> RegistrationAuthority::NewOrder(const storage::Account& account,
                                                       const NewOrderRequest& request) {
  if (request.identifiers.empty()) return Error(Code::kMalformed, "an order needs at least one identifier");
  ANVIL_ASSIGN_OR_RETURN(const ProfileRules* profile, Profile(DeviceProfileFor(request)));
  const std::string& profile_name = profile->certificate.name;
  ANVIL_ASSIGN_OR_RETURN(EffectivePolicy policy, PolicyFor(account, profile));
  if (auto refusal = policy.RefuseCount(request.identifiers.size())) {
    // The request is not one this server accepts: RFC 8555 §6.7 "malformed" (Boulder answers the same).
    return Refused(account.id, "",
                   {{"stage", "new-order"}, {"identifiers", request.identifiers.size()}, {"policy", refusal->policy},
                    {"rule", refusal->rule}},
                   PolicyRefused(*refusal, Code::kMalformed));
  }
  if (auto refusal = policy.RefuseProfile(profile_name)) {
    // RFC 8555 has no problem type for a profile the requester may not use; draft-aaron-acme-profiles'
    // invalidProfile says the profile cannot be used for this order.
    return Refused(account.id, "",
                   {{"stage", "new-order"}, {"profile", profile_name}, {"policy", refusal->policy},
                    {"rule", refusal->rule}},
                   PolicyRefused(*refusal, Code::kInvalidProfile));
  }

  // Normalize and police every identifier; report all failures at once as subproblems (§6.7.1).
  std::vector<acme::Identifier> identifiers;
  nlohmann::json refusing = nlohmann::json::array();  // the policies and rules that refused, for the audit
  Status failure;
  auto fail = [&](const std::string& type, const std::string& value, const Status& s) {
    if (failure.ok()) failure = Status(s.code(), s.message());
    failure.AddSubproblem({type, value, s.code(), s.message()});
  };
  for (const auto& [type_name, value] : request.identifiers) {
    auto type = acme::ParseIdentifierType(type_name);
    if (!type.ok()) {
      fail(type_name, value, type.status());
      continue;
    }
    auto id = acme::NormalizeIdentifier(*type, value);
    if (!id.ok()) {
      fail(type_name, value, id.status());
      continue;
    }
    if (std::find(profile->identifier_types.begin(), profile->identifier_types.end(), type_name) ==
        profile->identifier_types.end()) {
      ReportPolicy("identifier_types");
      fail(type_name, value,
           Status(Code::kRejectedIdentifier,
                  "profile " + profile_name + " does not allow " + type_name + " identifiers"));
      continue;
    }
    if (auto refusal = policy.RefuseIdentifier(*id)) {
      refusing.push_back({{"policy", refusal->policy}, {"rule", refusal->rule}});
      fail(type_name, value, PolicyRefused(*refusal, Code::kRejectedIdentifier));
      continue;
    }
    if (std::find(identifiers.begin(), identifiers.end(), *id) == identifiers.end())
      identifiers.push_back(*id);
  }
  if (!failure.ok()) {
    nlohmann::json what = {{"stage", "new-order"}, {"profile", profile_name},
                           {"identifiers", RequestedIdentifiers(request)}};
    if (!refusing.empty()) what["policies"] = refusing;
    if (failure.subproblems().size() > 1) {
      Status compound(failure.code(), "several identifiers were refused; see subproblems");
      for (const auto& sub : failure.subproblems()) compound.AddSubproblem(sub);
      return Refused(account.id, "", what, compound);
    }
    return Refused(account.id, "", what, failure);
  }
  ANVIL_RETURN_IF_ERROR(CheckDeviceEnrollment(account, identifiers, policy));

  TimePoint now = clock_.Now();
  // Requested validity (§7.4): within the profile's lifetime (cut by the policies' max_validity), not too far
  // in the past or future.
  if (request.not_before || request.not_after) {
    ca::CertificateProfile certificate = profile->certificate;
    if (auto max = policy.MaxValidity(); max && *max < certificate.validity) certificate.validity = *max;
    TimePoint nb = request.not_before.value_or(now - certificate.backdate);
    TimePoint na = request.not_after.value_or(nb + certificate.validity);
    if (nb < now - std::chrono::hours(24))
      return Error(Code::kMalformed, "notBefore is more than a day in the past");
    if (nb > now + options_.order_lifetime)
      return Error(Code::kMalformed, "notBefore is too far in the future");
    if (na <= nb || na <= now)
      return Error(Code::kMalformed, "notAfter must be after notBefore and in the future");
    if (na - nb > certificate.validity) {
      return Error(Code::kMalformed, "requested validity exceeds the " +
                                         std::to_string(certificate.validity.count() / 86400) +
                                         " days the profile and policies allow");
    }
  }
  if (!request.replaces.empty()) ANVIL_RETURN_IF_ERROR(CheckReplaces(account, request.replaces));
  if (options_.authorization_hook != nullptr) {
    AuthorizationQuestion question;
    question.stage = AuthorizationQuestion::Stage::kNewOrder;
    question.identifiers = identifiers;
    question.profile = profile_name;
    question.replaces = request.replaces;
    question.not_before = request.not_before;
    question.not_after = request.not_after;
    ANVIL_RETURN_IF_ERROR(AskExternalAuthorization(std::move(question), account));
  }

  // An identical open order is returned instead of a new one (Boulder does the same): a client that retries
  // newOrder, or many clients of one account asking for the same names, do not multiply orders and
  // authorizations. It must outlive the reuse margin, so the client has time to finish it.
  if (!request.not_before && !request.not_after && request.replaces.empty()) {
    ANVIL_ASSIGN_OR_RETURN(auto open, store_.FindReusableOrder(account.id, identifiers, profile_name,
                                                               now + kReuseMargin));
    if (open) {
      ANVIL_ASSIGN_OR_RETURN(storage::Order refreshed, RefreshOrder(std::move(*open)));
      if (refreshed.status == acme::OrderStatus::kPending || refreshed.status == acme::OrderStatus::kReady) {
        return refreshed;
      }
    }
  }

  storage::Order order;
  order.id = NewId(now);
  order.account_id = account.id;
  order.identifiers = identifiers;
  order.not_before = request.not_before;
  order.not_after = request.not_after;
  order.created_at = now;
  order.expires = now + options_.order_lifetime;
  order.profile = profile_name;
  order.replaces = request.replaces;
  std::vector<storage::Authorization> fresh;
  bool all_valid = true;
  for (const auto& id : identifiers) {
    std::optional<storage::Authorization> reused;
    // A device is attested afresh for every certificate (docs/device-attestation.md): its key may have
    // changed, and the attestation is what binds the key to the device.
    if (options_.reuse_valid_authorizations && !acme::IsDeviceIdentifierType(id.type)) {
      acme::Identifier base{id.type, id.authorization_value()};
      // Reuse only an authorization that outlives this order (§7.1.4 lets a server reuse valid
      // authorizations).
      ANVIL_ASSIGN_OR_RETURN(reused,
                             store_.FindValidAuthorization(account.id, base, id.wildcard(), order.expires));
    }
    if (reused) {
      order.authorization_ids.push_back(reused->id);
      continue;
    }
    auto made = MakeAuthorization(account.id, id, id.wildcard(), now, policy);
    if (!made.ok() && made.status().code() == Code::kRejectedIdentifier) {
      return Refused(account.id, "",
                     {{"stage", "new-order"},
                      {"profile", profile_name},
                      {"identifiers", RequestedIdentifiers(request)},
                      {"rule", "challenge_types"}},  // the policies that narrowed them are named in the detail
                     made.status());
    }
    ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, std::move(made));
    order.authorization_ids.push_back(authz.id);
    order.expires = std::min(order.expires, authz.expires);
    all_valid = false;
    fresh.push_back(std::move(authz));
  }
  order.status = all_valid ? acme::OrderStatus::kReady : acme::OrderStatus::kPending;
  ANVIL_RETURN_IF_ERROR(CheckPendingCaps(account, fresh.size(), now));
  std::vector<storage::RateLimit> limits;
  AddLimit(limits, options_.limits.new_orders_per_account, "orders:" + account.id,
           storage::RateLimit::Mode::kSpend, "new orders per account");
  for (const auto& id : identifiers) {
    AddLimit(limits, options_.limits.failed_validations_per_identifier, FailedValidationsKey(account.id, id),
             storage::RateLimit::Mode::kCheck, "failed validations for this identifier");
  }
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : identifiers) ids.push_back(acme::IdentifierText(id));
  nlohmann::json details = {{"identifiers", ids},
                            {"profile", profile_name},
                            {"authorizations", order.authorization_ids},
                            {"new_authorizations", fresh.size()}};
  if (!order.replaces.empty()) details["replaces"] = order.replaces;
  if (order.not_before) details["not_before"] = FormatRfc3339(*order.not_before);
  if (order.not_after) details["not_after"] = FormatRfc3339(*order.not_after);
  const storage::AuditEvent audit = Audit("order.created", account.id, order.id, details.dump());
  Status created = store_.CreateOrder(order, fresh, limits, &audit);
  ReportRateLimit(created);
  ANVIL_RETURN_IF_ERROR(created);
  return order;
}

Result<storage::Order> RegistrationAuthority::RefreshOrder(storage::Order order, bool persist_ready) {
  using O = acme::OrderStatus;
  using A = acme::AuthorizationStatus;
  if (order.status == O::kProcessing && !Finalizing(order.id)) {
    // No issuance of this process holds it, so it was left processing by one that failed and whose abandon
    // failed too (a storage fault, issue 13); resolve it now rather than leave the client polling until the
    // next start.
    ANVIL_RETURN_IF_ERROR(ReconcileOrder(order, "the issuance failed and could not be abandoned then"));
    return store_.GetOrder(order.id);
  }
  if (order.status != O::kPending && order.status != O::kReady) return order;
  TimePoint now = clock_.Now();
  O next = order.status;
  std::string error;
  if (order.expires <= now) {
    next = O::kInvalid;
    error = ProblemText(Status(Code::kMalformed, "order expired"));
  } else {
    // A ready order is re-checked too: an authorization deactivated or expired after the order became ready
    // must not be used to issue (§7.1.6, §7.5.2).
    bool all_valid = true;
    for (const auto& authz_id : order.authorization_ids) {
      ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, store_.GetAuthorization(authz_id));
      ANVIL_ASSIGN_OR_RETURN(authz, RefreshAuthorization(std::move(authz)));
      if (authz.status == A::kValid) continue;
      all_valid = false;
      if (authz.status != A::kPending) {
        // §7.1.6: an order whose authorization failed, expired or was deactivated is invalid.
        next = O::kInvalid;
        std::string why = std::string("authorization for ") + authz.identifier.value + " is " +
                          std::string(acme::StatusName(authz.status));
        for (const auto& c : authz.challenges) {
          if (!c.error_json.empty()) {
            auto problem = nlohmann::json::parse(c.error_json, nullptr, false);
            if (!problem.is_discarded() && problem.contains("detail"))
              why += ": " + problem["detail"].get<std::string>();
          }
        }
        error = ProblemText(Status(Code::kUnauthorized, why));
        break;
      }
    }
    if (all_valid && next == O::kPending) next = O::kReady;
  }
  if (next == order.status) return order;
  if (next == O::kReady && !persist_ready) {
    order.status = next;
    return order;
  }
  Status s = store_.TransitionOrder(order.id, order.status, next, error, "", nullptr);
  if (!s.ok() && s.code() != Code::kConflict) return s;
  return store_.GetOrder(order.id);
}

Result<storage::Order> RegistrationAuthority::GetOrder(const std::string& id) {
  ANVIL_ASSIGN_OR_RETURN(storage::Order order, store_.GetOrder(id));
  return RefreshOrder(std::move(order));
}

Result<std::vector<std::string>> RegistrationAuthority::ListOrders(const storage::Account& account,
                                                                   const std::string& after_id, int limit) {
  return store_.ListOrderIds(account.id, after_id, limit);
}

Result<crypto::PublicKey> RegistrationAuthority::CheckCsrMatchesOrder(const storage::Order& order,
                                                                      const std::string& csr_der,
                                                                      const storage::Account& account,
                                                                      const ProfileRules& profile,
                                                                      const EffectivePolicy& policy,
                                                                      bool& device_names) {
  auto csr = crypto::Csr::FromDer(csr_der);
  if (!csr.ok()) return Error(Code::kBadCsr, "the CSR cannot be parsed: " + csr.status().message());
  if (!csr->VerifySignature()) return Error(Code::kBadCsr, "the CSR's signature is invalid");
  crypto::PublicKey key = csr->public_key();
  if (auto refusal = policy.RefuseKey(key, profile.key_types)) {
    return Refused(account.id, order.id,
                   {{"stage", "finalize"}, {"profile", profile.certificate.name}, {"policy", refusal->policy},
                    {"rule", refusal->rule}},
                   PolicyRefused(*refusal, Code::kBadCsr));
  }
  ANVIL_RETURN_IF_ERROR(CheckKeyUsable(key, Code::kBadCsr, "the CSR's key"));
  // A certificate key must not be an account key: the requester's (compared at once) or any other account's
  // (looked up by thumbprint), so one key never both signs ACME requests and serves TLS.
  auto account_key = AccountKey(account);
  if (account_key.ok() && account_key->key() == key) {
    return Error(Code::kBadCsr, "the certificate key must not be the account key");
  }
  auto holder = store_.FindAccountByThumbprint(jose::Jwk::FromPublicKey(key).Thumbprint());
  if (holder.ok()) return Error(Code::kBadCsr, "the certificate key is the key of another ACME account");
  if (holder.status().code() != Code::kNotFound) return holder.status();
  // §7.4: the CSR must name exactly the order's identifiers (the CN, if any, among them). Only dNSName and
  // iPAddress entries can be validated; an email, URI or otherName entry makes the whole request unacceptable
  // rather than being silently dropped. Other requested extensions are ignored: the certificate's extensions
  // come from the profile alone (ca/certificate_authority.cc).
  if (auto others = csr->other_san_entries(); !others.empty()) {
    std::string list;
    for (const auto& o : others) list += (list.empty() ? "" : ", ") + o.substr(0, 64);
    return Error(Code::kBadCsr, "the CSR's subjectAltName may hold DNS names and IP addresses only; refused: " + list);
  }
  // Device identifiers (draft-ietf-acme-device-attest-09 §3.2, §4.2) are checked against the attestation;
  // the rest of the CSR against the order's other identifiers.
  ANVIL_ASSIGN_OR_RETURN(device_names, CheckCsrDevices(order, *csr, key));
  std::set<std::pair<acme::IdentifierType, std::string>> wanted, got;
  for (const auto& id : order.identifiers) {
    if (!acme::IsDeviceIdentifierType(id.type)) wanted.insert({id.type, id.value});
  }
  for (const auto& name : csr->dns_names()) {
    auto id = acme::NormalizeIdentifier(acme::IdentifierType::kDns, name);
    if (!id.ok())
      return Error(Code::kBadCsr, "the CSR names an invalid DNS name \"" + name.substr(0, 64) + "\"");
    got.insert({id->type, id->value});
  }
  for (const auto& ip : csr->ip_addresses()) {
    auto id = acme::NormalizeIdentifier(acme::IdentifierType::kIp, ip);
    if (!id.ok()) return Error(Code::kBadCsr, "the CSR names an invalid IP address");
    got.insert({id->type, id->value});
  }
  // A device's CSR often carries a subject its MDM profile set (Apple's ACME payload requires one); the
  // certificate's subject never comes from the CSR, so for an order of devices only the CN is not an identifier.
  const bool devices_only = wanted.empty();
  std::string cn = devices_only ? std::string() : csr->subject_common_name();
  if (!cn.empty()) {
    std::string lower = cn;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    bool listed =
        got.count({acme::IdentifierType::kDns, lower}) || got.count({acme::IdentifierType::kIp, lower});
    if (!listed) {
      // A CN that is not also a SAN is still acceptable if it names one of the order's identifiers.
      auto as_dns = acme::NormalizeIdentifier(acme::IdentifierType::kDns, cn);
      auto as_ip = acme::NormalizeIdentifier(acme::IdentifierType::kIp, cn);
      if (as_dns.ok())
        got.insert({as_dns->type, as_dns->value});
      else if (as_ip.ok())
        got.insert({as_ip->type, as_ip->value});
      else
        return Error(Code::kBadCsr, "the CSR's common name is not one of the order's identifiers");
    }
  }
  if (got != wanted) {
    std::string extra, missing;
    for (const auto& g : got) {
      if (!wanted.count(g)) extra += (extra.empty() ? "" : ", ") + g.second;
    }
    for (const auto& w : wanted) {
      if (!got.count(w)) missing += (missing.empty() ? "" : ", ") + w.second;
    }
    std::string detail = "the CSR's identifiers do not match the order's";
    if (!extra.empty()) detail += "; not in the order: " + extra;
    if (!missing.empty()) detail += "; missing from the CSR: " + missing;
    return Error(Code::kBadCsr, detail);
  }
  return key;
}

Result<storage::Order> RegistrationAuthority::Finalize(const storage::Account& account,
                                                       const std::string& order_id,
                                                       const std::string& csr_der) {
  ANVIL_ASSIGN_OR_RETURN(storage::Order stored, store_.GetOrder(order_id));
  if (stored.account_id != account.id) return storage::NotFoundError("order", order_id);
  // A pending order found ready here goes straight to processing: storing "ready" first would cost a commit.
  const acme::OrderStatus stored_status = stored.status;
  ANVIL_ASSIGN_OR_RETURN(storage::Order order, RefreshOrder(std::move(stored), /*persist_ready=*/false));
  if (order.status != acme::OrderStatus::kReady) {
    return Error(Code::kOrderNotReady, "the order is " + std::string(acme::StatusName(order.status)) +
                                           ", not ready to be finalized");
  }
  ANVIL_ASSIGN_OR_RETURN(const ProfileRules* profile, Profile(order.profile));
  // The policies as they are now: an account's or EAB key's policy changed since the order applies.
  ANVIL_ASSIGN_OR_RETURN(EffectivePolicy policy, PolicyFor(account, profile));
  bool device_names = false;
  ANVIL_ASSIGN_OR_RETURN(crypto::PublicKey subject_key,
                         CheckCsrMatchesOrder(order, csr_der, account, *profile, policy, device_names));
  // Before the gate: a refusal leaves the order ready, so the client may finalize again once the DNS
  // changes (docs/acme-compliance.md).
  Status caa = RecheckCaa(account, order);
  if (caa.code() == Code::kRateLimited && options_.observer != nullptr) {
    options_.observer->RateLimited("validator_queue");  // the re-check could not be queued
  }
  ANVIL_RETURN_IF_ERROR(caa);
  if (options_.authorization_hook != nullptr) {
    // Last before the gate, so that a refusal (or no answer) leaves the order ready to finalize again.
    AuthorizationQuestion question;
    question.stage = AuthorizationQuestion::Stage::kFinalize;
    question.identifiers = order.identifiers;
    question.profile = order.profile;
    question.order_id = order.id;
    question.key_type = KeyTypeOf(subject_key);
    question.replaces = order.replaces;
    question.not_before = order.not_before;
    question.not_after = order.not_after;
    ANVIL_RETURN_IF_ERROR(AskExternalAuthorization(std::move(question), account));
  }

  // The CA records through `log`: its first write moves the order from the status read above (pending or
  // ready) to processing together with the pending certificate, the single gate a concurrent or repeated
  // finalize loses at; its last write stores the certificate and makes the order valid in one commit; a
  // failure in between makes the order invalid (docs/issuance.md).
  ca::IssuanceRequest issue{subject_key, CertifiedIdentifiers(order, device_names), profile->certificate,
                            order.not_before, order.not_after};
  if (auto max = policy.MaxValidity(); max && *max < issue.profile.validity) issue.profile.validity = *max;
  std::vector<storage::RateLimit> limits;
  std::set<std::string> domains;
  for (const auto& id : order.identifiers) domains.insert(RegisteredDomain(id));
  for (const auto& domain : domains) {
    AddLimit(limits, options_.limits.certificates_per_domain, "certificates:" + domain,
             storage::RateLimit::Mode::kSpend, "certificates for this registered domain");
  }
  OrderIssuance log(store_, clock_, order, stored_status, std::move(limits));
  {
    std::lock_guard lock(finalizing_mu_);
    finalizing_.insert(order.id);
  }
  auto issued = ca_.Issue(issue, log);
  {
    std::lock_guard lock(finalizing_mu_);
    finalizing_.erase(order.id);
  }
  ReportRateLimit(issued.status());
  if (options_.observer != nullptr && log.recorded()) {
    // Past the finalize gate: the CA either stored the certificate or abandoned the issuance.
    options_.observer->IssuanceEnded(issued.ok() ? "issued" : "abandoned");
  }
  if (issued.status().code() == Code::kOrderNotReady) {
    return Error(Code::kOrderNotReady, "the order is already being finalized");
  }
  ANVIL_RETURN_IF_ERROR(issued.status());
  // Stored and valid, but the client has not been told: its retry must find the order valid.
  ANVIL_CRASH_POINT("issuance.after_store");
  // Exactly what FinishIssuance stored; no need to read it back.
  order.status = acme::OrderStatus::kValid;
  order.certificate_serial = issued->serial;
  return order;
}

// Orders stay processing only if the process stopped between the two writes of their issuance (or an older
// version stopped after storing the certificate but before making the order valid).
Status RegistrationAuthority::ReconcileProcessingOrders() {
  for (;;) {
    ANVIL_ASSIGN_OR_RETURN(auto orders, store_.ListOrdersByStatus(acme::OrderStatus::kProcessing, 100));
    if (orders.empty()) return Status::Ok();
    for (const auto& order : orders) {
      ANVIL_RETURN_IF_ERROR(ReconcileOrder(order, "anvil-ca stopped before the certificate was stored"));
    }
  }
}

bool RegistrationAuthority::Finalizing(const std::string& order_id) {
  std::lock_guard lock(finalizing_mu_);
  return finalizing_.count(order_id) != 0;
}

Status RegistrationAuthority::ReconcileOrder(const storage::Order& order, const std::string& why) {
  ANVIL_ASSIGN_OR_RETURN(auto certs, store_.ListCertificatesForOrder(order.id));
  std::string issued_serial;
  for (const auto& c : certs) {
    if (c.state == storage::CertificateState::kIssued) issued_serial = c.serial;
  }
  if (!issued_serial.empty()) {
    storage::AuditEvent audit = Audit("order.reconciled", order.account_id, order.id,
                                      nlohmann::json{{"serial", issued_serial}}.dump());
    Status s = store_.TransitionOrder(order.id, acme::OrderStatus::kProcessing, acme::OrderStatus::kValid, "",
                                      issued_serial, &audit);
    if (!s.ok() && s.code() != Code::kConflict) return s;
  }
  // Abandoning a pending certificate makes its order invalid if it is still processing.
  OrderIssuance log(store_, clock_, order, acme::OrderStatus::kProcessing);
  bool abandoned = false;
  for (const auto& c : certs) {
    if (c.state != storage::CertificateState::kPending) continue;
    Status s = log.Abandon(c.serial, Status(Code::kUnavailable, why));
    if (!s.ok() && s.code() != Code::kConflict) return s;
    abandoned = true;
  }
  if (issued_serial.empty() && !abandoned) {
    // No certificate record at all: cannot happen since the gate and the record commit together.
    storage::AuditEvent audit = Audit("order.reconciled", order.account_id, order.id, R"({"serial":""})");
    Status s = store_.TransitionOrder(
        order.id, acme::OrderStatus::kProcessing, acme::OrderStatus::kInvalid,
        ProblemText(Status(Code::kServerInternal, "issuance was interrupted; please place a new order")), "",
        &audit);
    if (!s.ok() && s.code() != Code::kConflict) return s;
  }
  return Status::Ok();
}

}  // namespace anvil::ra
