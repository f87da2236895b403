// The checks the configuration reader applies (config.cc): errors that name a key's dotted path, the checks of
// single string values, and the rules that relate keys of different tables. Pure functions; thread-safe.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"
#include "config/values.h"

namespace anvil::config::internal {

// kInvalidArgument "PATH: MESSAGE".
Status Invalid(std::string_view path, std::string_view message);
// A Status from a value check, with the key path put in front of its message.
Status AtPath(std::string_view path, const Status& status);
bool IsAsciiAlnum(char c);
// "server" + "listen" → "server.listen"; keys that are not bare TOML keys are quoted: profiles."a b".
std::string JoinKey(std::string_view parent, std::string_view key);
// "path[index]".
std::string ElementPath(std::string_view path, size_t index);
// Levenshtein distance, for "did you mean" hints on unknown keys.
size_t EditDistance(std::string_view a, std::string_view b);

// "must be one of a, b, c" checks for enumerated string values.
template <size_t N>
Status OneOf(const std::string& value, const std::array<std::string_view, N>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return Status::Ok();
  std::string message = "expected one of ";
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) message += ", ";
    message += allowed[i];
  }
  return Error(Code::kInvalidArgument, message + "; got " + internal::Quote(value));
}

inline constexpr std::array<std::string_view, 2> kLogFormats{"text", "json"};
inline constexpr std::array<std::string_view, 5> kLogLevels{"trace", "debug", "info", "warn", "error"};
inline constexpr std::array<std::string_view, 3> kDurabilities{"full", "normal", "off"};
inline constexpr std::array<std::string_view, 7> kKeyTypes{"ec256",   "ec384",   "ec521",  "rsa2048",
                                                    "rsa3072", "rsa4096", "ed25519"};
inline constexpr std::array<std::string_view, 4> kExtKeyUsages{"serverAuth", "clientAuth", "codeSigning",
                                                        "emailProtection"};
inline constexpr std::array<std::string_view, 4> kIdentifierTypes{"dns", "ip", "permanent-identifier",
                                                                  "hardware-module"};
inline constexpr std::array<std::string_view, 4> kChallengeTypes{"http-01", "dns-01", "tls-alpn-01",
                                                                 "device-attest-01"};

// Checks (and may normalize) one string value. The message names no key; the reader puts the path in front.
using StringCheck = std::function<Status(std::string&)>;

Status NonEmpty(std::string& value);
// X.520 upper bounds (RFC 5280 Appendix A): ub-common-name and ub-organization-name are 64 characters.
Status X520Name(std::string& value);
// An extended key usage: a known name or a dotted OID.
Status EkuCheck(std::string& value);
// server.tls_names: a DNS name or an IP address.
Status TlsNameCheck(std::string& value);
// policy.*_domains: name patterns (docs/policy.md), normalized.
Status DomainPatternCheck(std::string& value);
// Profile names travel in ACME JSON and URLs (draft-aaron-acme-profiles): keep them to a safe alphabet.
Status CheckProfileName(std::string_view name);
// Rules that relate keys of different tables (a default profile that exists, lifetimes that nest, policies
// and profiles that name each other).
Status CheckAcrossTables(const Config& config);

}  // namespace anvil::config::internal
