#include "ra/registration_authority.h"

#include <algorithm>
#include <set>

#include "acme/problem.h"
#include "base/base64url.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "jose/eab.h"
#include "ra/ids.h"

namespace anvil::ra {
namespace {

constexpr size_t kMaxContacts = 10;
constexpr size_t kMaxContactLength = 512;


std::string ProblemText(const Status& status) { return acme::ProblemJson(status).dump(); }

bool IsMailAddress(std::string_view addr) {
  auto at = addr.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= addr.size() || addr.find('@', at + 1) != addr.npos) {
    return false;
  }
  std::string_view domain = addr.substr(at + 1);
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.') return false;
  for (char c : addr) {
    if (c <= ' ' || c >= 0x7f || c == ',' || c == '<' || c == '>' || c == '"' || c == '\\') return false;
  }
  return true;
}

// Hex serial → big-endian bytes; the hex is produced by us (lowercase, even-padded on parse).
std::string HexToBytes(std::string hex) {
  if (hex.size() % 2) hex.insert(hex.begin(), '0');
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

std::string CertificateId(const std::string& authority_key_id, const std::string& serial_hex) {
  std::string serial = HexToBytes(serial_hex);
  // DER INTEGER contents: a leading zero octet when the top bit is set (RFC 9773 §4.1 uses the encoded bytes).
  if (!serial.empty() && (static_cast<unsigned char>(serial[0]) & 0x80)) serial.insert(serial.begin(), '\0');
  return base64url::Encode(authority_key_id) + "." + base64url::Encode(serial);
}

Result<std::pair<std::string, std::string>> ParseCertificateId(const std::string& cert_id) {
  auto dot = cert_id.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 >= cert_id.size()) {
    return Error(Code::kMalformed, "certificate ID must be base64url(AKI).base64url(serial)");
  }
  auto aki = base64url::Decode(cert_id.substr(0, dot));
  auto serial = base64url::Decode(cert_id.substr(dot + 1));
  if (!aki.ok() || !serial.ok() || serial->empty() || serial->size() > 21) {
    return Error(Code::kMalformed, "certificate ID is not valid base64url");
  }
  std::string bytes = *serial;
  while (bytes.size() > 1 && bytes[0] == '\0') bytes.erase(bytes.begin());
  std::string hex = crypto::HexEncode(bytes);
  while (hex.size() > 1 && hex[0] == '0') hex.erase(hex.begin());
  return std::make_pair(*aki, hex);
}

RegistrationAuthority::RegistrationAuthority(const config::Config& config, Policy policy,
                                             storage::Store& store, va::Validator& validator,
                                             ca::CertificateAuthority& ca, const Clock& clock,
                                             SteadyClock& steady_clock)
    : config_(config),
      policy_(std::move(policy)),
      store_(store),
      validator_(validator),
      ca_(ca),
      clock_(clock),
      challenge_waits_(config.acme.challenge_wait, steady_clock) {}

// ---------------------------------------------------------------------------------------------- accounts

Status RegistrationAuthority::CheckContacts(const std::vector<std::string>& contacts) const {
  if (contacts.size() > kMaxContacts) {
    return Error(Code::kInvalidContact, "too many contacts (at most " + std::to_string(kMaxContacts) + ")");
  }
  for (const auto& contact : contacts) {
    if (contact.size() > kMaxContactLength) return Error(Code::kInvalidContact, "contact too long");
    if (!contact.starts_with("mailto:")) {
      // §7.3: a server that does not support a contact's scheme returns unsupportedContact.
      return Error(Code::kUnsupportedContact, "only mailto: contacts are supported, got \"" + contact.substr(0, 64) + "\"");
    }
    std::string_view addr = std::string_view(contact).substr(7);
    if (addr.find('?') != std::string_view::npos) {
      return Error(Code::kInvalidContact, "mailto: contacts must not carry hfields");
    }
    if (!IsMailAddress(addr)) return Error(Code::kInvalidContact, "invalid email address \"" + std::string(addr.substr(0, 64)) + "\"");
  }
  return Status::Ok();
}

Result<std::string> RegistrationAuthority::CheckEab(const NewAccountRequest& request) {
  if (!request.eab) {
    if (config_.acme.external_account_required) {
      return Error(Code::kExternalAccountRequired, "this CA requires an external account binding");
    }
    return std::string();
  }
  ANVIL_ASSIGN_OR_RETURN(std::string kid, jose::EabKid(*request.eab, request.eab_url));
  auto key = store_.GetEabKey(kid);
  if (!key.ok()) {
    if (key.status().code() == Code::kNotFound) return Error(Code::kUnauthorized, "unknown external account key ID");
    return key.status();
  }
  if (!key->account_id.empty()) return Error(Code::kUnauthorized, "external account key already used");
  ANVIL_RETURN_IF_ERROR(jose::VerifyEab(*request.eab, key->hmac_key, request.key));
  return kid;
}

Result<NewAccountResult> RegistrationAuthority::NewAccount(const NewAccountRequest& request) {
  std::string thumbprint = request.key.Thumbprint();
  auto existing = store_.FindAccountByThumbprint(thumbprint);
  if (existing.ok()) {
    // §7.3.6: nothing is accepted any more for a deactivated (or revoked) account's key.
    if (existing->status != acme::AccountStatus::kValid) {
      return Error(Code::kUnauthorized, "the account for this key is " + std::string(acme::StatusName(existing->status)));
    }
    return NewAccountResult{*existing, false};
  }
  if (existing.status().code() != Code::kNotFound) return existing.status();
  if (request.only_return_existing) {
    return Error(Code::kAccountDoesNotExist, "no account exists with the provided key");
  }
  ANVIL_RETURN_IF_ERROR(CheckContacts(request.contacts));
  if (!config_.acme.terms_of_service.empty() && !request.tos_agreed) {
    return Error(Code::kMalformed, "you must agree to the terms of service (termsOfServiceAgreed: true)");
  }
  ANVIL_ASSIGN_OR_RETURN(std::string eab_kid, CheckEab(request));
  storage::Account account;
  account.created_at = clock_.Now();
  account.id = NewId(account.created_at);
  account.jwk_json = request.key.ToJson().dump();
  account.thumbprint = thumbprint;
  account.contacts = request.contacts;
  account.status = acme::AccountStatus::kValid;
  account.tos_agreed = request.tos_agreed;
  account.eab_kid = eab_kid;
  Status created = store_.CreateAccount(account);
  if (created.code() == Code::kConflict) {
    // A concurrent newAccount with the same key won the race: return its account.
    ANVIL_ASSIGN_OR_RETURN(storage::Account winner, store_.FindAccountByThumbprint(thumbprint));
    return NewAccountResult{winner, false};
  }
  if (created.code() == Code::kNotFound) return Error(Code::kUnauthorized, "unknown external account key ID");
  ANVIL_RETURN_IF_ERROR(created);
  (void)store_.AppendAudit({0, account.created_at, "account.created", account.id, account.id,
                            nlohmann::json{{"eab_kid", eab_kid}, {"contacts", account.contacts}}.dump()});
  return NewAccountResult{account, true};
}

Result<storage::Account> RegistrationAuthority::GetAccount(const std::string& id) { return store_.GetAccount(id); }

Result<storage::Account> RegistrationAuthority::FindAccountByKey(const jose::Jwk& key) {
  return store_.FindAccountByThumbprint(key.Thumbprint());
}

Result<storage::Account> RegistrationAuthority::UpdateContacts(const storage::Account& account,
                                                              const std::vector<std::string>& contacts) {
  ANVIL_RETURN_IF_ERROR(CheckContacts(contacts));
  ANVIL_RETURN_IF_ERROR(store_.UpdateAccount(account.id, contacts, account.status));
  return store_.GetAccount(account.id);
}

Result<storage::Account> RegistrationAuthority::Deactivate(const storage::Account& account) {
  ANVIL_RETURN_IF_ERROR(store_.UpdateAccount(account.id, account.contacts, acme::AccountStatus::kDeactivated));
  (void)store_.AppendAudit({0, clock_.Now(), "account.deactivated", account.id, account.id, "{}"});
  return store_.GetAccount(account.id);
}

Status RegistrationAuthority::ChangeKey(const storage::Account& account, const jose::Jwk& new_key,
                                        std::string* conflict_account_id) {
  std::string thumbprint = new_key.Thumbprint();
  auto holder = store_.FindAccountByThumbprint(thumbprint);
  if (holder.ok()) {
    *conflict_account_id = holder->id;
    return Error(Code::kConflict, "the new key is already in use by another account");
  }
  Status changed = store_.ChangeAccountKey(account.id, account.thumbprint, new_key.ToJson().dump(), thumbprint);
  if (changed.code() == Code::kConflict) {
    auto now_holder = store_.FindAccountByThumbprint(thumbprint);
    if (now_holder.ok()) *conflict_account_id = now_holder->id;
    return Error(Code::kConflict, "the account key changed concurrently or the new key is in use");
  }
  ANVIL_RETURN_IF_ERROR(changed);
  (void)store_.AppendAudit({0, clock_.Now(), "account.key_changed", account.id, account.id,
                            nlohmann::json{{"old", account.thumbprint}, {"new", thumbprint}}.dump()});
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------ orders

Result<const config::ProfileConfig*> RegistrationAuthority::Profile(const std::string& name) const {
  const std::string& wanted = name.empty() ? config_.default_profile : name;
  auto it = config_.profiles.find(wanted);
  if (it == config_.profiles.end()) {
    return Error(Code::kInvalidProfile, "unknown certificate profile \"" + wanted.substr(0, 64) + "\"");
  }
  return &it->second;
}

Result<storage::Authorization> RegistrationAuthority::MakeAuthorization(const std::string& account_id,
                                                                        const acme::Identifier& id, bool wildcard,
                                                                        TimePoint now) {
  storage::Authorization authz;
  authz.id = NewId(now);
  authz.account_id = account_id;
  authz.identifier = acme::Identifier{id.type, id.authorization_value()};
  authz.wildcard = wildcard;
  authz.status = acme::AuthorizationStatus::kPending;
  authz.created_at = now;
  authz.expires = now + config_.acme.pending_authorization_lifetime;
  std::vector<acme::ChallengeType> types;
  if (wildcard) {
    types = {acme::ChallengeType::kDns01};  // §7.1.3: wildcards only via dns-01
  } else if (id.type == acme::IdentifierType::kIp) {
    types = {acme::ChallengeType::kHttp01, acme::ChallengeType::kTlsAlpn01};  // RFC 8738 §7: no dns-01 for IPs
  } else {
    types = {acme::ChallengeType::kHttp01, acme::ChallengeType::kDns01, acme::ChallengeType::kTlsAlpn01};
  }
  for (auto type : types) {
    storage::Challenge c;
    c.id = NewId(now);
    c.type = type;
    c.token = NewToken();
    authz.challenges.push_back(std::move(c));
  }
  return authz;
}

Status RegistrationAuthority::CheckReplaces(const storage::Account& account, const std::string& cert_id) {
  ANVIL_ASSIGN_OR_RETURN(auto parsed, ParseCertificateId(cert_id));
  auto cert = store_.GetCertificate(parsed.second);
  if (!cert.ok() || cert->state != storage::CertificateState::kIssued || cert->authority_key_id != parsed.first) {
    return Error(Code::kMalformed, "replaces: no certificate with ID " + cert_id.substr(0, 128));
  }
  if (cert->account_id != account.id) {
    return Error(Code::kUnauthorized, "replaces: the certificate was not issued to this account");
  }
  ANVIL_ASSIGN_OR_RETURN(auto replacing, store_.FindOrderReplacing(cert_id));
  if (replacing.has_value()) {
    return Error(Code::kConflict, "the certificate " + cert_id + " has already been replaced by order " + replacing->id);
  }
  return Status::Ok();
}

Result<storage::Order> RegistrationAuthority::NewOrder(const storage::Account& account, const NewOrderRequest& request) {
  if (request.identifiers.empty()) return Error(Code::kMalformed, "an order needs at least one identifier");
  if (int(request.identifiers.size()) > policy_.max_identifiers()) {
    return Error(Code::kRejectedIdentifier,
                 "too many identifiers (at most " + std::to_string(policy_.max_identifiers()) + ")");
  }
  ANVIL_ASSIGN_OR_RETURN(const config::ProfileConfig* profile, Profile(request.profile));
  const std::string profile_name = request.profile.empty() ? config_.default_profile : request.profile;

  // Normalize and police every identifier; report all failures at once as subproblems (§6.7.1).
  std::vector<acme::Identifier> identifiers;
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
      fail(type_name, value, Status(Code::kRejectedIdentifier, "profile " + profile_name + " does not allow " + type_name + " identifiers"));
      continue;
    }
    Status allowed = policy_.CheckIdentifier(*id);
    if (!allowed.ok()) {
      fail(type_name, value, allowed);
      continue;
    }
    if (std::find(identifiers.begin(), identifiers.end(), *id) == identifiers.end()) identifiers.push_back(*id);
  }
  if (!failure.ok()) {
    if (failure.subproblems().size() > 1) {
      Status compound(failure.code(), "several identifiers were refused; see subproblems");
      for (const auto& sub : failure.subproblems()) compound.AddSubproblem(sub);
      return compound;
    }
    return failure;
  }

  TimePoint now = clock_.Now();
  // Requested validity (§7.4): within the profile's lifetime, not too far in the past or future.
  if (request.not_before || request.not_after) {
    TimePoint nb = request.not_before.value_or(now - profile->backdate);
    TimePoint na = request.not_after.value_or(nb + profile->validity);
    if (nb < now - std::chrono::hours(24)) return Error(Code::kMalformed, "notBefore is more than a day in the past");
    if (nb > now + config_.acme.order_lifetime) return Error(Code::kMalformed, "notBefore is too far in the future");
    if (na <= nb || na <= now) return Error(Code::kMalformed, "notAfter must be after notBefore and in the future");
    if (na - nb > profile->validity) {
      return Error(Code::kMalformed, "requested validity exceeds the profile's " +
                                         std::to_string(profile->validity.count() / 86400) + " days");
    }
  }
  if (!request.replaces.empty()) ANVIL_RETURN_IF_ERROR(CheckReplaces(account, request.replaces));

  storage::Order order;
  order.id = NewId(now);
  order.account_id = account.id;
  order.identifiers = identifiers;
  order.not_before = request.not_before;
  order.not_after = request.not_after;
  order.created_at = now;
  order.expires = now + config_.acme.order_lifetime;
  order.profile = profile_name;
  order.replaces = request.replaces;
  std::vector<storage::Authorization> fresh;
  bool all_valid = true;
  for (const auto& id : identifiers) {
    std::optional<storage::Authorization> reused;
    if (config_.acme.reuse_valid_authorizations) {
      acme::Identifier base{id.type, id.authorization_value()};
      // Reuse only an authorization that outlives this order (§7.1.4 lets a server reuse valid authorizations).
      ANVIL_ASSIGN_OR_RETURN(reused, store_.FindValidAuthorization(account.id, base, id.wildcard(), order.expires));
    }
    if (reused) {
      order.authorization_ids.push_back(reused->id);
      continue;
    }
    ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, MakeAuthorization(account.id, id, id.wildcard(), now));
    order.authorization_ids.push_back(authz.id);
    order.expires = std::min(order.expires, authz.expires);
    all_valid = false;
    fresh.push_back(std::move(authz));
  }
  order.status = all_valid ? acme::OrderStatus::kReady : acme::OrderStatus::kPending;
  ANVIL_RETURN_IF_ERROR(store_.CreateOrder(order, fresh));
  return order;
}

Result<storage::Authorization> RegistrationAuthority::RefreshAuthorization(storage::Authorization authz) {
  using S = acme::AuthorizationStatus;
  if ((authz.status == S::kPending || authz.status == S::kValid) && authz.expires <= clock_.Now()) {
    Status s = store_.TransitionAuthorization(authz.id, authz.status, S::kExpired);
    if (!s.ok() && s.code() != Code::kConflict) return s;
    return store_.GetAuthorization(authz.id);
  }
  return authz;
}

Result<storage::Order> RegistrationAuthority::RefreshOrder(storage::Order order, bool persist_ready) {
  using O = acme::OrderStatus;
  using A = acme::AuthorizationStatus;
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
            if (!problem.is_discarded() && problem.contains("detail")) why += ": " + problem["detail"].get<std::string>();
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
  Status s = store_.TransitionOrder(order.id, order.status, next, error, "");
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
                                                                      const config::ProfileConfig& profile) {
  auto csr = crypto::Csr::FromDer(csr_der);
  if (!csr.ok()) return Error(Code::kBadCsr, "the CSR cannot be parsed: " + csr.status().message());
  if (!csr->VerifySignature()) return Error(Code::kBadCsr, "the CSR's signature is invalid");
  crypto::PublicKey key = csr->public_key();
  ANVIL_RETURN_IF_ERROR(policy_.CheckKey(key, profile.key_types));
  auto account_key = AccountKey(account);
  if (account_key.ok() && account_key->key() == key) {
    return Error(Code::kBadCsr, "the certificate key must not be the account key");
  }
  // §7.4: the CSR must name exactly the order's identifiers (the CN, if any, among them).
  std::set<std::pair<acme::IdentifierType, std::string>> wanted, got;
  for (const auto& id : order.identifiers) wanted.insert({id.type, id.value});
  for (const auto& name : csr->dns_names()) {
    auto id = acme::NormalizeIdentifier(acme::IdentifierType::kDns, name);
    if (!id.ok()) return Error(Code::kBadCsr, "the CSR names an invalid DNS name \"" + name.substr(0, 64) + "\"");
    got.insert({id->type, id->value});
  }
  for (const auto& ip : csr->ip_addresses()) {
    auto id = acme::NormalizeIdentifier(acme::IdentifierType::kIp, ip);
    if (!id.ok()) return Error(Code::kBadCsr, "the CSR names an invalid IP address");
    got.insert({id->type, id->value});
  }
  std::string cn = csr->subject_common_name();
  if (!cn.empty()) {
    std::string lower = cn;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    bool listed = got.count({acme::IdentifierType::kDns, lower}) || got.count({acme::IdentifierType::kIp, lower});
    if (!listed) {
      // A CN that is not also a SAN is still acceptable if it names one of the order's identifiers.
      auto as_dns = acme::NormalizeIdentifier(acme::IdentifierType::kDns, cn);
      auto as_ip = acme::NormalizeIdentifier(acme::IdentifierType::kIp, cn);
      if (as_dns.ok()) got.insert({as_dns->type, as_dns->value});
      else if (as_ip.ok()) got.insert({as_ip->type, as_ip->value});
      else return Error(Code::kBadCsr, "the CSR's common name is not one of the order's identifiers");
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

Result<storage::Order> RegistrationAuthority::Finalize(const storage::Account& account, const std::string& order_id,
                                                       const std::string& csr_der) {
  ANVIL_ASSIGN_OR_RETURN(storage::Order stored, store_.GetOrder(order_id));
  // A pending order found ready here goes straight to processing: storing "ready" first would cost a commit.
  const acme::OrderStatus stored_status = stored.status;
  ANVIL_ASSIGN_OR_RETURN(storage::Order order, RefreshOrder(std::move(stored), /*persist_ready=*/false));
  if (order.account_id != account.id) return Error(Code::kUnauthorized, "the order belongs to another account");
  if (order.status != acme::OrderStatus::kReady) {
    return Error(Code::kOrderNotReady, "the order is " + std::string(acme::StatusName(order.status)) +
                                           ", not ready to be finalized");
  }
  ANVIL_ASSIGN_OR_RETURN(const config::ProfileConfig* profile, Profile(order.profile));
  ANVIL_ASSIGN_OR_RETURN(crypto::PublicKey subject_key, CheckCsrMatchesOrder(order, csr_der, account, *profile));

  // ready → processing is the single gate: a concurrent or repeated finalize loses there and never signs. It
  // is conditional on the status read above (pending or ready), so a concurrent change makes it fail, and it
  // commits together with the pending certificate row (the issuance's first write).
  ca::IssuanceRequest issue{order.id, account.id, subject_key, order.identifiers, order.profile, *profile,
                            order.not_before, order.not_after};
  issue.start_order_from = stored_status;
  issue.validate_order = true;  // the certificate and the order's processing → valid commit together
  auto issued = ca_.Issue(issue);
  if (issued.status().code() == Code::kOrderNotReady) {
    return Error(Code::kOrderNotReady, "the order is already being finalized");
  }
  if (!issued.ok()) {
    // Moves the order to invalid only if it got to processing (it did unless the first write failed).
    Status failed(Code::kServerInternal, "issuance failed");
    (void)store_.TransitionOrder(order.id, acme::OrderStatus::kProcessing, acme::OrderStatus::kInvalid,
                                 ProblemText(failed), "");
    return issued.status();
  }
  // Exactly what MarkCertificateIssuedAndOrderValid stored; no need to read it back.
  order.status = acme::OrderStatus::kValid;
  order.certificate_serial = issued->serial;
  return order;
}

// ---------------------------------------------------------------------------------------- authorizations

Result<storage::Authorization> RegistrationAuthority::GetAuthorization(const std::string& id) {
  ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, store_.GetAuthorization(id));
  return RefreshAuthorization(std::move(authz));
}

Result<storage::Authorization> RegistrationAuthority::NewAuthorization(const storage::Account& account,
                                                                       const std::string& type,
                                                                       const std::string& value) {
  ANVIL_ASSIGN_OR_RETURN(acme::IdentifierType t, acme::ParseIdentifierType(type));
  ANVIL_ASSIGN_OR_RETURN(acme::Identifier id, acme::NormalizeIdentifier(t, value));
  // §7.4.1: pre-authorization for a wildcard is not possible (no "*." in authorization identifiers).
  if (id.wildcard()) return Error(Code::kRejectedIdentifier, "newAuthz cannot be used for wildcard names");
  ANVIL_RETURN_IF_ERROR(policy_.CheckIdentifier(id));
  ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, MakeAuthorization(account.id, id, false, clock_.Now()));
  ANVIL_RETURN_IF_ERROR(store_.CreateAuthorization(authz));
  return authz;
}

Result<storage::Authorization> RegistrationAuthority::DeactivateAuthorization(const storage::Account& account,
                                                                              const std::string& id) {
  ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, GetAuthorization(id));
  if (authz.account_id != account.id) return Error(Code::kUnauthorized, "the authorization belongs to another account");
  using S = acme::AuthorizationStatus;
  // §7.5.2: only pending or valid authorizations can be deactivated.
  if (authz.status != S::kPending && authz.status != S::kValid) {
    return Error(Code::kMalformed, "an authorization in status " + std::string(acme::StatusName(authz.status)) +
                                       " cannot be deactivated");
  }
  Status s = store_.TransitionAuthorization(id, authz.status, S::kDeactivated);
  if (s.code() == Code::kConflict) return Error(Code::kMalformed, "the authorization changed concurrently; retry");
  ANVIL_RETURN_IF_ERROR(s);
  return store_.GetAuthorization(id);
}

Result<storage::Authorization> RegistrationAuthority::RespondToChallenge(const storage::Account& account,
                                                                         const std::string& authz_id,
                                                                         const std::string& challenge_id) {
  ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, GetAuthorization(authz_id));
  if (authz.account_id != account.id) return Error(Code::kUnauthorized, "the authorization belongs to another account");
  auto it = std::find_if(authz.challenges.begin(), authz.challenges.end(),
                         [&](const storage::Challenge& c) { return c.id == challenge_id; });
  if (it == authz.challenges.end()) return Error(Code::kNotFound, "no such challenge");
  // Responding again to a challenge that is already processing or finished is harmless: return the state.
  if (authz.status != acme::AuthorizationStatus::kPending || it->status != acme::ChallengeStatus::kPending) {
    return authz;
  }
  // One validation attempt per authorization at a time (as Boulder): another challenge already being
  // validated decides this authorization. A validation running here is recorded as processing only once it
  // outlasts acme.challenge_wait; until then ChallengeWaits knows it.
  for (const auto& other : authz.challenges) {
    if (other.status == acme::ChallengeStatus::kProcessing) return authz;
  }
  std::string running;
  std::shared_ptr<ChallengeWaits::Ticket> ticket =
      challenge_waits_.Begin(account.id, authz.id, challenge_id, &running);
  if (ticket == nullptr) {
    for (auto& c : authz.challenges) {
      if (c.id == running) c.status = acme::ChallengeStatus::kProcessing;
    }
    return authz;
  }

  va::ValidationRequest request;
  request.type = it->type;
  request.identifier = authz.identifier;
  request.token = it->token;
  request.key_authorization = acme::KeyAuthorization(it->token, account.thumbprint);
  std::string aid = authz.id, cid = challenge_id;
  Status queued =
      validator_.Validate(std::move(request), [this, aid, cid, ticket](va::ValidationResult result) {
        OnValidated(aid, cid, std::move(result));
        challenge_waits_.Done(*ticket);
      });
  if (!queued.ok()) {
    OnValidated(aid, cid, va::ValidationResult{Status(Code::kServerInternal, "validation could not be queued"), {}});
    challenge_waits_.Done(*ticket);
    return store_.GetAuthorization(authz.id);  // now invalid
  }
  // Usually the validation ends within milliseconds: answering with its outcome spares the client a poll, and
  // the challenge goes from pending to valid or invalid in one store write.
  if (challenge_waits_.Wait(*ticket)) return store_.GetAuthorization(authz.id);
  // It outlasted the wait: record it as processing (§7.1.6), unless it has been decided meanwhile.
  Status started = store_.StartChallenge(authz.id, challenge_id);
  if (started.code() == Code::kConflict) return store_.GetAuthorization(authz.id);
  ANVIL_RETURN_IF_ERROR(started);
  it->status = acme::ChallengeStatus::kProcessing;
  return authz;
}

void RegistrationAuthority::OnValidated(const std::string& authz_id, const std::string& challenge_id,
                                        va::ValidationResult result) {
  bool valid = result.status.ok();
  std::string error = valid ? "" : ProblemText(result.status);
  TimePoint now = clock_.Now();
  Status s = store_.CompleteChallenge(authz_id, challenge_id, valid, error, now,
                                      now + config_.acme.authorization_lifetime);
  (void)s;  // kConflict: the authorization was deactivated or expired meanwhile; nothing to record.
}

// ---------------------------------------------------------------------------------------- certificates

Result<storage::CertificateRecord> RegistrationAuthority::GetCertificate(const std::string& serial) {
  ANVIL_ASSIGN_OR_RETURN(storage::CertificateRecord record, store_.GetCertificate(serial));
  if (record.state != storage::CertificateState::kIssued) return Error(Code::kNotFound, "no such certificate");
  return record;
}

Status RegistrationAuthority::Revoke(const std::string& certificate_der, int reason, RevocationRequester requester,
                                     const storage::Account* account, const jose::Jwk* certificate_key) {
  auto cert = crypto::Certificate::FromDer(certificate_der);
  if (!cert.ok()) return Error(Code::kMalformed, "the certificate to revoke cannot be parsed");
  auto record = store_.GetCertificate(cert->serial_hex());
  if (!record.ok() || record->state != storage::CertificateState::kIssued || record->der != certificate_der) {
    return Error(Code::kNotFound, "the certificate was not issued by this CA");
  }
  if (!acme::IsValidRevocationReason(reason)) {
    return Error(Code::kBadRevocationReason, "revocation reason " + std::to_string(reason) + " is not allowed");
  }
  if (requester == RevocationRequester::kCertificateKey) {
    if (certificate_key == nullptr || !(certificate_key->key() == cert->public_key())) {
      return Error(Code::kUnauthorized, "the request is not signed by the certificate's key");
    }
  } else {
    if (account == nullptr) return Error(Code::kUnauthorized, "no account");
    if (record->account_id != account->id) {
      // §7.6: an account that holds valid authorizations for all the certificate's names may revoke it too.
      TimePoint now = clock_.Now();
      for (const auto& name : record->names) {
        auto ip = acme::NormalizeIdentifier(acme::IdentifierType::kIp, name);
        acme::Identifier id = ip.ok() ? *ip : acme::Identifier{acme::IdentifierType::kDns, name};
        ANVIL_ASSIGN_OR_RETURN(auto authz, store_.FindValidAuthorization(
                                               account->id, acme::Identifier{id.type, id.authorization_value()},
                                               id.wildcard(), now));
        if (!authz) {
          return Error(Code::kUnauthorized, "the account neither owns the certificate nor holds authorizations for " + name);
        }
      }
    }
  }
  Status s = store_.RevokeCertificate(record->serial, reason, clock_.Now());
  if (s.code() == Code::kAlreadyRevoked) return Error(Code::kAlreadyRevoked, "the certificate is already revoked");
  return s;
}

Result<RenewalInfo> RegistrationAuthority::GetRenewalInfo(const std::string& cert_id) {
  ANVIL_ASSIGN_OR_RETURN(auto parsed, ParseCertificateId(cert_id));
  auto record = store_.GetCertificate(parsed.second);
  if (!record.ok() || record->state != storage::CertificateState::kIssued ||
      record->authority_key_id != parsed.first) {
    return Error(Code::kNotFound, "no certificate with this ID");
  }
  TimePoint now = clock_.Now();
  if (record->revoked_at) {
    // RFC 9773 §4.2: a window in the past tells the client to renew immediately.
    return RenewalInfo{now - std::chrono::hours(2), now - std::chrono::hours(1)};
  }
  auto life = record->not_after - record->not_before;
  // The window covers the middle of the last third of the lifetime (day 60-67 of a 90-day certificate is
  // not exact; this is 2/3..7/9), leaving clients time to retry before expiry.
  TimePoint start = record->not_before + life * 2 / 3;
  TimePoint end = record->not_before + life * 7 / 9;
  return RenewalInfo{start, end};
}

Status RegistrationAuthority::ReconcileProcessingOrders() {
  for (;;) {
    ANVIL_ASSIGN_OR_RETURN(auto orders, store_.ListOrdersByStatus(acme::OrderStatus::kProcessing, 100));
    if (orders.empty()) return Status::Ok();
    for (const auto& order : orders) {
      ANVIL_ASSIGN_OR_RETURN(auto certs, store_.ListCertificatesForOrder(order.id));
      std::string issued_serial;
      for (const auto& c : certs) {
        if (c.state == storage::CertificateState::kIssued) issued_serial = c.serial;
        if (c.state == storage::CertificateState::kPending) (void)store_.MarkCertificateAbandoned(c.serial);
      }
      Status s = issued_serial.empty()
                     ? store_.TransitionOrder(order.id, acme::OrderStatus::kProcessing, acme::OrderStatus::kInvalid,
                                              ProblemText(Status(Code::kServerInternal,
                                                                 "issuance was interrupted; please place a new order")),
                                              "")
                     : store_.TransitionOrder(order.id, acme::OrderStatus::kProcessing, acme::OrderStatus::kValid, "",
                                              issued_serial);
      if (!s.ok() && s.code() != Code::kConflict) return s;
      (void)store_.AppendAudit({0, clock_.Now(), "order.reconciled", order.account_id, order.id,
                                nlohmann::json{{"serial", issued_serial}}.dump()});
    }
  }
}

}  // namespace anvil::ra
