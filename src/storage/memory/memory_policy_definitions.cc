#include "storage/memory/memory_policy_definitions.h"

#include "storage/internal/codec.h"
#include "storage/internal/eab.h"
#include "storage/internal/policy_definition.h"

namespace anvil::storage {
namespace {

// The lower of `candidate` and `current` ("" = none yet).
void KeepLowest(std::string& current, const std::string& candidate) {
  if (current.empty() || candidate < current) current = candidate;
}

}  // namespace

Status MemoryPolicyDefinitions::Create(const PolicyDefinition& definition) {
  ANVIL_RETURN_IF_ERROR(internal::CheckPolicyDefinition(definition));
  if (definitions_.contains(definition.name)) return internal::PolicyDefinitionConflict(definition.name);
  PolicyDefinition stored = definition;
  stored.created_at = internal::TruncateToSeconds(stored.created_at);
  stored.updated_at = internal::TruncateToSeconds(stored.updated_at);
  definitions_.emplace(stored.name, std::move(stored));
  ++version_;
  return Status::Ok();
}

Status MemoryPolicyDefinitions::Update(const PolicyDefinition& definition) {
  auto it = definitions_.find(definition.name);
  if (it == definitions_.end()) return internal::NotFound("policy definition", definition.name);
  it->second.rules_json = definition.rules_json;
  it->second.updated_at = internal::TruncateToSeconds(definition.updated_at);
  it->second.updated_by = definition.updated_by;
  ++version_;
  return Status::Ok();
}

Status MemoryPolicyDefinitions::Delete(const std::string& name, TimePoint now,
                                       const std::unordered_map<std::string, Account>& accounts,
                                       const std::unordered_map<std::string, EabKey>& eab_keys) {
  auto it = definitions_.find(name);
  if (it == definitions_.end()) return internal::NotFound("policy definition", name);
  internal::PolicyBinders binders;
  for (const auto& [id, account] : accounts) {
    if (account.status != acme::AccountStatus::kValid) continue;
    if (account.policy == name) KeepLowest(binders.account, id);
    if (account.eab_kid.empty()) continue;
    auto key = eab_keys.find(account.eab_kid);
    if (key != eab_keys.end() && key->second.policy == name &&
        (binders.eab_account.empty() || id < binders.eab_account)) {
      binders.eab_account = id;
      binders.eab_account_key = key->second.kid;
    }
  }
  for (const auto& [kid, key] : eab_keys) {
    if (key.policy == name && internal::CheckEabUsable(key, now).ok())
      KeepLowest(binders.usable_eab_key, kid);
  }
  ANVIL_RETURN_IF_ERROR(internal::PolicyStillBound(name, binders));
  definitions_.erase(it);
  ++version_;
  return Status::Ok();
}

PolicyDefinitions MemoryPolicyDefinitions::List() const {
  PolicyDefinitions out;
  out.version = version_;
  for (const auto& [name, definition] : definitions_) out.definitions.push_back(definition);
  return out;
}

}  // namespace anvil::storage
