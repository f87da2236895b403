// The RA's named policies (docs/policy.md): which policies bind a request, and the operator's binding of a
// policy to an account.
#include <nlohmann/json.hpp>

#include "ra/registration_authority.h"

namespace anvil::ra {

Result<EffectivePolicy> RegistrationAuthority::PolicyFor(const storage::Account& account, const std::string& profile) {
  ANVIL_ASSIGN_OR_RETURN(const ProfileRules* rules, Profile(profile));
  return PolicyFor(account, rules);
}

Result<EffectivePolicy> RegistrationAuthority::PolicyFor(const storage::Account& account,
                                                         const ProfileRules* profile) {
  std::vector<BoundPolicy> bound{{&policies_.default_policy(), "default"}};
  // A policy bound by name that the configuration no longer defines refuses everything: dropping a policy
  // from the file must not widen what its holders may get.
  auto bind = [&](const std::string& name, std::string binding) -> Status {
    if (name.empty()) return Status::Ok();
    const Policy* policy = policies_.Find(name);
    if (policy == nullptr) {
      return Error(Code::kUnauthorized, "policy " + name + " (" + binding +
                                            ") is not defined in this server's configuration; nothing is allowed");
    }
    bound.push_back({policy, std::move(binding)});
    return Status::Ok();
  };
  if (profile != nullptr) ANVIL_RETURN_IF_ERROR(bind(profile->policy, "profile " + profile->certificate.name));
  if (!account.eab_kid.empty()) {
    ANVIL_ASSIGN_OR_RETURN(storage::EabKey key, store_.GetEabKey(account.eab_kid));
    ANVIL_RETURN_IF_ERROR(bind(key.policy, "EAB key " + key.kid));
  }
  ANVIL_RETURN_IF_ERROR(bind(account.policy, "account " + account.id));
  return EffectivePolicy(std::move(bound));
}

Result<PolicyExplanation> RegistrationAuthority::ExplainPolicy(const storage::Account& account,
                                                              const std::string& profile, const std::string& name,
                                                              const std::string& key_type) {
  ANVIL_ASSIGN_OR_RETURN(const ProfileRules* rules, Profile(profile));
  ANVIL_ASSIGN_OR_RETURN(EffectivePolicy effective, PolicyFor(account, rules));
  const bool ip = name.find(':') != std::string::npos ||
                  (!name.empty() && name.find_first_not_of("0123456789.") == std::string::npos);
  ANVIL_ASSIGN_OR_RETURN(acme::Identifier id,
                         acme::NormalizeIdentifier(ip ? acme::IdentifierType::kIp : acme::IdentifierType::kDns, name));
  PolicyExplanation out;
  out.profile = rules->certificate.name;
  for (const BoundPolicy& bound : effective.policies()) {
    const Policy& p = *bound.policy;
    auto add = [&](const char* question, PolicyDecision d) {
      out.verdicts.push_back({p.name(), bound.binding, question, std::string(d.rule), std::move(d.detail)});
    };
    add("identifier", p.DecideIdentifier(id));
    add("profile", p.DecideProfile(out.profile));
    if (!key_type.empty()) {
      add("key type", p.DecideKeyType(key_type, p.name() == "default" ? rules->key_types : std::vector<std::string>{}));
    }
  }
  for (auto type : {acme::ChallengeType::kHttp01, acme::ChallengeType::kDns01, acme::ChallengeType::kTlsAlpn01}) {
    if (effective.AllowsChallenge(type)) out.challenges.emplace_back(acme::ChallengeTypeName(type));
  }
  out.validity = rules->certificate.validity;
  if (auto max = effective.MaxValidity(); max && *max < out.validity) {
    out.validity = *max;
    out.validity_cut = true;
  }
  return out;
}

Status RegistrationAuthority::PolicyRefused(const PolicyRefusal& refusal, Code code) const {
  ReportPolicy(refusal.rule);
  return refusal.ToStatus(code);
}

Status RegistrationAuthority::CheckBindable(const std::string& policy) const {
  if (policy.empty() || (policy != "default" && policies_.Find(policy) != nullptr)) return Status::Ok();
  std::string defined;
  for (const auto& [name, p] : policies_.all()) {
    if (name != "default") defined += (defined.empty() ? "" : ", ") + name;
  }
  return Error(Code::kInvalidArgument, "no named policy \"" + policy + "\" is configured (defined: " +
                                           (defined.empty() ? "none" : defined) + ")");
}

Result<storage::Account> RegistrationAuthority::SetAccountPolicy(const std::string& account_id,
                                                                 const std::string& policy,
                                                                 const std::string& requester) {
  ANVIL_RETURN_IF_ERROR(CheckBindable(policy));
  ANVIL_ASSIGN_OR_RETURN(storage::Account account, store_.GetAccount(account_id));
  nlohmann::json details = {{"policy", policy}, {"previous", account.policy}, {"requester", requester}};
  ANVIL_RETURN_IF_ERROR(
      store_.SetAccountPolicy(account_id, policy, Audit("account.policy_set", account_id, account_id, details.dump())));
  return store_.GetAccount(account_id);
}

}  // namespace anvil::ra
