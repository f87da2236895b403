// What the registration authority is told at start-up: the ACME lifetimes and rules it applies and the
// certificate profiles it offers. Built by the composition root from the configuration (docs/configuration.md
// names the keys: acme.*, default_profile, profiles.*); the RA reads no configuration itself. Plain values.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ca/issuer.h"
#include "ra/authorization_hook.h"
#include "ra/device_check.h"
#include "ra/observer.h"

namespace anvil::ra {

// One certificate profile (draft-aaron-acme-profiles): what the CA puts in the certificate, and which orders
// may use it.
struct ProfileRules {
  ca::CertificateProfile certificate;                      // certificate.name is the profile's name
  std::vector<std::string> identifier_types{"dns", "ip"};  // acme::IdentifierTypeName spellings
  std::vector<std::string> key_types;                      // CSR key types; empty = the policy's
  std::string policy;  // a named policy bound to every request for this profile (docs/policy.md); empty: none
};

// A rate limit of RFC 8555 §6.6: `count` events per `period`; count 0 = off.
struct RateRule {
  int64_t count = 0;
  std::chrono::seconds period{0};
  bool on() const { return count > 0 && period.count() > 0; }
};

// The limits the RA applies (limits.* of docs/configuration.md; off unless set). The store counts them in the
// transaction of the write they limit (storage::RateLimit).
struct RateLimitRules {
  RateRule new_accounts_per_ip;                // newAccount, per client address (IPv6: its /64)
  RateRule new_orders_per_account;             // newOrder
  RateRule failed_validations_per_identifier;  // per account and identifier; refuses newOrder when exhausted
  RateRule certificates_per_domain;            // finalize, per registered domain or IP address
  int64_t pending_authorizations_per_account = 0;  // newOrder refused past it; 0 = no cap
  int64_t pending_orders_per_account = 0;          // pending or ready orders; 0 = no cap
};

struct RaOptions {
  bool external_account_required = false;  // newAccount needs an External Account Binding (§7.3.4)
  bool terms_of_service_required = false;  // newAccount needs termsOfServiceAgreed (a ToS URL is published)
  std::chrono::seconds order_lifetime{7 * 86400};
  std::chrono::seconds pending_authorization_lifetime{7 * 86400};
  std::chrono::seconds authorization_lifetime{30 * 86400};  // of a valid authorization
  bool reuse_valid_authorizations = true;
  // How long a challenge response waits for the validation it started (ra/challenge_waits.h).
  std::chrono::seconds challenge_wait{2};
  std::string default_profile = "tls-server";
  std::map<std::string, ProfileRules> profiles;  // by name; must contain default_profile
  RateLimitRules limits;
  // CAA (RFC 8659): the validator checks it when it validates (it has the CA's CAA identities); with
  // check_caa the RA also re-checks, before finalize, each DNS authorization validated more than
  // caa_recheck_after ago.
  bool check_caa = false;
  std::chrono::seconds caa_recheck_after{8 * 3600};
  // The account URL is this prefix + the account id: CAA's accounturi parameter (RFC 8657 §3) names it.
  std::string account_url_prefix;
  // Authority key IDs (raw) of retired intermediates (docs/ca-operations.md): renewalInfo asks every
  // certificate they issued to renew now (a suggested window in the past, RFC 9773 §4.2).
  std::set<std::string> retired_authority_key_ids;
  // Told of issuances, validations and refusals (metrics); not owned, must outlive the RA; null: none.
  RaObserver* observer = nullptr;
  // Asked before each new order is accepted and before each certificate is signed ([authorization.webhook],
  // docs/policy.md); not owned, must outlive the RA; null: none. Without an answer the request is refused,
  // unless authorization_fail_open.
  AuthorizationHook* authorization_hook = nullptr;
  bool authorization_fail_open = false;
  // Device attestation (draft-ietf-acme-device-attest-09, docs/device-attestation.md).
  struct DeviceAttestation {
    // permanent-identifier and hardware-module identifiers are accepted (validated by device-attest-01 only).
    bool enabled = false;
    // The profile of an order that names none and is for device identifiers only; "": the default profile.
    std::string profile;
    // Asked after each verified attestation; not owned, must outlive the RA; null: none. An order for a device
    // needs an EAB key bound to that device or this check (fail closed).
    DeviceCheck* check = nullptr;
  } device;
};

}  // namespace anvil::ra
