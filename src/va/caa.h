// Internal to anvil_va: the pieces of the CAA check (RFC 8659, with the RFC 8657 parameters) that need no
// network — the relevant names to climb, the issue-value grammar, and the decision over one relevant RRset.
// ValidateCaa (network_validator.h) puts them together with the resolver. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "va/dns_resolver.h"
#include "va/validator.h"

namespace anvil::va::internal {

// The names whose CAA RRsets may be relevant for `name` (no "*.", no trailing dot), nearest first: the name
// itself and each parent up to, not including, the root (RFC 8659 §3). "a.example.com" → {"a.example.com",
// "example.com", "com"}.
std::vector<std::string> CaaSearchNames(std::string_view name);

// An issue or issuewild property value (RFC 8659 §4.2, §4.3).
struct IssueValue {
  std::string issuer;  // lowercased issuer-domain-name; empty for a value that names none (";")
  std::vector<std::pair<std::string, std::string>> parameters;  // (tag, value) in order, as written
};

// Parses `value` by the grammar of RFC 8659 §4.2 (with erratum 5997's ";" between parameters). kMalformed
// naming the first offending character when the value does not match it.
Result<IssueValue> ParseIssueValue(std::string_view value);

// The decision over the relevant RRset `rrset` found at `owner`: OK when it lets a CA known by one of
// `identities` issue for `check`, else kCaa with a detail naming `owner` and the reason. Rules (RFC 8659 §4,
// RFC 8657 §3, §4): an unknown tag with the Issuer Critical Flag (128) forbids; for a wildcard the issuewild
// properties decide when there is one, else the issue properties; for any other name the issue properties
// decide and issuewild is ignored; no deciding property permits; otherwise one property must name an
// identity (case-insensitively), parse, and satisfy its accounturi and validationmethods parameters; other
// parameters are ignored.
Status EvaluateCaaRrset(const std::vector<CaaRecord>& rrset, const std::string& owner, const CaaCheck& check,
                        const std::vector<std::string>& identities);

}  // namespace anvil::va::internal
