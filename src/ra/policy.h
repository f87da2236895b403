// One issuance policy: which identifiers may be certified (names, address ranges, identifier types,
// wildcards, how many per order), by which challenges, for which profiles, with which subject key types and
// for how long at most. Built once from PolicyRules (the composition root fills them from [policy], the
// default policy, and the [policies.NAME] tables of docs/policy.md); immutable and thread-safe after
// construction. Several policies bound to one request are combined by EffectivePolicy (ra/policy_set.h).
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "crypto/key.h"

namespace anvil::ra {

struct PolicyRules {
  std::string name = "default";
  // DNS name patterns, lower case (docs/policy.md): "example.com" matches it and every name below it;
  // "=www.example.com" matches that name only; a pattern with "*" labels ("*.example.com", "*.*.corp") matches
  // the names with as many labels, each "*" standing for any one whole label. A wildcard identifier
  // "*.example.com" is matched as that text ("*.example.com" matches it, "=*.example.com" only it).
  std::vector<std::string> allowed_domains;    // empty = any name
  std::vector<std::string> denied_domains;     // checked first
  std::vector<std::string> allowed_ip_ranges;  // CIDRs; empty = any address
  std::vector<std::string> denied_ip_ranges;   // CIDRs, checked first
  std::vector<std::string> identifier_types;   // "dns", "ip"; empty = any
  std::vector<std::string> challenge_types;    // "http-01", "dns-01", "tls-alpn-01"; empty = any
  std::vector<std::string> profiles;           // profile names; empty = any
  bool allow_wildcards = true;
  int max_identifiers = 100;  // per order
  // CSR key types accepted: ec256 ec384 ec521 rsa2048 rsa3072 rsa4096 ed25519; empty = any.
  std::vector<std::string> key_types{"ec256", "ec384", "ec521", "rsa2048", "rsa3072", "rsa4096"};
  std::optional<std::chrono::seconds> max_validity;  // certificates are cut to it; none = the profile's
};

// A policy's answer to one question: `rule` is "" when it allows, else the key that refuses ("allowed_domains",
// "denied_ip_ranges", "key_types", ...) and `detail` says why in words, naming what was refused.
struct PolicyDecision {
  std::string_view rule;
  std::string detail;
  bool allowed() const { return rule.empty(); }
};

class Policy {
 public:
  // kInvalidArgument naming the rule on a bad pattern, CIDR, key, identifier or challenge type (the
  // configuration checks them already).
  static Result<Policy> Create(const PolicyRules& rules);

  const std::string& name() const { return name_; }

  // Identifier type, names or addresses, wildcards.
  PolicyDecision DecideIdentifier(const acme::Identifier& id) const;
  PolicyDecision DecideCount(size_t identifiers) const;
  PolicyDecision DecideProfile(std::string_view profile) const;
  // `profile_key_types`: the profile's own list, which replaces this policy's when not empty (the default
  // policy's behaviour before named policies; a named policy's list always applies too, see EffectivePolicy).
  PolicyDecision DecideKey(const crypto::PublicKey& key,
                           const std::vector<std::string>& profile_key_types = {}) const;
  // The same for a key type named as KeyTypeOf names it ("ec256"; `anvil-ca policy explain --key-type`).
  PolicyDecision DecideKeyType(const std::string& type, const std::vector<std::string>& profile_key_types = {}) const;
  bool AllowsChallenge(acme::ChallengeType type) const;

  // OK, or kRejectedIdentifier with a detail naming the identifier and the rule that refused it.
  Status CheckIdentifier(const acme::Identifier& id) const;
  // The key of the rule that refuses `id`, or "" when CheckIdentifier accepts it.
  std::string_view RuleRefusing(const acme::Identifier& id) const;
  // OK, or kBadCsr naming the key type (RFC 8555 §7.4: "badCSR" when the CSR is unacceptable).
  Status CheckKey(const crypto::PublicKey& key, const std::vector<std::string>& allowed_key_types) const;

  int max_identifiers() const { return max_identifiers_; }
  const std::vector<std::string>& key_types() const { return key_types_; }
  const std::optional<std::chrono::seconds>& max_validity() const { return max_validity_; }
  const PolicyRules& rules() const { return rules_; }

 private:
  struct Cidr {
    int family;  // AF_INET / AF_INET6
    std::array<unsigned char, 16> addr;
    int prefix;
    bool Contains(const std::string& ip) const;
  };
  static Result<Cidr> ParseCidr(const std::string& text);
  static Status CheckPattern(const std::string& pattern);
  static bool Matches(const std::string& name, const std::string& pattern);

  PolicyRules rules_;
  std::string name_;
  std::vector<std::string> allowed_domains_, denied_domains_;
  std::vector<Cidr> allowed_ips_, denied_ips_;
  bool allow_wildcards_ = true;
  int max_identifiers_ = 100;
  std::vector<std::string> key_types_;
  std::optional<std::chrono::seconds> max_validity_;
};

// The key type name of a public key as policy spells it ("ec256", "rsa2048", "ed25519", ...); RSA sizes other
// than 2048/3072/4096 yield "rsaNNNN".
std::string KeyTypeOf(const crypto::PublicKey& key);

}  // namespace anvil::ra
