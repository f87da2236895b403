#include "ra/policy.h"

#include <arpa/inet.h>

#include <algorithm>

namespace anvil::ra {

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

bool Policy::MatchesSuffix(const std::string& name, const std::string& suffix) {
  // "example.com" matches itself and any name below it, never "badexample.com".
  if (name == suffix) return true;
  return name.size() > suffix.size() && name.ends_with(suffix) && name[name.size() - suffix.size() - 1] == '.';
}

Result<Policy> Policy::Create(const PolicyRules& rules) {
  Policy p;
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    while (!s.empty() && s.front() == '.') s.erase(s.begin());
    return s;
  };
  for (const auto& d : rules.allowed_domains) p.allowed_domains_.push_back(lower(d));
  for (const auto& d : rules.denied_domains) p.denied_domains_.push_back(lower(d));
  for (size_t i = 0; i < rules.allowed_ip_ranges.size(); ++i) {
    auto c = ParseCidr(rules.allowed_ip_ranges[i]);
    if (!c.ok()) return Error(Code::kInvalidArgument, "policy.allowed_ip_ranges[" + std::to_string(i) + "]: " + c.status().message());
    p.allowed_ips_.push_back(*c);
  }
  for (size_t i = 0; i < rules.denied_ip_ranges.size(); ++i) {
    auto c = ParseCidr(rules.denied_ip_ranges[i]);
    if (!c.ok()) return Error(Code::kInvalidArgument, "policy.denied_ip_ranges[" + std::to_string(i) + "]: " + c.status().message());
    p.denied_ips_.push_back(*c);
  }
  p.allow_wildcards_ = rules.allow_wildcards;
  p.max_identifiers_ = rules.max_identifiers;
  p.key_types_ = rules.key_types;
  return p;
}

Policy::Refusal Policy::Check(const acme::Identifier& id) const {
  const std::string shown = std::string(acme::IdentifierTypeName(id.type)) + " identifier \"" + id.value + "\"";
  if (id.type == acme::IdentifierType::kDns) {
    if (id.wildcard() && !allow_wildcards_) return {"allow_wildcards", "policy forbids wildcard names: " + shown};
    std::string name = id.authorization_value();
    for (const auto& d : denied_domains_) {
      if (MatchesSuffix(name, d)) return {"denied_domains", "policy forbids names under " + d + ": " + shown};
    }
    if (!allowed_domains_.empty() &&
        std::none_of(allowed_domains_.begin(), allowed_domains_.end(),
                     [&](const std::string& d) { return MatchesSuffix(name, d); })) {
      return {"allowed_domains", "policy allows no such name: " + shown};
    }
    return {};
  }
  for (const auto& c : denied_ips_) {
    if (c.Contains(id.value)) return {"denied_ip_ranges", "policy forbids this address range: " + shown};
  }
  if (!allowed_ips_.empty() &&
      std::none_of(allowed_ips_.begin(), allowed_ips_.end(), [&](const Cidr& c) { return c.Contains(id.value); })) {
    return {"allowed_ip_ranges", "policy allows no such address: " + shown};
  }
  return {};
}

Status Policy::CheckIdentifier(const acme::Identifier& id) const {
  Refusal refusal = Check(id);
  if (refusal.rule.empty()) return Status::Ok();
  return Error(Code::kRejectedIdentifier, std::move(refusal.detail));
}

std::string_view Policy::RuleRefusing(const acme::Identifier& id) const { return Check(id).rule; }

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

Status Policy::CheckKey(const crypto::PublicKey& key, const std::vector<std::string>& allowed) const {
  const auto& types = allowed.empty() ? key_types_ : allowed;
  std::string type = KeyTypeOf(key);
  if (std::find(types.begin(), types.end(), type) == types.end()) {
    std::string list;
    for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
    return Error(Code::kBadCsr, "key type " + type + " is not allowed (allowed: " + list + ")");
  }
  return Status::Ok();
}

}  // namespace anvil::ra
