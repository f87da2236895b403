// What the RA tells an observer about the outcomes it decides, for metrics (docs/metrics.md). Set by the
// composition root (RaOptions::observer). Each call runs on the thread that decided the outcome (a request's,
// or the validator's for a validation), concurrently with others: an implementation must be thread-safe,
// quick and must not throw. Every label passed is one of a fixed, small set named below.
#pragma once

#include <string_view>

namespace anvil::ra {

class RaObserver {
 public:
  virtual ~RaObserver() = default;

  // An issuance that passed the finalize gate ended (docs/issuance.md): "issued" (certificate stored, order
  // valid) or "abandoned" (signing or storing failed; the order is invalid).
  virtual void IssuanceEnded(std::string_view outcome) = 0;
  // A validation's outcome was decided: `type` "http-01", "dns-01" or "tls-alpn-01"; `outcome` "valid" or
  // "invalid".
  virtual void ValidationEnded(std::string_view type, std::string_view outcome) = 0;
  // A request refused as rateLimited: `limit` is the key of limits.* that refused it
  // ("new_accounts_per_ip", "new_orders_per_account", "failed_validations_per_identifier",
  // "certificates_per_domain", "pending_orders_per_account", "pending_authorizations_per_account"),
  // "validator_queue" when the validator had no room, or "unknown" for a store refusal naming none of these.
  virtual void RateLimited(std::string_view limit) = 0;
  // A request refused by the issuance policy: `rule` is the key that refused it ("allowed_domains",
  // "denied_domains", "allowed_ip_ranges", "denied_ip_ranges", "allow_wildcards", "max_identifiers",
  // "key_types"; policy.*), or "identifier_types" (a profile's).
  virtual void PolicyRefused(std::string_view rule) = 0;
};

}  // namespace anvil::ra
