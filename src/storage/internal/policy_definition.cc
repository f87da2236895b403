#include "storage/internal/policy_definition.h"

namespace anvil::storage::internal {

Status CheckPolicyDefinition(const PolicyDefinition& definition) {
  if (definition.name.empty()) return Error(Code::kInvalidArgument, "a policy definition needs a name");
  return Status::Ok();
}

Status PolicyDefinitionConflict(const std::string& name) {
  return Error(Code::kConflict, "policy definition " + name + " already exists");
}

Status PolicyStillBound(const std::string& name, const PolicyBinders& binders) {
  const std::string prefix = "policy " + name + " is still bound to ";
  if (!binders.account.empty()) {
    return Error(Code::kConflict, prefix + "account " + binders.account +
                                      "; bind another policy to it (or deactivate it) first");
  }
  if (!binders.eab_account.empty()) {
    return Error(Code::kConflict, prefix + "account " + binders.eab_account + " through EAB key " +
                                      binders.eab_account_key + "; deactivate the account first");
  }
  if (!binders.usable_eab_key.empty()) {
    return Error(Code::kConflict, prefix + "EAB key " + binders.usable_eab_key +
                                      ", which may still bind accounts; revoke it first");
  }
  return Status::Ok();
}

}  // namespace anvil::storage::internal
