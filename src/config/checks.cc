// The configuration's value checks (checks.h): key paths, string checks, and the rules across tables.
#include "config/checks.h"

#include <algorithm>
#include <vector>

#include "config/values.h"

namespace anvil::config::internal {

Status Invalid(std::string_view path, std::string_view message) {
  std::string text(path);
  text += ": ";
  text += message;
  return Error(Code::kInvalidArgument, std::move(text));
}

Status AtPath(std::string_view path, const Status& status) {
  return status.ok() ? status : Invalid(path, status.message());
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

namespace {

bool IsBareKey(std::string_view key) {
  return !key.empty() &&
         std::all_of(key.begin(), key.end(), [](char c) { return IsAsciiAlnum(c) || c == '_' || c == '-'; });
}

}  // namespace

std::string JoinKey(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += IsBareKey(key) ? std::string(key) : internal::Quote(key);
  return out;
}

std::string ElementPath(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

Status NonEmpty(std::string& value) {
  return value.empty() ? Error(Code::kInvalidArgument, "must not be empty") : Status::Ok();
}

// X.520 upper bounds (RFC 5280 Appendix A): ub-common-name and ub-organization-name are 64 characters.
Status X520Name(std::string& value) {
  if (value.size() > 64) return Error(Code::kInvalidArgument, "longer than 64 characters");
  return Status::Ok();
}

Status EkuCheck(std::string& value) {
  const bool named = std::find(kExtKeyUsages.begin(), kExtKeyUsages.end(), value) != kExtKeyUsages.end();
  if (named || internal::CheckOid(value).ok()) return Status::Ok();
  return Error(Code::kInvalidArgument,
               "expected serverAuth, clientAuth, codeSigning, emailProtection or a dotted OID; got " +
                   internal::Quote(value));
}

// server.tls_names: a DNS name or an IP address.
Status TlsNameCheck(std::string& value) {
  if (internal::IsIpLiteral(value)) return Status::Ok();
  return internal::NormalizeDnsName(value);
}

// policy.*_domains: name patterns (docs/policy.md). "example.com" (it and every name below; ".example.com" is
// accepted as that), "=host.example.com" (that name only), "*.example.com" ("*" = any one whole label).
Status DomainPatternCheck(std::string& value) {
  std::string prefix;
  if (value.starts_with("=")) {
    prefix = "=";
    value.erase(0, 1);
  } else if (value.starts_with(".")) {
    value.erase(0, 1);
  }
  // Each "*" label is checked as an ordinary label, then put back.
  std::vector<bool> stars;
  std::string checked;
  size_t start = 0;
  for (;;) {
    const size_t dot = value.find('.', start);
    std::string label = value.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    stars.push_back(label == "*");
    if (label != "*" && label.find('*') != std::string::npos) {
      return Error(Code::kInvalidArgument, "\"*\" must be a whole label, as in \"*.example.com\"; got " +
                                               internal::Quote(prefix + value));
    }
    checked += (checked.empty() ? "" : ".") + (label == "*" ? std::string("x") : label);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  ANVIL_RETURN_IF_ERROR(internal::NormalizeDnsName(checked));
  std::string out;
  start = 0;
  for (bool star : stars) {
    const size_t dot = checked.find('.', start);
    out += (out.empty() ? "" : ".") + (star ? std::string("*") : checked.substr(start, dot - start));
    start = dot + 1;
  }
  value = prefix + out;
  return Status::Ok();
}

// Profile names travel in ACME JSON and URLs (draft-aaron-acme-profiles): keep them to a safe alphabet.
Status CheckProfileName(std::string_view name) {
  const bool valid = !name.empty() && name.size() <= 64 && IsAsciiAlnum(name[0]) &&
                     std::all_of(name.begin(), name.end(),
                                 [](char c) { return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '-'; });
  if (valid) return Status::Ok();
  return Error(
      Code::kInvalidArgument,
      "invalid profile name (1..64 letters, digits, \".\", \"_\" or \"-\", starting with a letter or digit)");
}

// Rules that relate keys of different tables.
Status CheckAcrossTables(const Config& config) {
  if (config.profiles.count(config.default_profile) == 0) {
    std::string defined;
    for (const auto& [name, profile] : config.profiles) {
      defined += defined.empty() ? "" : ", ";
      defined += name;
    }
    return Invalid("default_profile", "profile " + internal::Quote(config.default_profile) +
                                          " is not defined (defined: " + defined + ")");
  }
  if (config.ca.intermediate_validity > config.ca.root_validity) {
    return Invalid("ca.intermediate_validity", internal::FormatDuration(config.ca.intermediate_validity) +
                                                   " exceeds ca.root_validity (" +
                                                   internal::FormatDuration(config.ca.root_validity) + ")");
  }
  // A policy names profiles and a profile names a policy: each must exist, or a typo would silently allow
  // nothing (or everything).
  auto check_profiles = [&](const std::string& path, const PolicyConfig& policy) -> Status {
    for (size_t i = 0; i < policy.profiles.size(); ++i) {
      if (config.profiles.count(policy.profiles[i]) == 0) {
        return Invalid(ElementPath(path + ".profiles", i), "profile " + internal::Quote(policy.profiles[i]) + " is not defined");
      }
    }
    return Status::Ok();
  };
  ANVIL_RETURN_IF_ERROR(check_profiles("policy", config.policy));
  if (config.device_attestation.enabled && config.profiles.count(config.device_attestation.profile) == 0) {
    return Invalid("device_attestation.profile",
                   "profile " + internal::Quote(config.device_attestation.profile) + " is not defined");
  }
  for (const auto& [name, policy] : config.policies) ANVIL_RETURN_IF_ERROR(check_profiles(JoinKey("policies", name), policy));
  for (const auto& [name, profile] : config.profiles) {
    if (!profile.policy.empty() && config.policies.count(profile.policy) == 0) {
      return Invalid(JoinKey("profiles", name) + ".policy",
                     "policy " + internal::Quote(profile.policy) + " is not defined (a [policies.NAME] table)");
    }
  }
  for (const auto& [name, profile] : config.profiles) {
    const std::string path = JoinKey("profiles", name);
    // RFC 5280 §6.1.3 checks each certificate's validity on its own, but a leaf outliving its issuer breaks
    // renewal planning and many clients' chain checks; keep leaves inside the intermediate's lifetime.
    if (profile.validity > config.ca.intermediate_validity) {
      return Invalid(path + ".validity", internal::FormatDuration(profile.validity) +
                                             " exceeds ca.intermediate_validity (" +
                                             internal::FormatDuration(config.ca.intermediate_validity) + ")");
    }
    if (profile.backdate >= profile.validity) {
      return Invalid(path + ".backdate", internal::FormatDuration(profile.backdate) +
                                             " is not shorter than the validity (" +
                                             internal::FormatDuration(profile.validity) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace anvil::config::internal
