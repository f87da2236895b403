// The units the RA's rate limits count by (RaOptions::limits, docs/security.md). Pure functions; thread-safe.
#pragma once

#include <string>

#include "acme/types.h"

namespace anvil::ra {

// New-account limits: an IPv4 address itself, an IPv6 address's /64 (one subscriber's network; Boulder counts
// IPv6 by range too), e.g. "2001:db8:1:2::/64". Text that is not an address is returned as it is.
std::string ClientRange(const std::string& address);

// Certificate limits: a DNS name's last two labels ("www.corp.example.com" → "example.com", "*.example.com"
// → "example.com"; no public suffix list, which an internal CA's names do not need), or an IP address itself.
std::string RegisteredDomain(const acme::Identifier& identifier);

// Failed-validation limits: per account and identifier (a wildcard counts with its base name, which is what
// is validated), "failed:ACCOUNT:dns:example.com".
std::string FailedValidationsKey(const std::string& account_id, const acme::Identifier& identifier);

}  // namespace anvil::ra
