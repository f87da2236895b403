// The registration authority as the anvil-ca command line needs it: for the operator's actions (revoking,
// deactivating, binding policies, EAB keys), which go through the RA as ACME requests do, so that they are
// checked and audited the same way. It neither validates nor signs: its validator and CA refuse, so a path
// that would need them fails loudly.
#pragma once

#include <functional>
#include <memory>

#include "base/status.h"
#include "base/time.h"
#include "ca/issuer.h"
#include "config/config.h"
#include "ra/registration_authority.h"
#include "storage/store.h"
#include "va/validator.h"

namespace anvil::app {

class NoValidator final : public va::Validator {
 public:
  Status Validate(va::ValidationRequest, std::function<void(va::ValidationResult)>) override;
  Status CheckCaa(va::CaaCheck, std::function<void(Status)>) override;
};

class NoIssuer final : public ca::CertificateIssuer {
 public:
  Result<ca::IssuedCertificate> Issue(const ca::IssuanceRequest&, ca::IssuanceLog&) override;
};

struct OperatorRa {
  SystemClock clock;
  NoValidator validator;
  NoIssuer issuer;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<ra::RegistrationAuthority> ra;
};

// Opens the configured store and builds the RA over it with the configured options and policies.
Result<std::unique_ptr<OperatorRa>> MakeOperatorRa(const config::Config& config);

}  // namespace anvil::app
