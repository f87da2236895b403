// The RA's named policies (docs/policy.md): which policies bind a request, the operator's binding of a policy
// to an account, and the policies defined at run time (admin API, `anvil-ca policy define|delete`).
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "ra/policy_json.h"
#include "ra/registration_authority.h"

namespace anvil::ra {

Result<EffectivePolicy> RegistrationAuthority::PolicyFor(const storage::Account& account, const std::string& profile) {
  ANVIL_ASSIGN_OR_RETURN(const ProfileRules* rules, Profile(profile));
  return PolicyFor(account, rules);
}

Result<EffectivePolicy> RegistrationAuthority::PolicyFor(const storage::Account& account,
                                                         const ProfileRules* profile) {
  std::shared_ptr<const PolicySet> set = policies_.Current();
  std::vector<BoundPolicy> bound{{&set->default_policy(), "default"}};
  // A policy bound by name that is no longer defined refuses everything: dropping a policy from the file (or a
  // stored definition that cannot be loaded) must not widen what its holders may get.
  auto bind = [&](const std::string& name, std::string binding) -> Status {
    if (name.empty()) return Status::Ok();
    const Policy* policy = set->Find(name);
    if (policy == nullptr) {
      return Error(Code::kUnauthorized, "policy " + name + " (" + binding +
                                            ") is not defined on this server; nothing is allowed");
    }
    bound.push_back({policy, std::move(binding)});
    return Status::Ok();
  };
  std::string device_binding;  // of the account's EAB key
  if (profile != nullptr) ANVIL_RETURN_IF_ERROR(bind(profile->policy, "profile " + profile->certificate.name));
  if (!account.eab_kid.empty()) {
    ANVIL_ASSIGN_OR_RETURN(storage::EabKey key, store_.GetEabKey(account.eab_kid));
    ANVIL_RETURN_IF_ERROR(bind(key.policy, "EAB key " + key.kid));
    device_binding = std::move(key.device_identifier);
  }
  ANVIL_RETURN_IF_ERROR(bind(account.policy, "account " + account.id));
  EffectivePolicy effective(std::move(set), std::move(bound));
  if (!account.eab_kid.empty()) effective.set_device_binding(std::move(device_binding));
  return effective;
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
  std::shared_ptr<const PolicySet> set = policies_.Current();
  if (policy.empty() || (policy != "default" && set->Find(policy) != nullptr)) return Status::Ok();
  std::string defined;
  for (const auto& [name, p] : set->all()) {
    if (name != "default") defined += (defined.empty() ? "" : ", ") + name;
  }
  return Error(Code::kInvalidArgument, "no named policy \"" + policy + "\" is defined (defined: " +
                                           (defined.empty() ? "none" : defined) + ")");
}

Result<storage::Account> RegistrationAuthority::SetAccountPolicy(const std::string& account_id,
                                                                 const std::string& policy,
                                                                 const std::string& requester) {
  std::lock_guard lock(policy_writes_mu_);
  ANVIL_RETURN_IF_ERROR(CheckBindable(policy));
  ANVIL_ASSIGN_OR_RETURN(storage::Account account, store_.GetAccount(account_id));
  nlohmann::json details = {{"policy", policy}, {"previous", account.policy}, {"requester", requester}};
  ANVIL_RETURN_IF_ERROR(
      store_.SetAccountPolicy(account_id, policy, Audit("account.policy_set", account_id, account_id, details.dump())));
  return store_.GetAccount(account_id);
}

// ------------------------------------------------------------------------------- run-time definitions

namespace {

// kConflict for a name the configuration file defines: its policies change only there.
Status RefuseConfigured(const PolicySet& configured, const std::string& name, const char* what) {
  if (configured.Find(name) == nullptr) return Status::Ok();
  return Error(Code::kConflict, "policy " + name + " is defined in the configuration file (" +
                                    (name == "default" ? std::string("[policy]") : "[policies." + name + "]") +
                                    "); " + what + " it there");
}

}  // namespace

Result<RegistrationAuthority::PolicyChange> RegistrationAuthority::DefinePolicy(const std::string& name,
                                                                                const PolicyRules& rules,
                                                                                const std::string& requester) {
  ANVIL_RETURN_IF_ERROR(CheckPolicyName(name));
  ANVIL_RETURN_IF_ERROR(RefuseConfigured(policies_.configured(), name, "change"));
  PolicyRules named = rules;
  named.name = name;
  // As the configuration's check: a policy may name only profiles this server offers.
  for (const std::string& profile : named.profiles) {
    if (!options_.profiles.contains(profile)) {
      return Error(Code::kInvalidArgument, "policies." + name + ".profiles: profile \"" + profile.substr(0, 64) +
                                               "\" is not configured");
    }
  }
  // The checks of every configured policy, through the path the stored rules take when they are loaded.
  ANVIL_RETURN_IF_ERROR(policies_.configured().WithStored({named}).status());
  const nlohmann::json rules_json = PolicyRulesToJson(named);
  const TimePoint now = clock_.Now();
  storage::PolicyDefinition definition{name, rules_json.dump(), now, requester, now, requester};
  const nlohmann::json details = {{"requester", requester}, {"rules", rules_json}};
  std::lock_guard lock(policy_writes_mu_);
  // Whether it exists is the store's to say: another process may have defined or deleted it meanwhile.
  PolicyChange change = PolicyChange::kDefined;
  Status written = store_.CreatePolicyDefinition(definition, Audit("policy.defined", "", name, details.dump()));
  if (written.code() == Code::kConflict) {
    change = PolicyChange::kUpdated;
    written = store_.UpdatePolicyDefinition(definition, Audit("policy.updated", "", name, details.dump()));
  }
  ANVIL_RETURN_IF_ERROR(written);
  ReloadAfterWrite();
  return change;
}

std::vector<std::string> RegistrationAuthority::ProfilesBoundTo(const std::string& policy) const {
  std::vector<std::string> out;
  for (const auto& [profile, rules] : options_.profiles) {
    if (rules.policy == policy) out.push_back(profile);
  }
  return out;
}

Status RegistrationAuthority::DeletePolicy(const std::string& name, const std::string& requester) {
  ANVIL_RETURN_IF_ERROR(RefuseConfigured(policies_.configured(), name, "remove"));
  for (const auto& [profile, rules] : options_.profiles) {
    if (rules.policy == name) {
      return Error(Code::kConflict, "policy " + name + " is bound to profile " + profile + " (profiles." + profile +
                                        ".policy in the configuration file)");
    }
  }
  std::lock_guard lock(policy_writes_mu_);
  std::shared_ptr<const PolicySet> set = policies_.Current();
  nlohmann::json details = {{"requester", requester}};
  if (const Policy* policy = set->Find(name); policy != nullptr) details["rules"] = PolicyRulesToJson(policy->rules());
  ANVIL_RETURN_IF_ERROR(
      store_.DeletePolicyDefinition(name, clock_.Now(), Audit("policy.deleted", "", name, details.dump())));
  ReloadAfterWrite();
  return Status::Ok();
}

void RegistrationAuthority::ReloadAfterWrite() {
  // The change is stored and audited: a failure to read it back must not report it as failed. The set in force
  // then lags the store's version, so Current() reloads it within PolicyCatalog::kRecheckPeriod.
  if (auto reloaded = policies_.Reload(); !reloaded.ok()) {
    spdlog::warn("policies: reading the definitions back after a change: {}", reloaded.status().ToString());
  }
}

}  // namespace anvil::ra
