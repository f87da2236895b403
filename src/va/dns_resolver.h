// DnsResolver: the validation authority's view of DNS. It answers the questions the challenge checks ask
// — "which TXT strings live at this name" (dns-01, RFC 8555 §8.4) and "which addresses does this name have"
// (http-01 §8.3, tls-alpn-01 RFC 8737 §3) — and the CAA check's "which CAA records live at these names"
// (RFC 8659 §3), and nothing else. It never consults /etc/hosts: a CA must see
// what the DNS says, not what its own machine believes.
//
// The production implementation, made by NewCaresResolver, speaks DNS with c-ares to a configured recursive
// resolver (or the ones in /etc/resolv.conf). Every call is blocking and bounded by the resolver's timeout.
// Tests replace the interface with a fake, or point the c-ares resolver at pebble-challtestsrv on loopback.
//
// Thread-safety: implementations must be safe to call from many threads at once. The c-ares resolver is: each
// call works on its own c-ares channel, duplicated under a lock from a template channel.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace anvil::va {

// One CAA resource record (RFC 8659 §4.1).
struct CaaRecord {
  uint8_t flags = 0;  // 128 is the Issuer Critical Flag; the other bits are reserved
  std::string tag;    // lowercased ("issue", "issuewild", "iodef", ...)
  std::string value;  // as published

  bool operator==(const CaaRecord&) const = default;
};

class DnsResolver {
 public:
  virtual ~DnsResolver() = default;

  // The TXT records at `name` (a name without trailing dot), each record's character-strings concatenated
  // (RFC 1035 §3.3.14; a value longer than 255 octets is split into several strings). CNAMEs are followed
  // (at most 8 hops). An existing name without TXT records yields an empty vector. NXDOMAIN, SERVFAIL,
  // REFUSED, a timeout or a malformed answer yield kDns with a detail naming `name` and the rcode, safe to
  // show to an ACME client.
  virtual Result<std::vector<std::string>> LookupTxt(const std::string& name) = 0;

  // The A then AAAA addresses of `name` in text form ("192.0.2.1", "2001:db8::1"), CNAMEs followed. Both
  // queries run concurrently. kDns when neither query yields an address, with the reason.
  virtual Result<std::vector<std::string>> LookupAddresses(const std::string& name) = 0;

  // The CAA RRset at each of `names` (names without trailing dot), all queried concurrently: one result per
  // name, in order. CNAMEs are followed as for LookupTxt. A name that does not exist (NXDOMAIN) or has no CAA
  // records yields an empty set, which the CAA check reads as "climb to the parent" (RFC 8659 §3); SERVFAIL,
  // REFUSED, a timeout or a malformed answer yield kDns naming the name, never an empty set, because the
  // records hidden by a failure may forbid issuance.
  virtual std::vector<Result<std::vector<CaaRecord>>> LookupCaa(const std::vector<std::string>& names) = 0;
};

struct CaresResolverOptions {
  // "127.0.0.1:8053", "[::1]:53", "192.0.2.53" (port 53), or a comma-separated list of these; empty means
  // the name servers of /etc/resolv.conf.
  std::string server;
  // The bound of one Lookup* call, retries included. c-ares gets a per-try timeout derived from it.
  std::chrono::milliseconds timeout{5000};
  // How many times a query that gets no answer is sent (per server) before giving up. An answer with an error
  // rcode (SERVFAIL, REFUSED) is final: it is not retried.
  int tries = 2;
};

// A c-ares resolver. c-ares falls back to TCP when a UDP answer is truncated (RFC 7766). Errors:
// kInvalidArgument for a malformed `server` or non-positive timeout/tries, kUnavailable when c-ares cannot
// initialize (for example no usable resolv.conf).
Result<std::unique_ptr<DnsResolver>> NewCaresResolver(const CaresResolverOptions& options);

}  // namespace anvil::va
