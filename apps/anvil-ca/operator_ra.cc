#include "operator_ra.h"

#include <utility>

#include "ca_commands.h"
#include "component_options.h"

namespace anvil::app {

Status NoValidator::Validate(va::ValidationRequest, std::function<void(va::ValidationResult)>) {
  return Error(Code::kInternal, "the anvil-ca command line validates nothing");
}

Status NoValidator::CheckCaa(va::CaaCheck, std::function<void(Status)>) {
  return Error(Code::kInternal, "the anvil-ca command line checks no CAA");
}

Result<ca::IssuedCertificate> NoIssuer::Issue(const ca::IssuanceRequest&, ca::IssuanceLog&) {
  return Error(Code::kInternal, "the anvil-ca command line signs nothing");
}

Result<std::unique_ptr<OperatorRa>> MakeOperatorRa(const config::Config& config) {
  auto parts = std::make_unique<OperatorRa>();
  ANVIL_ASSIGN_OR_RETURN(parts->store, OpenStore(config));
  ANVIL_ASSIGN_OR_RETURN(ra::PolicySet policy, PoliciesFrom(config));
  parts->ra = std::make_unique<ra::RegistrationAuthority>(
      RaOptionsFrom(config), std::move(policy), *parts->store, parts->validator, parts->issuer, parts->clock);
  return parts;
}

}  // namespace anvil::app
