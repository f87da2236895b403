// Internal to anvil_va: pieces shared by the three challenge checks — turning an identifier into the
// addresses to connect to, the IPv6-then-IPv4 order, and rendering untrusted bytes into a client-safe detail.
// Pure functions except ResolveTarget (which calls the resolver); thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "va/dns_resolver.h"

namespace anvil::va::internal {

// True for IPv4 or IPv6 address text.
bool IsIpAddress(std::string_view text);
bool IsIpv6Address(std::string_view text);

// The addresses to connect to for `host`: the address itself when it is an IP (RFC 8738 §7: no DNS), else the
// resolver's answer. kDns when there are none.
Result<std::vector<std::string>> ResolveTarget(const std::string& host, DnsResolver& resolver);

// At most two addresses to try, in order: the first IPv6 address, then the first IPv4 address (Boulder's
// "happy eyeballs lite": fall back to IPv4 only when IPv6 fails to connect).
std::vector<std::string> ConnectOrder(const std::vector<std::string>& addresses);

// At most `limit` bytes of `bytes` as a double-quoted string with non-printable bytes, quotes and backslashes
// escaped ("\x00", "\"", "\n"), plus "..." when cut. Used to echo what a target served without letting it
// inject markup or control characters into an error detail.
std::string QuoteForDetail(std::string_view bytes, size_t limit = 64);

// `text` without trailing ASCII whitespace (space, \t, \r, \n, \v, \f).
std::string_view TrimTrailingWhitespace(std::string_view text);

// curl_global_init, once per process (defined in http01.cc). NewValidator calls it before starting threads.
void EnsureCurlInitialized();

// "host:port" with brackets around an IPv6 host.
std::string HostPort(std::string_view host, uint16_t port);

}  // namespace anvil::va::internal
