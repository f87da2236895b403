#include "policy_commands.h"

#include <arpa/inet.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "base/base64url.h"
#include "component_options.h"
#include "operator_ra.h"
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

nlohmann::json EabJson(const storage::EabKey& k, TimePoint now) {
  std::string state = "usable";
  if (k.revoked_at) {
    state = "revoked";
  } else if (k.expires_at && *k.expires_at <= now) {
    state = "expired";
  } else if (k.max_uses > 0 && k.uses >= k.max_uses) {
    state = "used up";
  }
  nlohmann::json j = {{"kid", k.kid},   {"label", k.comment},       {"policy", k.policy},
                      {"uses", k.uses}, {"max_uses", k.max_uses},   {"state", state},
                      {"created", FormatRfc3339(k.created_at)},     {"first_account", k.account_id}};
  j["expires"] = k.expires_at ? nlohmann::json(FormatRfc3339(*k.expires_at)) : nlohmann::json(nullptr);
  j["revoked"] = k.revoked_at ? nlohmann::json(FormatRfc3339(*k.revoked_at)) : nlohmann::json(nullptr);
  return j;
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
    nlohmann::json j = EabJson(*key, key->created_at);
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
  for (const auto& k : *keys) all.push_back(EabJson(k, now));
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
  auto policies = PoliciesFrom(config);
  if (!policies.ok()) return Fail("policy", policies.status());
  for (const auto& [name, policy] : policies->all()) {
    std::vector<std::string> profiles;
    for (const auto& [profile, p] : config.profiles) {
      if (p.policy == name) profiles.push_back(profile);
    }
    std::cout << name << (name == "default" ? " ([policy]; binds every request)" : "")
              << (profiles.empty() ? "" : " (bound to profile " + Join(profiles, "") + ")") << "\n";
    PrintRules(policy.rules());
  }
  return 0;
}

int PolicyExplain(const config::Config& config, const PolicyExplainArgs& args) {
  auto parts = MakeOperatorRa(config);
  if (!parts.ok()) return Fail("storage", parts.status());
  ra::RegistrationAuthority& ra = *(*parts)->ra;
  auto account = ra.GetAccount(args.account);
  if (!account.ok()) return Fail("policy explain", account.status());
  auto effective = ra.PolicyFor(*account, args.profile);
  if (!effective.ok()) return Fail("policy explain", effective.status());
  const std::string profile = args.profile.empty() ? config.default_profile : args.profile;
  std::array<unsigned char, 16> addr{};
  const bool ip = inet_pton(AF_INET, args.name.c_str(), addr.data()) == 1 ||
                  inet_pton(AF_INET6, args.name.c_str(), addr.data()) == 1;
  auto id = acme::NormalizeIdentifier(ip ? acme::IdentifierType::kIp : acme::IdentifierType::kDns, args.name);
  if (!id.ok()) return Fail("policy explain: " + args.name, id.status());
  const std::vector<std::string>& profile_key_types = config.profiles.at(profile).key_types;

  std::cout << "account " << account->id << ", profile " << profile << ", " << acme::IdentifierText(*id) << "\n";
  bool refused = false;
  auto show = [&](const char* question, const ra::PolicyDecision& d) {
    std::cout << "    " << question << ": "
              << (d.allowed() ? std::string("allowed") : "REFUSED by rule " + std::string(d.rule) + ": " + d.detail)
              << "\n";
    refused = refused || !d.allowed();
  };
  for (const ra::BoundPolicy& bound : effective->policies()) {
    const ra::Policy& p = *bound.policy;
    std::cout << "  policy " << p.name() << " (" << bound.binding << ")\n";
    show("identifier", p.DecideIdentifier(*id));
    show("profile", p.DecideProfile(profile));
    if (!args.key_type.empty()) {
      show("key type", p.DecideKeyType(args.key_type, p.name() == "default" ? profile_key_types
                                                                          : std::vector<std::string>{}));
    }
  }
  std::vector<std::string> challenges;
  for (auto type : {acme::ChallengeType::kHttp01, acme::ChallengeType::kDns01, acme::ChallengeType::kTlsAlpn01}) {
    if (effective->AllowsChallenge(type)) challenges.emplace_back(acme::ChallengeTypeName(type));
  }
  std::cout << "  challenges allowed: " << Join(challenges, "none") << "\n";
  const auto validity = config.profiles.at(profile).validity;
  const auto max = effective->MaxValidity();
  const auto days = (max && *max < validity ? *max : validity).count() / 86400;
  std::cout << "  certificate validity: " << days << "d" << (max && *max < validity ? " (cut by max_validity)" : "")
            << "\n";
  std::cout << (refused ? "refused\n" : "allowed\n");
  return refused ? 2 : 0;
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
