#include "ra/policy.h"

#include <arpa/inet.h>

#include <algorithm>

namespace anvil::ra {
namespace {

std::string List(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

// The key types a policy may name (KeyTypeOf's names of the keys a CSR may carry).
const std::vector<std::string> kKeyTypeNames{"ec256", "ec384", "ec521", "rsa2048", "rsa3072", "rsa4096", "ed25519"};

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::vector<std::string_view> Labels(std::string_view name) {
  std::vector<std::string_view> labels;
  size_t start = 0;
  for (;;) {
    size_t dot = name.find('.', start);
    labels.push_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return labels;
    start = dot + 1;
  }
}

}  // namespace

bool Policy::Cidr::Contains(const std::string& ip) const {
  std::array<unsigned char, 16> a{};
  if (inet_pton(family, ip.c_str(), a.data()) != 1) return false;
  int full = prefix / 8, rest = prefix % 8;
  if (!std::equal(a.begin(), a.begin() + full, addr.begin())) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[full] & mask) == (addr[full] & mask);
}

Result<Policy::Cidr> Policy::ParseCidr(const std::string& text) {
  Cidr c{};
  auto slash = text.find('/');
  std::string ip = text.substr(0, slash);
  c.family = ip.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  int max = c.family == AF_INET ? 32 : 128;
  if (inet_pton(c.family, ip.c_str(), c.addr.data()) != 1) {
    return Error(Code::kInvalidArgument, "invalid CIDR \"" + text + "\"");
  }
  c.prefix = max;
  if (slash != std::string::npos) {
    std::string bits = text.substr(slash + 1);
    if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), ::isdigit) || std::stoi(bits) > max) {
      return Error(Code::kInvalidArgument, "invalid CIDR prefix \"" + text + "\"");
    }
    c.prefix = std::stoi(bits);
  }
  return c;
}

Status Policy::CheckPattern(const std::string& pattern) {
  std::string_view body = pattern;
  if (body.starts_with("=")) body.remove_prefix(1);
  if (body.empty()) return Error(Code::kInvalidArgument, "empty name pattern");
  for (std::string_view label : Labels(body)) {
    if (label.empty()) return Error(Code::kInvalidArgument, "name pattern \"" + pattern + "\" has an empty label");
    if (label != "*" && label.find('*') != std::string_view::npos) {
      return Error(Code::kInvalidArgument,
                   "name pattern \"" + pattern + "\": \"*\" must be a whole label, as in \"*.example.com\"");
    }
  }
  return Status::Ok();
}

bool Policy::Matches(const std::string& name, const std::string& pattern) {
  if (pattern.starts_with("=")) return name == std::string_view(pattern).substr(1);
  if (pattern.find('*') == std::string::npos) {
    // "example.com" matches itself and any name below it, never "badexample.com".
    if (name == pattern) return true;
    return name.size() > pattern.size() && name.ends_with(pattern) && name[name.size() - pattern.size() - 1] == '.';
  }
  const std::vector<std::string_view> n = Labels(name), p = Labels(pattern);
  if (n.size() != p.size()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    if (p[i] != "*" && p[i] != n[i]) return false;
  }
  return true;
}

Result<Policy> Policy::Create(const PolicyRules& rules) {
  Policy p;
  p.rules_ = rules;
  p.name_ = rules.name;
  const std::string prefix = rules.name == "default" ? "policy." : "policies." + rules.name + ".";
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    while (!s.empty() && s.front() == '.') s.erase(s.begin());
    return s;
  };
  for (auto [from, to, key] : {std::tuple{&rules.allowed_domains, &p.allowed_domains_, "allowed_domains"},
                               std::tuple{&rules.denied_domains, &p.denied_domains_, "denied_domains"}}) {
    for (size_t i = 0; i < from->size(); ++i) {
      std::string pattern = lower((*from)[i]);
      if (Status s = CheckPattern(pattern); !s.ok()) {
        return Error(Code::kInvalidArgument, prefix + key + "[" + std::to_string(i) + "]: " + s.message());
      }
      to->push_back(std::move(pattern));
    }
  }
  for (auto [from, to, key] : {std::tuple{&rules.allowed_ip_ranges, &p.allowed_ips_, "allowed_ip_ranges"},
                               std::tuple{&rules.denied_ip_ranges, &p.denied_ips_, "denied_ip_ranges"}}) {
    for (size_t i = 0; i < from->size(); ++i) {
      auto c = ParseCidr((*from)[i]);
      if (!c.ok()) {
        return Error(Code::kInvalidArgument, prefix + key + "[" + std::to_string(i) + "]: " + c.status().message());
      }
      to->push_back(*c);
    }
  }
  for (const auto& type : rules.identifier_types) {
    if (!acme::ParseIdentifierType(type).ok()) {
      return Error(Code::kInvalidArgument, prefix + "identifier_types: unknown identifier type \"" + type + "\"");
    }
  }
  for (const auto& type : rules.challenge_types) {
    if (!acme::ParseChallengeType(type).ok()) {
      return Error(Code::kInvalidArgument, prefix + "challenge_types: unknown challenge type \"" + type + "\"");
    }
  }
  if (rules.max_identifiers < 1 || rules.max_identifiers > 10000) {
    return Error(Code::kInvalidArgument, prefix + "max_identifiers: must be 1..10000");
  }
  for (const auto& type : rules.key_types) {
    if (!Contains(kKeyTypeNames, type)) {
      return Error(Code::kInvalidArgument,
                   prefix + "key_types: unknown key type \"" + type + "\" (known: " + List(kKeyTypeNames) + ")");
    }
  }
  if (rules.max_validity && rules.max_validity->count() <= 0) {
    return Error(Code::kInvalidArgument, prefix + "max_validity: must be positive (leave it out for the profile's)");
  }
  p.allow_wildcards_ = rules.allow_wildcards;
  p.max_identifiers_ = rules.max_identifiers;
  p.key_types_ = rules.key_types;
  p.max_validity_ = rules.max_validity;
  return p;
}

PolicyDecision Policy::DecideIdentifier(const acme::Identifier& id) const {
  const std::string type_name(acme::IdentifierTypeName(id.type));
  const std::string shown = type_name + " identifier \"" + id.value + "\"";
  if (!rules_.identifier_types.empty() && !Contains(rules_.identifier_types, type_name)) {
    return {"identifier_types", "only " + List(rules_.identifier_types) + " identifiers are allowed: " + shown};
  }
  // Device identifiers are vouched for by their attestation and enrollment binding, not by names or ranges.
  if (acme::IsDeviceIdentifierType(id.type)) return {};
  if (id.type == acme::IdentifierType::kDns) {
    if (id.wildcard() && !allow_wildcards_) return {"allow_wildcards", "wildcard names are forbidden: " + shown};
    for (const auto& d : denied_domains_) {
      if (Matches(id.value, d)) return {"denied_domains", "names matching " + d + " are forbidden: " + shown};
    }
    if (!allowed_domains_.empty() && std::none_of(allowed_domains_.begin(), allowed_domains_.end(),
                                                  [&](const std::string& d) { return Matches(id.value, d); })) {
      return {"allowed_domains", "the name matches none of " + List(allowed_domains_) + ": " + shown};
    }
    return {};
  }
  for (const auto& c : denied_ips_) {
    if (c.Contains(id.value)) return {"denied_ip_ranges", "this address range is forbidden: " + shown};
  }
  if (!allowed_ips_.empty() &&
      std::none_of(allowed_ips_.begin(), allowed_ips_.end(), [&](const Cidr& c) { return c.Contains(id.value); })) {
    return {"allowed_ip_ranges", "the address is in none of " + List(rules_.allowed_ip_ranges) + ": " + shown};
  }
  return {};
}

PolicyDecision Policy::DecideCount(size_t identifiers) const {
  if (identifiers <= static_cast<size_t>(max_identifiers_)) return {};
  return {"max_identifiers", "an order may have at most " + std::to_string(max_identifiers_) +
                                 " identifiers; this one has " + std::to_string(identifiers)};
}

PolicyDecision Policy::DecideProfile(std::string_view profile) const {
  if (rules_.profiles.empty() || Contains(rules_.profiles, profile)) return {};
  return {"profiles", "profile " + std::string(profile) + " is not allowed (allowed: " + List(rules_.profiles) + ")"};
}

PolicyDecision Policy::DecideKey(const crypto::PublicKey& key, const std::vector<std::string>& profile_key_types) const {
  return DecideKeyType(KeyTypeOf(key), profile_key_types);
}

PolicyDecision Policy::DecideKeyType(const std::string& type, const std::vector<std::string>& profile_key_types) const {
  const auto& types = profile_key_types.empty() ? key_types_ : profile_key_types;
  if (types.empty() || Contains(types, type)) return {};
  return {"key_types", "key type " + type + " is not allowed (allowed: " + List(types) + ")"};
}

bool Policy::AllowsChallenge(acme::ChallengeType type) const {
  return rules_.challenge_types.empty() || Contains(rules_.challenge_types, acme::ChallengeTypeName(type));
}

Status Policy::CheckIdentifier(const acme::Identifier& id) const {
  PolicyDecision decision = DecideIdentifier(id);
  if (decision.allowed()) return Status::Ok();
  return Error(Code::kRejectedIdentifier, "policy forbids it: " + decision.detail);
}

std::string_view Policy::RuleRefusing(const acme::Identifier& id) const { return DecideIdentifier(id).rule; }

Status Policy::CheckKey(const crypto::PublicKey& key, const std::vector<std::string>& allowed) const {
  PolicyDecision decision = DecideKey(key, allowed);
  if (decision.allowed()) return Status::Ok();
  return Error(Code::kBadCsr, decision.detail);
}

std::string KeyTypeOf(const crypto::PublicKey& key) {
  switch (key.algorithm()) {
    case crypto::KeyAlgorithm::kEd25519:
      return "ed25519";
    case crypto::KeyAlgorithm::kRsa:
      return "rsa" + std::to_string(key.bits());
    case crypto::KeyAlgorithm::kEc:
      switch (key.curve().value_or(crypto::Curve::kP256)) {
        case crypto::Curve::kP256: return "ec256";
        case crypto::Curve::kP384: return "ec384";
        case crypto::Curve::kP521: return "ec521";
      }
  }
  return "unknown";
}

}  // namespace anvil::ra
