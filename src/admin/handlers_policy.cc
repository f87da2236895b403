// The policies' endpoints (docs/policy.md): the configured policies and their rules (viewer), which rule decides
// a request (viewer), and binding a named policy to an account (admin: policy is the admin role's). Changes go
// through the RA, checked against the configuration and audited with the caller.
#include <string>

#include "admin/handlers.h"

namespace anvil::admin {
namespace {

nlohmann::json RulesJson(const ra::PolicyRules& r) {
  nlohmann::json j = {{"allowed_domains", r.allowed_domains},   {"denied_domains", r.denied_domains},
                      {"allowed_ip_ranges", r.allowed_ip_ranges}, {"denied_ip_ranges", r.denied_ip_ranges},
                      {"identifier_types", r.identifier_types}, {"challenge_types", r.challenge_types},
                      {"profiles", r.profiles},                 {"allow_wildcards", r.allow_wildcards},
                      {"max_identifiers", r.max_identifiers},   {"key_types", r.key_types}};
  j["max_validity_seconds"] = r.max_validity ? nlohmann::json(r.max_validity->count()) : nlohmann::json(nullptr);
  return j;
}

Result<Reply> ListPolicies(const HandlerDeps& deps, const Call&) {
  nlohmann::json out = {{"policies", nlohmann::json::array()}};
  for (const auto& [name, policy] : deps.ra.policies().all()) {
    out["policies"].push_back({{"name", name}, {"rules", RulesJson(policy.rules())}});
  }
  return Reply{200, out};
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
}

}  // namespace anvil::admin
