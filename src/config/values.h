// Internal to anvil_config: syntax checks and formatting for single configuration values, shared by the TOML
// reader (config.cc), the example writer (example.cc) and the tests. Not part of the component's interface.
//
// Error messages name no key: the caller prefixes the dotted key path ("server.listen[1]: ..."). All
// functions are pure; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"

namespace anvil::config::internal {

// The longest duration ParseDuration accepts: 100 years of 365 days. Larger values would overflow when added
// to a nanosecond std::chrono::system_clock::time_point (which ends in 2262).
inline constexpr std::chrono::seconds kMaxDuration{36500LL * 86400};

// The shortest form ParseDuration reads back as d: "90d", "1h30m", "1m", "0s". d must not be negative.
std::string FormatDuration(std::chrono::seconds d);

// A TOML basic string: quotes, with backslash, quote and control characters escaped. Also used to quote user
// input in error messages, so that it can never break a log line.
std::string Quote(std::string_view text);

bool IsIpv4Literal(std::string_view text);  // "192.0.2.1" (dotted quad, no leading zeros)
bool IsIpv6Literal(std::string_view text);  // "2001:db8::1", without brackets or zone
bool IsIpLiteral(std::string_view text);
// "0.0.0.0", "::" and any other spelling of an unspecified address.
bool IsUnspecifiedAddress(std::string_view text);

// "host:port" or "[v6]:port" (brackets required for and only for IPv6). Checks the syntax and the port
// (1..65535, or 0..65535 with allow_port_zero); the caller decides which hosts it accepts. The host comes
// back without brackets.
Result<ListenAddress> ParseHostPort(std::string_view text, bool allow_port_zero);

// The secret a source names (ca.key_passphrase, ca.pkcs11_pin): "file:PATH" (the file's contents without one
// trailing newline; refused when group or others may read it), "env:NAME" (the variable's value) or
// "credential:NAME" (the file $CREDENTIALS_DIRECTORY/NAME systemd provides, LoadCredential=). kInvalidArgument,
// naming `key` and never the secret, when it is missing, unreadable or empty.
Result<std::string> ReadSecret(std::string_view source, std::string_view key);
// ReadSecret(source, "ca.key_passphrase").
Result<std::string> ReadPassphrase(std::string_view source);

// "SCHEME://HOST:PORT" for a listen address; IPv6 hosts bracketed, an unspecified host becomes "localhost".
std::string UrlForListenAddress(const ListenAddress& address, std::string_view scheme = "https");

// Lower-cases name and checks that it is an ASCII DNS name: LDH labels of 1..63 octets, 253 octets in all, no
// trailing dot, not an IP literal. IDNs must be written in their xn-- (A-label) form.
Status NormalizeDnsName(std::string& name);

// "192.0.2.0/24" or "2001:db8::/32": an address, "/", a prefix length within the family's bits, and no host
// bits set beyond the prefix (the message then suggests the network address).
Status CheckCidr(std::string_view text);

// A dotted-decimal object identifier with at least two arcs ("1.3.6.1.5.5.7.3.1"), per X.660: the first arc
// 0..2, the second below 40 when the first is 0 or 1, no leading zeros.
Status CheckOid(std::string_view text);

// An absolute http:// or https:// URL (https:// only unless allow_http) with a non-empty host and no
// whitespace.
Status CheckUrl(std::string_view url, bool allow_http);

// A base URL: the API's (server.external_url), an https:// URL as CheckUrl, or with `http` the publication
// listener's (publication.external_url), an http:// URL; without user info, query or fragment. A trailing
// "/" is removed, so that paths can be appended.
Status NormalizeBaseUrl(std::string& url, bool http = false);

}  // namespace anvil::config::internal
