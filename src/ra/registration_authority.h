// The registration authority: accounts, orders, authorizations and challenges as the state machines of
// RFC 8555 §7.1.6, issuance policy, External Account Binding, revocation and renewal information (RFC 9773).
// It is the only owner of account, order and authorization state and the only writer of the store: it asks the
// validator (va) to check challenges and the CA to sign, recording the issuance itself (ra/order_issuance.h).
// Derived state (an order becoming ready or invalid, an authorization expiring) is computed on read and
// persisted with conditional transitions, so concurrent readers agree. Every state change that the audit log
// records is written in the same transaction as its audit row. Sources: registration_authority.cc (accounts),
// ra_orders.cc, ra_authorizations.cc, ra_certificates.cc, ra_caa.cc.
// Thread-safe: every method may be called concurrently (state lives in the Store).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "acme/certificate_id.h"
#include "acme/types.h"
#include "base/status.h"
#include "base/steady_clock.h"
#include "base/time.h"
#include "ca/issuer.h"
#include "crypto/csr.h"
#include "jose/jwk.h"
#include "jose/jwk_cache.h"
#include "jose/jws.h"
#include "ra/authorization_hook.h"
#include "ra/challenge_waits.h"
#include "ra/options.h"
#include "ra/policy.h"
#include "ra/policy_catalog.h"
#include "ra/policy_set.h"
#include "storage/store.h"
#include "va/validator.h"

namespace anvil::ra {

struct NewAccountRequest {
  jose::Jwk key;
  std::vector<std::string> contacts;
  bool tos_agreed = false;
  bool only_return_existing = false;
  std::optional<jose::ParsedJws> eab;  // the externalAccountBinding inner JWS, if sent
  std::string eab_url;                 // the newAccount URL the EAB must name
  std::string client_address;          // the requester's IP address, for limits.new_accounts_per_ip
};

struct NewAccountResult {
  storage::Account account;
  bool created = false;  // false: an existing account was returned (RFC 8555 §7.3.1, 200 instead of 201)
};

struct NewOrderRequest {
  std::vector<std::pair<std::string, std::string>> identifiers;  // raw (type, value) as sent
  std::optional<TimePoint> not_before, not_after;
  std::string profile;   // empty: default profile
  std::string replaces;  // RFC 9773 certificate ID, or empty
};

struct RenewalInfo {
  TimePoint window_start, window_end;
};

enum class RevocationRequester { kAccount, kCertificateKey };

// "TYPE:VALUE" of an identifier as a client sent it, not yet parsed, cut to a bounded length (16 and 256
// characters), for the audit record of its refusal (acme::IdentifierText is the parsed identifier's).
inline std::string RequestedIdentifier(const std::string& type, const std::string& value) {
  return type.substr(0, 16) + ":" + value.substr(0, 256);
}

// What the policies say of one identifier (and key type) for an account and profile (`anvil-ca policy
// explain`, GET /admin/v1/policies/explain): each bound policy's answer to each question, in binding order.
struct PolicyExplanation {
  struct Verdict {
    std::string policy, binding;
    std::string question;  // "identifier", "profile", "key type"
    std::string rule;      // "" = allowed
    std::string detail;
  };
  std::string profile;
  std::vector<Verdict> verdicts;
  std::vector<std::string> challenges;  // the challenge types every bound policy allows
  std::chrono::seconds validity{0};     // what a certificate would get
  bool validity_cut = false;            // by a policy's max_validity
  bool allowed() const {
    for (const Verdict& v : verdicts) {
      if (!v.rule.empty()) return false;
    }
    return true;
  }
};

// What a challenge response (§7.5.1) carries beyond readiness.
struct ChallengeResponse {
  std::string attestation_object;  // device-attest-01: the decoded "attObj" (draft-ietf-acme-device-attest-09 §5)
};

// A new External Account Binding key (`anvil-ca eab create`, the admin API; docs/policy.md).
struct EabKeyRequest {
  std::string kid;     // empty: a random one
  std::string label;   // who or what the key is for (stored as EabKey::comment)
  std::string policy;  // a named policy every account bound with the key gets; empty: none
  std::optional<std::chrono::seconds> lifetime;  // none: the key does not expire
  int64_t max_uses = 1;                          // accounts it may bind; 0: any number
  std::string requester = "operator";            // who asks, for the audit record
  // An MDM's enrollment token for one device (docs/device-attestation.md): "permanent-identifier:SERIAL" or
  // "hardware-module:SERIAL/OID"; the accounts bound with the key may order for that device only. "": any.
  std::string device{};
};

class RegistrationAuthority {
 public:
  // `steady_clock` bounds the challenge responses' waits (RaOptions::challenge_wait; tests pass a
  // FakeSteadyClock).
  RegistrationAuthority(RaOptions options, PolicySet policies, storage::Store& store, va::Validator& validator,
                        ca::CertificateIssuer& ca, const Clock& clock,
                        SteadyClock& steady_clock = SteadyClock::Real());

  // Accounts (§7.3).
  Result<NewAccountResult> NewAccount(const NewAccountRequest& request);
  Result<storage::Account> GetAccount(const std::string& id);
  Result<storage::Account> FindAccountByKey(const jose::Jwk& key);
  Result<storage::Account> UpdateContacts(const storage::Account& account, const std::vector<std::string>& contacts);
  Result<storage::Account> Deactivate(const storage::Account& account);
  // §7.3.5. kConflict when the new key is another account's (its id in `conflict_account_id`) or the account's
  // key changed meanwhile (`conflict_account_id` left empty).
  Status ChangeKey(const storage::Account& account, const jose::Jwk& new_key, std::string* conflict_account_id);

  // Orders (§7.4).
  Result<storage::Order> NewOrder(const storage::Account& account, const NewOrderRequest& request);
  // The order with its derived status brought up to date.
  Result<storage::Order> GetOrder(const std::string& id);
  Result<std::vector<std::string>> ListOrders(const storage::Account& account, const std::string& after_id, int limit);
  Result<storage::Order> Finalize(const storage::Account& account, const std::string& order_id, const std::string& csr_der);

  // Authorizations and challenges (§7.5).
  Result<storage::Authorization> GetAuthorization(const std::string& id);
  Result<storage::Authorization> NewAuthorization(const storage::Account& account, const std::string& type,
                                                  const std::string& value);
  Result<storage::Authorization> DeactivateAuthorization(const storage::Account& account, const std::string& id);
  // Starts validation of a challenge (§7.5.1) and returns the authorization once the outcome is stored, or as
  // it stands after acme.challenge_wait (the challenge processing) if the validation takes longer.
  // A device-attest-01 response must carry the attestation object (kMalformed otherwise; the challenge stays
  // pending); other challenges ignore `response`.
  Result<storage::Authorization> RespondToChallenge(const storage::Account& account, const std::string& authz_id,
                                                    const std::string& challenge_id,
                                                    const ChallengeResponse& response = {});

  // Certificates (§7.4.2, §7.6) and renewal information (RFC 9773).
  Result<storage::CertificateRecord> GetCertificate(const std::string& serial);
  Status Revoke(const std::string& certificate_der, int reason, RevocationRequester requester,
                const storage::Account* account, const jose::Jwk* certificate_key);
  Result<RenewalInfo> GetRenewalInfo(const std::string& cert_id);

  // The operator's revocation (`anvil-ca cert revoke`, docs/inventory.md): the issued certificate `serial`,
  // for `reason` — one a subscriber may give or privilegeWithdrawn (9) — recorded exactly as an ACME
  // revocation is (the key blocked first for keyCompromise, the audit row `certificate.revoked` with
  // `requester` and `note`, the revocation listener told). kNotFound, kBadRevocationReason, kAlreadyRevoked.
  // `requester` names who asked: "operator" for the command line, "admin:NAME" for an admin API caller
  // (docs/admin-api.md).
  Status RevokeByOperator(const std::string& serial, int reason, const std::string& note,
                          const std::string& requester = "operator");
  // The operator's deactivation of an account (RFC 8555 §7.3.6 by the server): as the account's own, audited
  // `account.deactivated` with `requester` and `note`. kNotFound; kConflict when it is deactivated already.
  Result<storage::Account> DeactivateByOperator(const std::string& account_id, const std::string& note,
                                                const std::string& requester = "operator");

  // Policies (docs/policy.md, ra_policy.cc). The policies bound to a request of `account` for `profile`
  // (empty: the default profile): the default, the profile's, the EAB key's and the account's, in that order.
  // kUnauthorized when a bound policy is no longer defined (fail closed), kInvalidProfile for an unknown profile.
  Result<EffectivePolicy> PolicyFor(const storage::Account& account, const std::string& profile);
  // The policies in force, the configuration's and those defined at run time: a snapshot the caller may keep
  // (ra/policy_catalog.h).
  std::shared_ptr<const PolicySet> policies() const { return policies_.Current(); }
  // The profiles whose requests `policy` binds (profiles.NAME.policy in the configuration), in name order.
  std::vector<std::string> ProfilesBoundTo(const std::string& policy) const;
  // Reads the policies defined at run time now (the server's start; they are read at first use otherwise): the
  // stored definitions left out, and why ("NAME: why"). Errors: the store's.
  Result<std::vector<std::string>> LoadPolicies() { return policies_.Reload(); }
  // Defines the named policy `name` with `rules` (their name is ignored) over the admin API or the command
  // line, or replaces the rules of one defined so: stored with its audit row, `policy.defined` or
  // `policy.updated` with `requester` and the rules, and in force at once. kInvalidArgument for a bad name, a
  // bad rule (checked as a configured policy's, Policy::Create) or a profile not configured; kConflict when the
  // configuration file defines the name ("default" included).
  enum class PolicyChange { kDefined, kUpdated };
  Result<PolicyChange> DefinePolicy(const std::string& name, const PolicyRules& rules, const std::string& requester);
  // Deletes a policy defined at run time, audited `policy.deleted` with `requester` and the rules it had.
  // kConflict when the configuration file defines it, or while it binds a request: a profile, a valid account
  // (its own or its EAB key's), an EAB key that may still bind accounts (the message names it); kNotFound when
  // no such policy was defined at run time.
  Status DeletePolicy(const std::string& name, const std::string& requester);
  // `name`: a DNS name or IP address; `key_type` ("ec256" …) or "" for none. kInvalidProfile, or the
  // identifier's parse error.
  Result<PolicyExplanation> ExplainPolicy(const storage::Account& account, const std::string& profile,
                                          const std::string& name, const std::string& key_type);
  // Binds the named policy to the account ("" unbinds), audited `account.policy_set` with `requester`.
  // kInvalidArgument for a policy not configured, kNotFound without the account.
  Result<storage::Account> SetAccountPolicy(const std::string& account_id, const std::string& policy,
                                            const std::string& requester);

  // EAB keys (ra_eab.cc): created with a random 256-bit HMAC key and audited `eab.created` (the key itself is
  // never in the audit record; the caller shows it once); revoked, audited `eab.revoked`.
  Result<storage::EabKey> CreateEabKey(const EabKeyRequest& request);
  Status RevokeEabKey(const std::string& kid, const std::string& requester);

  // Start-up recovery: orders left in `processing` by a crash become valid (if their certificate was stored)
  // or invalid (if signing never completed); unfinished certificate records are marked abandoned. An order
  // left processing while this process runs (its issuance failed and could not be abandoned either, e.g. a
  // storage fault) is resolved the same way when it is next read, unless this process is finalizing it.
  Status ReconcileProcessingOrders();
  // An audit record of something outside the protocol that changes what the CA does: the server's start with
  // its configuration, its stop, an operator's command (docs/audit.md). `details_json` is a JSON object.
  Status RecordEvent(std::string kind, std::string subject, std::string details_json);

  // Called after each revocation is stored (the CRL updater: a CRL within its delay). Set before serving;
  // runs on the revoking request's thread and must not block.
  void SetRevocationListener(std::function<void(const storage::CertificateRecord&)> listener) {
    revocation_listener_ = std::move(listener);
  }

  // The authority key IDs (raw) of the retired intermediates, after the CA was read again (replaces
  // RaOptions::retired_authority_key_ids): renewalInfo asks their certificates to renew now. Thread-safe.
  void SetRetiredAuthorityKeyIds(std::set<std::string> ids) {
    std::lock_guard lock(retired_mu_);
    retired_authority_key_ids_ = std::move(ids);
  }

  // The account's key, parsed once per distinct stored JWK (jose::JwkCache).
  Result<jose::Jwk> AccountKey(const storage::Account& account) { return account_keys_.Get(account.jwk_json); }

 private:
  Status CheckContacts(const std::vector<std::string>& contacts) const;
  Result<std::string> CheckEab(const NewAccountRequest& request);
  Result<const ProfileRules*> Profile(const std::string& name) const;
  // A pending authorization with the challenges `policy` allows for the identifier; kRejectedIdentifier
  // naming the policy when it allows none of them.
  Result<storage::Authorization> MakeAuthorization(const std::string& account_id, const acme::Identifier& id,
                                                   bool wildcard, TimePoint now, const EffectivePolicy& policy);
  // The EffectivePolicy of PolicyFor with an already resolved profile (null: none, for newAuthz).
  Result<EffectivePolicy> PolicyFor(const storage::Account& account, const ProfileRules* profile);
  Result<storage::Authorization> RefreshAuthorization(storage::Authorization authz);
  // Brings derived state up to date and stores it. With persist_ready false, a pending order whose
  // authorizations are all valid is returned as ready without storing that (Finalize moves it on at once).
  Result<storage::Order> RefreshOrder(storage::Order order, bool persist_ready = true);
  // Resolves one order found processing (ReconcileProcessingOrders); `why` is the audit row's reason.
  Status ReconcileOrder(const storage::Order& order, const std::string& why);
  // Whether this process is between the gate and the end of `order_id`'s issuance (Finalize).
  bool Finalizing(const std::string& order_id);
  Status CheckReplaces(const storage::Account& account, const std::string& cert_id);
  // The part of every revocation after its authorization: the key blocked when `reason` is keyCompromise,
  // the revocation and its audit row (`details_json`), then the revocation listener.
  Status RecordRevocation(const storage::CertificateRecord& record, const crypto::PublicKey& key, int reason,
                          const std::string& details_json);
  // OK, or kRateLimited when the account has as many open orders, or would have more pending authorizations
  // with `new_authorizations` more, than RaOptions::limits allows.
  Status CheckPendingCaps(const storage::Account& account, size_t new_authorizations, TimePoint now);
  // How long a reused open order must still live (NewOrder).
  static constexpr std::chrono::seconds kReuseMargin{3600};
  // The storage::RateLimit of `rule` under `key`, or none when the rule is off.
  // Tells the observer which limit refused a write when `s` is the store's rateLimited refusal (its message
  // names the limit's `what`, as AddLimit passed it).
  void ReportRateLimit(const Status& s) const;
  void ReportPolicy(std::string_view rule) const {
    if (options_.observer != nullptr) options_.observer->PolicyRefused(rule);
  }
  void AddLimit(std::vector<storage::RateLimit>& limits, const RateRule& rule, std::string key,
                storage::RateLimit::Mode mode, const char* what) const;
  // OK when `key` may be trusted or certified: strong enough (crypto::CheckKeyStrength) and not blocked after a
  // keyCompromise revocation. Otherwise `refusal` (kBadPublicKey or kBadCsr) with "<whose> is refused: why".
  Status CheckKeyUsable(const crypto::PublicKey& key, Code refusal, std::string_view whose);
  // How the blocked-key list names a key: lowercase hex SHA-256 of its DER SubjectPublicKeyInfo.
  static std::string BlockedKeyId(const crypto::PublicKey& key);
  // OK when RaOptions::check_caa is off or the CAA records of the order's DNS names still permit issuance;
  // authorizations validated within caa_recheck_after are not checked again (the VA checked them then).
  // Otherwise the validator's kCaa or kDns, with one subproblem per failing identifier (ra_caa.cc).
  Status RecheckCaa(const storage::Account& account, const storage::Order& order);
  // The CSR's public key when the CSR is acceptable for this order (§7.4), else kBadCsr. `device_names` is set
  // to whether the certificate names the order's devices (CheckCsrDevices).
  Result<crypto::PublicKey> CheckCsrMatchesOrder(const storage::Order& order, const std::string& csr_der,
                                                 const storage::Account& account, const ProfileRules& profile,
                                                 const EffectivePolicy& policy, bool& device_names);
  // OK without RaOptions::authorization_hook or when it allows `question` (its account fields are filled in
  // here from `account`). Otherwise the audited refusal (order.refused): kUnauthorized with the service's
  // reason, or — no answer, fail closed — kServerInternal with a Retry-After (ra_external_authorization.cc).
  Status AskExternalAuthorization(AuthorizationQuestion question, const storage::Account& account);
  // OK for "" (no policy) or a named policy in force; kInvalidArgument naming the defined ones otherwise. Callers
  // hold policy_writes_mu_ until their binding is stored.
  Status CheckBindable(const std::string& policy) const;
  // After DefinePolicy's or DeletePolicy's write: puts the stored definitions in force (a read error is logged;
  // the catalog catches up within its recheck period).
  void ReloadAfterWrite();
  // Reports `refusal` to the observer and returns it as `code` (its detail names policy, binding and rule).
  Status PolicyRefused(const PolicyRefusal& refusal, Code code) const;
  // A validation under way: what its outcome is recorded against and audited with.
  struct Validating {
    std::string authz_id, challenge_id, account_id;
    acme::Identifier identifier;
    bool wildcard = false;
    acme::ChallengeType type = acme::ChallengeType::kHttp01;
    std::string failures_key;  // FailedValidationsKey of the account and identifier
    std::string eab_kid;       // the account's EAB key, for the MDM check of a device-attest-01
  };
  // Records a validation's outcome and its audit record (authorization.valid or authorization.invalid, with
  // the validation records: what was fetched or resolved, from which address); a failure counts against
  // `failures_key`.
  void OnValidated(const Validating& v, va::ValidationResult result);
  // Device attestation (ra_devices.cc, docs/device-attestation.md). The profile of a new order: the request's,
  // or RaOptions::device.profile for an order that names none and is for device identifiers only.
  std::string DeviceProfileFor(const NewOrderRequest& request) const;
  // OK for an order without device identifiers. Otherwise device attestation must be enabled
  // (kUnsupportedIdentifier), and the account's EAB key must be bound to the order's device, or — with a key
  // bound to none — an MDM check must be configured (kUnauthorized, audited as order.refused).
  // An account whose EAB key is bound to a device orders for that device only, whatever the identifiers.
  Status CheckDeviceEnrollment(const storage::Account& account, const std::vector<acme::Identifier>& identifiers,
                               const EffectivePolicy& policy);
  // After a verified attestation: the MDM check's answer (OK without one); kUnauthorized when it refuses or
  // does not answer (fail closed).
  Status AskDeviceCheck(const Validating& v, const std::string& evidence_json);
  // Finalize: the CSR's device names are the order's device identifiers octet for octet, or none at all
  // (privacy-preserving mode); its key is the attested key of each device authorization. Returns whether the
  // CSR named the devices (then the certificate does too); kBadCsr otherwise.
  Result<bool> CheckCsrDevices(const storage::Order& order, const crypto::Csr& csr, const crypto::PublicKey& key);
  // The identifiers the certificate names: all of the order's, or without the device identifiers.
  static std::vector<acme::Identifier> CertifiedIdentifiers(const storage::Order& order, bool device_names);
  // Appends an order.refused audit record (`details` with the refusal's problem document added) and returns
  // `why`: a policy's refusal of a new order or of a finalize's key.
  Status Refused(const std::string& account_id, const std::string& subject, nlohmann::json details, Status why);
  // An audit row stamped now.
  storage::AuditEvent Audit(std::string kind, std::string account_id, std::string subject,
                            std::string details_json) const;

  RaOptions options_;  // not changed after construction
  PolicyCatalog policies_;
  // Orders the operator's policy writes: a binding (SetAccountPolicy, CreateEabKey) is checked and stored, or a
  // definition deleted, without another of them in between, so that no binding of this process names a policy
  // it is deleting. Held across a store write; only operator calls take it, never a request.
  std::mutex policy_writes_mu_;
  storage::Store& store_;
  va::Validator& validator_;
  ca::CertificateIssuer& ca_;
  const Clock& clock_;
  jose::JwkCache account_keys_;
  ChallengeWaits challenge_waits_;
  // Orders this process is finalizing; only a processing order outside it can be stale. Held only to insert,
  // erase and look up, never across a wait.
  std::mutex finalizing_mu_;
  std::set<std::string> finalizing_;
  std::function<void(const storage::CertificateRecord&)> revocation_listener_;  // set before serving
  // Held only to copy or look up, never across a wait.
  mutable std::mutex retired_mu_;
  std::set<std::string> retired_authority_key_ids_;  // options_.retired_authority_key_ids, then the set ones
};

// RFC 9773 §4.1 certificate IDs (acme/certificate_id.h), named here too for the RA's callers.
using acme::CertificateId;
using acme::ParseCertificateId;

}  // namespace anvil::ra
