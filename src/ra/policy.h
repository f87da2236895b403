// Issuance policy: which identifiers may be certified (allow/deny name suffixes and IP ranges, wildcards) and
// which subject key types a CSR may carry. Built once from PolicyRules (the composition root fills them from
// the policy.* keys of docs/configuration.md); immutable and thread-safe after construction.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "crypto/key.h"

namespace anvil::ra {

struct PolicyRules {
  std::vector<std::string> allowed_domains;    // name suffixes; empty = any name
  std::vector<std::string> denied_domains;     // name suffixes, checked first
  std::vector<std::string> allowed_ip_ranges;  // CIDRs; empty = any address
  std::vector<std::string> denied_ip_ranges;   // CIDRs, checked first
  bool allow_wildcards = true;
  int max_identifiers = 100;  // per order
  // CSR key types accepted: ec256 ec384 ec521 rsa2048 rsa3072 rsa4096 ed25519
  std::vector<std::string> key_types{"ec256", "ec384", "ec521", "rsa2048", "rsa3072", "rsa4096"};
};

class Policy {
 public:
  // kInvalidArgument naming the rule on a bad CIDR or key type (the configuration checks them already).
  static Result<Policy> Create(const PolicyRules& rules);

  // OK, or kRejectedIdentifier with a detail naming the identifier and the rule that refused it.
  Status CheckIdentifier(const acme::Identifier& id) const;
  // The key of the rule that refuses `id` ("allow_wildcards", "denied_domains", "allowed_domains",
  // "denied_ip_ranges", "allowed_ip_ranges"; for metrics), or "" when CheckIdentifier accepts it.
  std::string_view RuleRefusing(const acme::Identifier& id) const;
  // OK, or kBadCsr naming the key type (RFC 8555 §7.4: "badCSR" when the CSR is unacceptable).
  Status CheckKey(const crypto::PublicKey& key, const std::vector<std::string>& allowed_key_types) const;

  int max_identifiers() const { return max_identifiers_; }
  const std::vector<std::string>& key_types() const { return key_types_; }

 private:
  struct Cidr {
    int family;  // AF_INET / AF_INET6
    std::array<unsigned char, 16> addr;
    int prefix;
    bool Contains(const std::string& ip) const;
  };
  static Result<Cidr> ParseCidr(const std::string& text);
  struct Refusal {
    std::string_view rule;  // "" = allowed
    std::string detail;
  };
  Refusal Check(const acme::Identifier& id) const;
  static bool MatchesSuffix(const std::string& name, const std::string& suffix);

  std::vector<std::string> allowed_domains_, denied_domains_;
  std::vector<Cidr> allowed_ips_, denied_ips_;
  bool allow_wildcards_ = true;
  int max_identifiers_ = 100;
  std::vector<std::string> key_types_;
};

// The key type name of a public key as policy spells it ("ec256", "rsa2048", "ed25519", ...); RSA sizes other
// than 2048/3072/4096 yield "rsaNNNN".
std::string KeyTypeOf(const crypto::PublicKey& key);

}  // namespace anvil::ra
