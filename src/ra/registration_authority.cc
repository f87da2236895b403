#include "ra/registration_authority.h"

#include <nlohmann/json.hpp>

#include "crypto/digest.h"
#include "crypto/weak_keys.h"
#include "ra/ids.h"
#include "ra/limit_keys.h"

namespace anvil::ra {
namespace {

constexpr size_t kMaxContacts = 10;
constexpr size_t kMaxContactLength = 512;

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
}  // namespace

RegistrationAuthority::RegistrationAuthority(RaOptions options, PolicySet policies, storage::Store& store,
                                             va::Validator& validator, ca::CertificateIssuer& ca, const Clock& clock,
                                             SteadyClock& steady_clock)
    : options_(std::move(options)),
      policies_(std::move(policies), store, steady_clock),
      store_(store),
      validator_(validator),
      ca_(ca),
      clock_(clock),
      challenge_waits_(options_.challenge_wait, steady_clock),
      retired_authority_key_ids_(options_.retired_authority_key_ids) {
  // A profile's certificate carries the name it is offered under.
  for (auto& [name, profile] : options_.profiles) profile.certificate.name = name;
}

storage::AuditEvent RegistrationAuthority::Audit(std::string kind, std::string account_id, std::string subject,
                                                 std::string details_json) const {
  storage::AuditEvent event;
  event.at = clock_.Now();
  event.kind = std::move(kind);
  event.account_id = std::move(account_id);
  event.subject = std::move(subject);
  event.details_json = std::move(details_json);
  return event;
}

Status RegistrationAuthority::RecordEvent(std::string kind, std::string subject, std::string details_json) {
  return store_.AppendAudit(Audit(std::move(kind), "", std::move(subject), std::move(details_json)));
}

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
  if (options_.terms_of_service_required && !request.tos_agreed) {
    return Error(Code::kMalformed, "you must agree to the terms of service (termsOfServiceAgreed: true)");
  }
  ANVIL_RETURN_IF_ERROR(CheckKeyUsable(request.key.key(), Code::kBadPublicKey, "the account key"));
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
  std::vector<storage::RateLimit> limits;
  if (!request.client_address.empty()) {
    AddLimit(limits, options_.limits.new_accounts_per_ip, "accounts:" + ClientRange(request.client_address),
             storage::RateLimit::Mode::kSpend, "new accounts from one IP address");
  }
  Status created = store_.CreateAccount(
      account,
      Audit("account.created", account.id, account.id,
            nlohmann::json{{"eab_kid", eab_kid}, {"contacts", account.contacts}}.dump()),
      limits);
  ReportRateLimit(created);
  if (created.code() == Code::kConflict) {
    // A concurrent newAccount with the same key won the race: return its account.
    ANVIL_ASSIGN_OR_RETURN(storage::Account winner, store_.FindAccountByThumbprint(thumbprint));
    return NewAccountResult{winner, false};
  }
  if (created.code() == Code::kNotFound) return Error(Code::kUnauthorized, "unknown external account key ID");
  ANVIL_RETURN_IF_ERROR(created);
  return NewAccountResult{account, true};
}

Result<storage::Account> RegistrationAuthority::GetAccount(const std::string& id) { return store_.GetAccount(id); }

Result<storage::Account> RegistrationAuthority::FindAccountByKey(const jose::Jwk& key) {
  return store_.FindAccountByThumbprint(key.Thumbprint());
}

Result<storage::Account> RegistrationAuthority::UpdateContacts(const storage::Account& account,
                                                              const std::vector<std::string>& contacts) {
  ANVIL_RETURN_IF_ERROR(CheckContacts(contacts));
  ANVIL_RETURN_IF_ERROR(store_.UpdateAccount(account.id, contacts, account.status,
                                             Audit("account.updated", account.id, account.id,
                                                   nlohmann::json{{"contacts", contacts}}.dump())));
  return store_.GetAccount(account.id);
}

Result<storage::Account> RegistrationAuthority::Deactivate(const storage::Account& account) {
  ANVIL_RETURN_IF_ERROR(store_.UpdateAccount(account.id, account.contacts, acme::AccountStatus::kDeactivated,
                                             Audit("account.deactivated", account.id, account.id, "{}")));
  return store_.GetAccount(account.id);
}

Result<storage::Account> RegistrationAuthority::DeactivateByOperator(const std::string& account_id,
                                                                     const std::string& note,
                                                                     const std::string& requester) {
  ANVIL_ASSIGN_OR_RETURN(storage::Account account, store_.GetAccount(account_id));
  if (account.status != acme::AccountStatus::kValid) {
    return Error(Code::kConflict, "account " + account_id + " is " +
                                      std::string(acme::StatusName(account.status)) + " already");
  }
  nlohmann::json details = {{"requester", requester}};
  if (!note.empty()) details["note"] = note;
  ANVIL_RETURN_IF_ERROR(store_.UpdateAccount(account.id, account.contacts, acme::AccountStatus::kDeactivated,
                                             Audit("account.deactivated", account.id, account.id, details.dump())));
  return store_.GetAccount(account.id);
}

namespace {

// The limits the store applies, by the `what` AddLimit gives them and the key of limits.* that sets them.
struct StoredLimit {
  std::string_view what, key;
};
constexpr StoredLimit kStoredLimits[] = {
    {"new accounts from one IP address", "new_accounts_per_ip"},
    {"new orders per account", "new_orders_per_account"},
    {"failed validations for this identifier", "failed_validations_per_identifier"},
    {"certificates for this registered domain", "certificates_per_domain"},
};

}  // namespace

void RegistrationAuthority::ReportRateLimit(const Status& s) const {
  if (options_.observer == nullptr || s.code() != Code::kRateLimited) return;
  // storage/internal/rate_limit.cc: "too many " + what + " (at most ...".
  for (const StoredLimit& l : kStoredLimits) {
    if (s.message().starts_with("too many " + std::string(l.what) + " (")) {
      options_.observer->RateLimited(l.key);
      return;
    }
  }
  options_.observer->RateLimited("unknown");  // a limit this table does not know: counted all the same
}

void RegistrationAuthority::AddLimit(std::vector<storage::RateLimit>& limits, const RateRule& rule,
                                     std::string key, storage::RateLimit::Mode mode, const char* what) const {
  if (!rule.on()) return;
  limits.push_back(storage::RateLimit{std::move(key), rule.count, rule.period, mode, what});
}

std::string RegistrationAuthority::BlockedKeyId(const crypto::PublicKey& key) {
  return crypto::HexEncode(crypto::Sha256(key.ToDer()));
}

Status RegistrationAuthority::CheckKeyUsable(const crypto::PublicKey& key, Code refusal, std::string_view whose) {
  const std::string prefix = std::string(whose) + " is refused: ";
  if (Status strong = crypto::CheckKeyStrength(key); !strong.ok()) return Error(refusal, prefix + strong.message());
  auto blocked = store_.GetBlockedKey(BlockedKeyId(key));
  if (blocked.ok()) return Error(refusal, prefix + "the key is blocked since " + blocked->source);
  if (blocked.status().code() != Code::kNotFound) return blocked.status();
  return Status::Ok();
}

Status RegistrationAuthority::ChangeKey(const storage::Account& account, const jose::Jwk& new_key,
                                        std::string* conflict_account_id) {
  ANVIL_RETURN_IF_ERROR(CheckKeyUsable(new_key.key(), Code::kBadPublicKey, "the new account key"));
  std::string thumbprint = new_key.Thumbprint();
  auto holder = store_.FindAccountByThumbprint(thumbprint);
  if (holder.ok()) {
    *conflict_account_id = holder->id;
    return Error(Code::kConflict, "the new key is already in use by another account");
  }
  Status changed = store_.ChangeAccountKey(
      account.id, account.thumbprint, new_key.ToJson().dump(), thumbprint,
      Audit("account.key_changed", account.id, account.id,
            nlohmann::json{{"old", account.thumbprint}, {"new", thumbprint}}.dump()));
  if (changed.code() == Code::kConflict) {
    // Either another account took the key meanwhile, or this account's key changed under us.
    auto now_holder = store_.FindAccountByThumbprint(thumbprint);
    if (now_holder.ok() && now_holder->id != account.id) {
      *conflict_account_id = now_holder->id;
      return Error(Code::kConflict, "the new key is already in use by another account");
    }
    return Error(Code::kConflict, "the account key changed concurrently; retry with the current key");
  }
  return changed;
}

}  // namespace anvil::ra
