#include "ra/policy_set.h"

#include <algorithm>

#include "ra/policy_json.h"

namespace anvil::ra {

Status PolicyRefusal::ToStatus(Code code) const {
  return Error(code, "policy " + policy + " (" + binding + "), rule " + std::string(rule) + ": " + detail);
}

template <typename Decide>
std::optional<PolicyRefusal> EffectivePolicy::FirstRefusal(Decide&& decide) const {
  for (const BoundPolicy& bound : policies_) {
    PolicyDecision decision = decide(*bound.policy);
    if (!decision.allowed()) {
      return PolicyRefusal{bound.policy->name(), bound.binding, decision.rule, std::move(decision.detail)};
    }
  }
  return std::nullopt;
}

std::optional<PolicyRefusal> EffectivePolicy::RefuseIdentifier(const acme::Identifier& id) const {
  return FirstRefusal([&](const Policy& p) { return p.DecideIdentifier(id); });
}

std::optional<PolicyRefusal> EffectivePolicy::RefuseCount(size_t identifiers) const {
  return FirstRefusal([&](const Policy& p) { return p.DecideCount(identifiers); });
}

std::optional<PolicyRefusal> EffectivePolicy::RefuseProfile(std::string_view profile) const {
  return FirstRefusal([&](const Policy& p) { return p.DecideProfile(profile); });
}

std::optional<PolicyRefusal> EffectivePolicy::RefuseKey(const crypto::PublicKey& key,
                                                        const std::vector<std::string>& profile_key_types) const {
  return FirstRefusal([&](const Policy& p) {
    return p.DecideKey(key, p.name() == "default" ? profile_key_types : std::vector<std::string>{});
  });
}

bool EffectivePolicy::AllowsChallenge(acme::ChallengeType type) const {
  return std::all_of(policies_.begin(), policies_.end(),
                     [&](const BoundPolicy& bound) { return bound.policy->AllowsChallenge(type); });
}

std::optional<std::chrono::seconds> EffectivePolicy::MaxValidity() const {
  std::optional<std::chrono::seconds> shortest;
  for (const BoundPolicy& bound : policies_) {
    const auto& max = bound.policy->max_validity();
    if (max && (!shortest || *max < *shortest)) shortest = max;
  }
  return shortest;
}

PolicySet::PolicySet(Policy default_policy) { policies_.emplace("default", std::move(default_policy)); }

Result<PolicySet> PolicySet::Create(const PolicyRules& default_rules, const std::vector<PolicyRules>& named) {
  PolicySet set;
  PolicyRules rules = default_rules;
  rules.name = "default";
  ANVIL_ASSIGN_OR_RETURN(Policy default_policy, Policy::Create(rules));
  set.policies_.emplace("default", std::move(default_policy));
  for (const PolicyRules& r : named) {
    if (r.name == "default" || r.name.empty()) {
      return Error(Code::kInvalidArgument, "policies.default: the default policy is [policy]; name this one otherwise");
    }
    ANVIL_ASSIGN_OR_RETURN(Policy policy, Policy::Create(r));
    if (!set.policies_.emplace(r.name, std::move(policy)).second) {
      return Error(Code::kInvalidArgument, "policies." + r.name + ": defined twice");
    }
  }
  return set;
}

Result<PolicySet> PolicySet::WithStored(const std::vector<PolicyRules>& stored) const {
  PolicySet set = *this;
  for (const PolicyRules& r : stored) {
    ANVIL_RETURN_IF_ERROR(CheckPolicyName(r.name));
    if (set.policies_.contains(r.name)) {
      return Error(Code::kConflict, "policy " + r.name +
                                        (r.name == "default" ? " is the default policy, [policy]"
                                         : set.stored_.contains(r.name)
                                             ? " is defined twice"
                                             : " is defined in the configuration file ([policies." + r.name + "])") +
                                        "; give this one another name");
    }
    ANVIL_ASSIGN_OR_RETURN(Policy policy, Policy::Create(r));
    set.policies_.emplace(r.name, std::move(policy));
    set.stored_.insert(r.name);
  }
  return set;
}

const char* PolicySourceName(PolicySource source) { return source == PolicySource::kApi ? "api" : "config"; }

const Policy* PolicySet::Find(const std::string& name) const {
  auto it = policies_.find(name);
  return it == policies_.end() ? nullptr : &it->second;
}

}  // namespace anvil::ra
