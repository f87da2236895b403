// What the registration authority is told at start-up: the ACME lifetimes and rules it applies and the
// certificate profiles it offers. Built by the composition root from the configuration (docs/configuration.md
// names the keys: acme.*, default_profile, profiles.*); the RA reads no configuration itself. Plain values.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "ca/issuer.h"

namespace anvil::ra {

// One certificate profile (draft-aaron-acme-profiles): what the CA puts in the certificate, and which orders
// may use it.
struct ProfileRules {
  ca::CertificateProfile certificate;                      // certificate.name is the profile's name
  std::vector<std::string> identifier_types{"dns", "ip"};  // acme::IdentifierTypeName spellings
  std::vector<std::string> key_types;                      // CSR key types; empty = the policy's
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
};

}  // namespace anvil::ra
