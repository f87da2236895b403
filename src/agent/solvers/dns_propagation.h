// dns-01 propagation check: after a solver has published the TXT record "_acme-challenge.<domain>" (RFC 8555
// §8.4), ask DNS until the record carries the challenge value, so that the CA is told to validate only once
// the value can be seen. A dns-01 answered too early fails the authorization for good (§8.2: the server does
// not retry a failed validation), so waiting here is cheaper than a new order.
//
// The check asks every configured resolver (or the system resolver from /etc/resolv.conf), first at once and
// then every `interval`, until each of them has answered the value once; after `timeout` it fails with kDns
// naming the record, the value and what each resolver that had not seen it last answered. A recursive
// resolver caches, so a record queried before it existed can stay invisible there for the negative-caching
// TTL of its zone: point the check at the zone's authoritative servers (`--dns-resolver`) when that matters.
//
// TxtLookup is the DNS behind the check (ldns in production, a fake in tests); no ldns type appears here.
// Thread-safety: a PropagationChecker is used by one solver from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/sleeper.h"
#include "base/status.h"
#include "base/time.h"

namespace anvil::agent {

// A DNS server to ask: an IP literal and port, or (empty address) the system resolver.
struct DnsServer {
  std::string address;  // IPv4 or IPv6 literal; empty = the nameservers of /etc/resolv.conf
  uint16_t port = 53;
  // "127.0.0.1:53", "[::1]:5353" or "the system resolver".
  std::string ToString() const;
  bool operator==(const DnsServer&) const = default;
};

// "ADDR", "ADDR:PORT", "[V6]:PORT" or a bare IPv6 literal; ADDR must be an IP literal (no name: resolving the
// resolver would need a resolver). kInvalidArgument otherwise.
Result<DnsServer> ParseDnsServer(const std::string& spec);

class TxtLookup {
 public:
  virtual ~TxtLookup() = default;
  // The TXT values of `name` (absolute, with the trailing dot) as `server` answers them, the strings of each
  // record joined into one value. An empty list when the name or its TXT records do not exist (NXDOMAIN,
  // NODATA); kDns when the server fails (SERVFAIL, REFUSED, ...) or does not answer in time.
  virtual Result<std::vector<std::string>> LookupTxt(const std::string& name, const DnsServer& server) = 0;
};

// ldns: UDP with TCP on truncation, recursion desired, `timeout` per try, two tries per nameserver.
std::unique_ptr<TxtLookup> NewLdnsTxtLookup(std::chrono::milliseconds timeout = std::chrono::seconds(3));

struct PropagationOptions {
  std::vector<DnsServer> resolvers;  // Empty = the system resolver.
  std::chrono::seconds timeout{120};
  std::chrono::milliseconds interval{2000};
  // Receives one line per check that did not yet see the value, and one when every resolver has
  // (`anvil -v`). May be empty.
  std::function<void(const std::string&)> log;
};

class PropagationChecker {
 public:
  // `clock` and `sleeper` must outlive the checker.
  PropagationChecker(std::unique_ptr<TxtLookup> lookup, const Clock& clock, Sleeper& sleeper,
                     PropagationOptions options);

  // Returns once every resolver has answered `value` among the TXT values of `name` ("_acme-challenge.x",
  // with or without the trailing dot); kDns after `timeout`.
  Status WaitForTxt(const std::string& name, const std::string& value);

  const PropagationOptions& options() const { return options_; }

 private:
  std::unique_ptr<TxtLookup> lookup_;
  const Clock& clock_;
  Sleeper& sleeper_;
  PropagationOptions options_;
};

}  // namespace anvil::agent
