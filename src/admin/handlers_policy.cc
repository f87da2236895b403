// The policies' endpoints (docs/policy.md): the policies in force and their rules (viewer), which rule decides
// a request (viewer), binding a named policy to an account, and defining, replacing and deleting the policies
// defined at run time (admin: policy is the admin role's). Changes go through the RA, checked as configured
// policies are and audited with the caller; the policies of the configuration file change only there.
#include <string>

#include "admin/handlers.h"
#include "admin/inventory_view.h"
#include "ra/policy_json.h"

namespace anvil::admin {
namespace {

nlohmann::json PolicyJson(const ra::PolicySet& set, const std::string& name, const ra::Policy& policy) {
  return {{"name", name},
          {"source", ra::PolicySourceName(set.source(name))},
          {"rules", ra::PolicyRulesToJson(policy.rules())}};
}

// Where each policy applies: every request (the default), the profiles it binds, the EAB keys that bind it to
// the accounts they make (usable ones; accounts bound one by one show it on their own page).
Result<Reply> ListPolicies(const HandlerDeps& deps, const Call&) {
  std::shared_ptr<const ra::PolicySet> set = deps.ra.policies();
  ANVIL_ASSIGN_OR_RETURN(std::vector<storage::EabKey> keys, deps.store.ListEabKeys());
  const TimePoint now = deps.clock.Now();
  nlohmann::json out = {{"policies", nlohmann::json::array()}};
  for (const auto& [name, policy] : set->all()) {
    nlohmann::json j = PolicyJson(*set, name, policy);
    nlohmann::json eab_keys = nlohmann::json::array();
    for (const storage::EabKey& key : keys) {
      if (key.policy == name && EabKeyJson(key, now)["state"] == "usable") eab_keys.push_back(key.kid);
    }
    j["applies_to"] = {{"every_request", name == ra::PolicyRules().name},
                       {"profiles", deps.ra.ProfilesBoundTo(name)},
                       {"eab_keys", eab_keys}};
    out["policies"].push_back(std::move(j));
  }
  return Reply{200, out};
}

// PUT /policies/{name}: the body is the rules object GET /policies shows (every field optional).
Result<Reply> PutPolicy(const HandlerDeps& deps, const Call& call) {
  if (call.request.body.empty()) {
    return Error(Code::kInvalidArgument, "the body must be the policy's rules, a JSON object ({} for none)");
  }
  ANVIL_ASSIGN_OR_RETURN(nlohmann::json body, call.JsonBody());
  const std::string& name = call.path.at("name");
  ANVIL_ASSIGN_OR_RETURN(ra::PolicyRules rules, ra::PolicyRulesFromJson(body, name));
  ANVIL_ASSIGN_OR_RETURN(ra::RegistrationAuthority::PolicyChange change,
                         deps.ra.DefinePolicy(name, rules, RequesterName(call.caller)));
  return Reply{change == ra::RegistrationAuthority::PolicyChange::kDefined ? 201 : 200,
               {{"name", name},
                {"source", ra::PolicySourceName(ra::PolicySource::kApi)},
                {"rules", ra::PolicyRulesToJson(rules)}}};
}

Result<Reply> DeletePolicy(const HandlerDeps& deps, const Call& call) {
  const std::string& name = call.path.at("name");
  ANVIL_RETURN_IF_ERROR(deps.ra.DeletePolicy(name, RequesterName(call.caller)));
  return Reply{200, {{"name", name}, {"deleted", true}}};
}

Result<Reply> ExplainPolicy(const HandlerDeps& deps, const Call& call) {
  const std::string account_id = call.Param("account"), name = call.Param("name");
  if (account_id.empty() || name.empty()) {
    return Error(Code::kInvalidArgument, "\"account\" and \"name\" are required query parameters");
  }
  ANVIL_ASSIGN_OR_RETURN(storage::Account account, deps.ra.GetAccount(account_id));
  ANVIL_ASSIGN_OR_RETURN(ra::PolicyExplanation e,
                         deps.ra.ExplainPolicy(account, call.Param("profile"), name, call.Param("key_type")));
  nlohmann::json verdicts = nlohmann::json::array();
  for (const auto& v : e.verdicts) {
    verdicts.push_back({{"policy", v.policy},
                        {"binding", v.binding},
                        {"question", v.question},
                        {"allowed", v.rule.empty()},
                        {"rule", v.rule},
                        {"detail", v.detail}});
  }
  return Reply{200,
               {{"account", account.id},
                {"profile", e.profile},
                {"name", name},
                {"allowed", e.allowed()},
                {"verdicts", verdicts},
                {"challenges", e.challenges},
                {"validity_seconds", e.validity.count()},
                {"validity_cut", e.validity_cut}}};
}

Result<Reply> SetAccountPolicy(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(nlohmann::json body, call.JsonBody());
  if (!body.contains("policy") || !body["policy"].is_string()) {
    return Error(Code::kInvalidArgument, "\"policy\" (a string; \"\" unbinds) is required");
  }
  ANVIL_ASSIGN_OR_RETURN(storage::Account account,
                         deps.ra.SetAccountPolicy(call.path.at("id"), body["policy"].get<std::string>(),
                                                  RequesterName(call.caller)));
  return Reply{200, {{"id", account.id}, {"policy", account.policy}}};
}

}  // namespace

void AddPolicyRoutes(AdminApi& api, const HandlerDeps& deps) {
  api.Add({"GET", "/policies", Role::kViewer, Bind(deps, ListPolicies)});
  api.Add({"GET", "/policies/explain", Role::kViewer, Bind(deps, ExplainPolicy), {"account", "name", "profile", "key_type"}});
  api.Add({"POST", "/accounts/{id}/policy", Role::kAdmin, Bind(deps, SetAccountPolicy)});
  api.Add({"PUT", "/policies/{name}", Role::kAdmin, Bind(deps, PutPolicy)});
  api.Add({"DELETE", "/policies/{name}", Role::kAdmin, Bind(deps, DeletePolicy)});
}

}  // namespace anvil::admin
