// The rules both backends apply to run-time policy definitions (storage::PolicyDefinitionStore,
// docs/policy.md): what a definition must hold, the errors they return word for word, and which binder a
// refused deletion names. Private to src/storage. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"

namespace anvil::storage::internal {

// kInvalidArgument when the definition has no name.
Status CheckPolicyDefinition(const PolicyDefinition& definition);
// kConflict "policy definition NAME already exists".
Status PolicyDefinitionConflict(const std::string& name);

// What still binds a policy, as DeletePolicyDefinition looks for it: the lowest id of a valid account bound
// to it directly, then the lowest id of a valid account created with an EAB key that has it (and that key),
// then the lowest kid of an EAB key that has it and is usable at the deletion's time.
struct PolicyBinders {
  std::string account;          // a valid account whose own policy it is
  std::string eab_account;      // a valid account created with an EAB key that has it
  std::string eab_account_key;  // that key
  std::string usable_eab_key;   // an EAB key that has it and may still bind accounts
};
// OK when `binders` is empty, else kConflict naming the first binder: "policy NAME is still bound to account
// A; bind another policy to it (or deactivate it) first".
Status PolicyStillBound(const std::string& name, const PolicyBinders& binders);

}  // namespace anvil::storage::internal
