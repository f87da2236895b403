#include "policy_commands.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "admin/inventory_view.h"
#include "base/base64url.h"
#include "base/file.h"
#include "component_options.h"
#include "operator_ra.h"
#include "ra/policy_json.h"
#include "ra/policy_set.h"

namespace anvil::app {
namespace {

int Fail(const std::string& what, const Status& status) {
  std::cerr << "anvil-ca: " << what << ": " << status.ToString() << "\n";
  return 1;
}

std::string Join(const std::vector<std::string>& values, const std::string& none) {
  if (values.empty()) return none;
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

void PrintRules(const ra::PolicyRules& r) {
  auto line = [](const char* key, const std::string& value) { std::cout << "  " << key << ": " << value << "\n"; };
  line("allowed_domains", Join(r.allowed_domains, "any"));
  line("denied_domains", Join(r.denied_domains, "none"));
  line("allowed_ip_ranges", Join(r.allowed_ip_ranges, "any"));
  line("denied_ip_ranges", Join(r.denied_ip_ranges, "none"));
  line("identifier_types", Join(r.identifier_types, "any"));
  line("challenge_types", Join(r.challenge_types, "any"));
  line("profiles", Join(r.profiles, "any"));
  line("allow_wildcards", r.allow_wildcards ? "true" : "false");
  line("max_identifiers", std::to_string(r.max_identifiers));
  line("key_types", Join(r.key_types, "any"));
  line("max_validity", r.max_validity ? std::to_string(r.max_validity->count() / 86400) + "d (" +
                                            std::to_string(r.max_validity->count()) + "s)"
                                      : "the profile's");
}

}  // namespace

int EabCreate(const config::Config& config, const EabCreateArgs& args) {
  ra::EabKeyRequest request;
  request.kid = args.kid;
  request.label = args.label;
  request.policy = args.policy;
  request.max_uses = args.uses;
  request.device = args.device;
  if (!args.expires_in.empty()) {
    auto lifetime = config::ParseDuration(args.expires_in);
    if (!lifetime.ok()) return Fail("eab create: --expires-in", lifetime.status());
    request.lifetime = *lifetime;
  }
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("storage", parts.status());
  auto key = (*parts)->ra->CreateEabKey(request);
  if (!key.ok()) return Fail("eab create", key.status());
  // The HMAC key is shown this once (it is stored for verifying, never printed again), base64url as ACME
  // clients expect it (certbot --eab-hmac-key).
  const std::string hmac = base64url::Encode(key->hmac_key);
  if (args.json) {
    nlohmann::json j = admin::EabKeyJson(*key, key->created_at);
    j["hmac_key"] = hmac;
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::cout << "kid:      " << key->kid << "\nhmac key: " << hmac << "\n";
  return 0;
}

int EabList(const config::Config& config, bool json) {
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("storage", parts.status());
  auto keys = (*parts)->store->ListEabKeys();
  if (!keys.ok()) return Fail("eab list", keys.status());
  const TimePoint now = (*parts)->clock.Now();
  nlohmann::json all = nlohmann::json::array();
  for (const auto& k : *keys) all.push_back(admin::EabKeyJson(k, now));
  if (json) {
    std::cout << nlohmann::json{{"eab_keys", all}}.dump() << "\n";
    return 0;
  }
  for (const auto& j : all) {
    std::cout << j["kid"].get<std::string>() << "\t" << j["state"].get<std::string>() << "\tuses "
              << j["uses"].get<int64_t>() << "/"
              << (j["max_uses"].get<int64_t>() == 0 ? std::string("any") : std::to_string(j["max_uses"].get<int64_t>()))
              << "\tpolicy " << (j["policy"].get<std::string>().empty() ? "-" : j["policy"].get<std::string>())
              << "\texpires " << (j["expires"].is_null() ? "never" : j["expires"].get<std::string>()) << "\t"
              << j["label"].get<std::string>() << "\n";
  }
  return 0;
}

int EabRevoke(const config::Config& config, const std::string& kid) {
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("storage", parts.status());
  if (Status s = (*parts)->ra->RevokeEabKey(kid, "operator"); !s.ok()) return Fail("eab revoke", s);
  std::cout << "EAB key " << kid << " revoked; accounts already bound with it keep working until deactivated\n";
  return 0;
}

int PolicyList(const config::Config& config) {
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("storage", parts.status());
  auto left_out = (*parts)->ra->LoadPolicies();
  if (!left_out.ok()) return Fail("policy list", left_out.status());
  std::shared_ptr<const ra::PolicySet> policies = (*parts)->ra->policies();
  for (const auto& [name, policy] : policies->all()) {
    std::vector<std::string> profiles;
    for (const auto& [profile, p] : config.profiles) {
      if (p.policy == name) profiles.push_back(profile);
    }
    const bool api = policies->source(name) == ra::PolicySource::kApi;
    std::cout << name
              << (name == "default" ? " ([policy]; binds every request)"
                  : api             ? " (defined at run time)"
                                    : " ([policies." + name + "])")
              << (profiles.empty() ? "" : " (bound to profile " + Join(profiles, "") + ")") << "\n";
    PrintRules(policy.rules());
  }
  for (const std::string& why : *left_out) std::cout << "left out, its holders are refused: " << why << "\n";
  return 0;
}

int PolicyDefine(const config::Config& config, const std::string& name, const std::string& rules_file) {
  auto text = ReadFile(rules_file);
  if (!text.ok()) return Fail("policy define: " + rules_file, text.status());
  const nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded()) {
    return Fail("policy define: " + rules_file, Status(Code::kInvalidArgument, "not JSON"));
  }
  auto rules = ra::PolicyRulesFromJson(json, name);
  if (!rules.ok()) return Fail("policy define: " + rules_file, rules.status());
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("storage", parts.status());
  auto change = (*parts)->ra->DefinePolicy(name, *rules, "operator");
  if (!change.ok()) return Fail("policy define", change.status());
  std::cout << "policy " << name
            << (*change == ra::RegistrationAuthority::PolicyChange::kDefined ? " defined" : " updated")
            << "; a running anvil-ca applies it within a second\n";
  return 0;
}

int PolicyDelete(const config::Config& config, const std::string& name) {
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("storage", parts.status());
  if (Status s = (*parts)->ra->DeletePolicy(name, "operator"); !s.ok()) return Fail("policy delete", s);
  std::cout << "policy " << name << " deleted\n";
  return 0;
}

int PolicyExplain(const config::Config& config, const PolicyExplainArgs& args) {
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("storage", parts.status());
  ra::RegistrationAuthority& ra = *(*parts)->ra;
  auto account = ra.GetAccount(args.account);
  if (!account.ok()) return Fail("policy explain", account.status());
  auto explained = ra.ExplainPolicy(*account, args.profile, args.name, args.key_type);
  if (!explained.ok()) return Fail("policy explain", explained.status());
  std::cout << "account " << account->id << ", profile " << explained->profile << ", " << args.name << "\n";
  std::string shown;  // the policy whose verdicts are being printed
  for (const auto& v : explained->verdicts) {
    if (v.policy + v.binding != shown) {
      std::cout << "  policy " << v.policy << " (" << v.binding << ")\n";
      shown = v.policy + v.binding;
    }
    std::cout << "    " << v.question << ": "
              << (v.rule.empty() ? std::string("allowed") : "REFUSED by rule " + v.rule + ": " + v.detail) << "\n";
  }
  std::cout << "  challenges allowed: " << Join(explained->challenges, "none") << "\n";
  std::cout << "  certificate validity: " << explained->validity.count() / 86400 << "d"
            << (explained->validity_cut ? " (cut by max_validity)" : "") << "\n";
  std::cout << (explained->allowed() ? "allowed\n" : "refused\n");
  return explained->allowed() ? 0 : 2;
}

int AccountSetPolicy(const config::Config& config, const std::string& account_id, const std::string& policy) {
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("storage", parts.status());
  auto account = (*parts)->ra->SetAccountPolicy(account_id, policy, "operator");
  if (!account.ok()) return Fail("account set-policy", account.status());
  std::cout << "account " << account_id << (policy.empty() ? ": no policy of its own\n" : ": policy " + policy + "\n");
  return 0;
}

}  // namespace anvil::app
