// A policy's rules as JSON (docs/policy.md, "Policies defined at run time"): the object GET
// /admin/v1/policies shows for each policy, which PUT /admin/v1/policies/{name} and `anvil-ca policy define
// --rules-file` take, and which storage::PolicyDefinition::rules_json holds. Its fields are PolicyRules'
// keys, max_validity in seconds (`max_validity_seconds`, null for none). Parsing checks the JSON's shape only
// (types, unknown fields); what the values mean is checked once, by Policy::Create, for every source of rules
// alike. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ra/policy.h"

namespace anvil::ra {

nlohmann::json PolicyRulesToJson(const PolicyRules& rules);

// The rules named `name` that `json` states; a field left out keeps a named policy's default, as a
// [policies.NAME] table's would: every key type, 10000 identifiers, wildcards allowed, everything else
// unrestricted. kInvalidArgument naming the field for an unknown field or a value of the wrong type.
Result<PolicyRules> PolicyRulesFromJson(const nlohmann::json& json, const std::string& name);

// OK for a name a run-time policy may take: 1..64 ASCII letters, digits, ".", "_" or "-", starting with a
// letter or digit (as a [policies.NAME] table's); kInvalidArgument otherwise.
Status CheckPolicyName(std::string_view name);

}  // namespace anvil::ra
