// The named issuance policies and how they combine (docs/policy.md). A request is bound to several: the
// default policy ([policy]) always, the profile's (profiles.NAME.policy), the EAB key's the account was
// created with (`anvil-ca eab create --policy`), and the account's own (`anvil-ca account set-policy`). The
// effective policy is their intersection: everything must be allowed by every bound policy, and the first
// policy that refuses is named, with its rule, in the refusal. Named policies come from the configuration file
// and, at run time, from the admin API (ra/policy_catalog.h holds the set in force).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "crypto/key.h"
#include "ra/policy.h"

namespace anvil::ra {

class PolicySet;

// One policy bound to a request, and why: "default", "profile tls-server", "EAB key K", "account A".
struct BoundPolicy {
  const Policy* policy;
  std::string binding;
};

// A refusal by the effective policy: which policy, bound how, by which rule.
struct PolicyRefusal {
  std::string policy;
  std::string binding;
  std::string_view rule;
  std::string detail;
  // `code` with the detail "policy NAME (BINDING), rule RULE: DETAIL".
  Status ToStatus(Code code) const;
};

class EffectivePolicy {
 public:
  // `policies` must outlive this object (tests, and policies of a set the caller keeps).
  explicit EffectivePolicy(std::vector<BoundPolicy> policies) : policies_(std::move(policies)) {}
  // `policies` point into `set`, which this object keeps alive: the policy set in force may be replaced while
  // a request still uses the policies it was bound to.
  EffectivePolicy(std::shared_ptr<const PolicySet> set, std::vector<BoundPolicy> policies)
      : set_(std::move(set)), policies_(std::move(policies)) {}

  // The first refusal of any bound policy, or nullopt when all allow. `profile_key_types` replaces the
  // default policy's key_types when not empty (a profile's key_types, as before named policies).
  std::optional<PolicyRefusal> RefuseIdentifier(const acme::Identifier& id) const;
  std::optional<PolicyRefusal> RefuseCount(size_t identifiers) const;
  std::optional<PolicyRefusal> RefuseProfile(std::string_view profile) const;
  std::optional<PolicyRefusal> RefuseKey(const crypto::PublicKey& key,
                                         const std::vector<std::string>& profile_key_types) const;
  // Whether every bound policy allows the challenge type.
  bool AllowsChallenge(acme::ChallengeType type) const;
  // The shortest max_validity of the bound policies, if any has one.
  std::optional<std::chrono::seconds> MaxValidity() const;

  const std::vector<BoundPolicy>& policies() const { return policies_; }
  // The one device the account's EAB key is for (EabKey::device_identifier: an MDM's enrollment token), or "".
  const std::string& device_binding() const { return device_binding_; }
  void set_device_binding(std::string device) { device_binding_ = std::move(device); }

 private:
  template <typename Decide>
  std::optional<PolicyRefusal> FirstRefusal(Decide&& decide) const;

  std::shared_ptr<const PolicySet> set_;  // may be null
  std::vector<BoundPolicy> policies_;
  std::string device_binding_;
};

// Where a named policy is defined: a [policies.NAME] table of the configuration file (or [policy], the
// default), or over the admin API (`anvil-ca policy define`, stored: storage::PolicyDefinition).
enum class PolicySource { kConfig, kApi };

// Every policy in force, by name; the default one is named "default". Immutable; copied to add stored
// policies to the configured ones.
class PolicySet {
 public:
  // A set with only the default policy (tests, and a configuration without [policies]).
  PolicySet(Policy default_policy);  // NOLINT(google-explicit-constructor): a Policy is a set of one
  // kInvalidArgument naming the policy and rule on a bad rule, or when a named policy is called "default".
  static Result<PolicySet> Create(const PolicyRules& default_rules, const std::vector<PolicyRules>& named);
  // This set with the policies defined at run time `stored` added, as PolicySource::kApi: kInvalidArgument
  // naming the policy and rule on a bad rule (the same checks as a configured policy's: Policy::Create), or for
  // a bad name (CheckPolicyName); kConflict when one takes the name of a policy of this set ("default"
  // included).
  Result<PolicySet> WithStored(const std::vector<PolicyRules>& stored) const;

  const Policy& default_policy() const { return policies_.at("default"); }
  // The policy called `name`, or null.
  const Policy* Find(const std::string& name) const;
  const std::map<std::string, Policy>& all() const { return policies_; }
  // kApi for a policy WithStored added, else kConfig.
  PolicySource source(const std::string& name) const {
    return stored_.contains(name) ? PolicySource::kApi : PolicySource::kConfig;
  }

 private:
  PolicySet() = default;
  std::map<std::string, Policy> policies_;
  std::set<std::string> stored_;  // the names of the policies defined at run time
};

// "config" or "api", as the admin API and the command line show a policy's source.
const char* PolicySourceName(PolicySource source);

}  // namespace anvil::ra
