// Validator: the validation authority (VA) of the ACME server. Given a challenge (RFC 8555 §8) it checks,
// over the network, that the applicant controls the identifier: http-01 (§8.3), dns-01 (§8.4) and tls-alpn-01
// (RFC 8737 §3), for dns and ip (RFC 8738) identifiers. It has no storage: it reports a ValidationResult and
// the caller (the RA) records it. The rules, the redirect policy and the time bounds are in
// docs/validation.md.
//
// The production validator (NewValidator) runs up to `workers` validations at once as fibers on one thread
// of its own (http::FiberRunner), fed by a bounded queue: Validate enqueues and returns at once, never
// blocking its caller; a validation waiting on the network suspends its fiber, not the thread; every network
// step has a timeout, so a hostile target that accepts a connection and never answers costs one fiber for at
// most that timeout.
//
// Thread-safety: Validate may be called from any number of threads. `done` callbacks run on the validator's
// fibers; they must not throw, must not destroy the Validator, and must not block the thread (waiting through
// fiber::Await, as a store write does, is fine: it suspends the fiber). Destroying the Validator must not
// race with Validate calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "va/dns_resolver.h"

namespace anvil::va {

// What was contacted, one entry per HTTP request (a redirect adds one) or per TLS handshake; the RA may show
// these as the challenge's validationRecord (Boulder/Pebble do).
struct ValidationRecord {
  std::string url;       // http-01 only: the URL requested
  std::string hostname;  // the name (or IP text) whose addresses were used
  std::string port;      // decimal
  // As returned by the resolver; the IP itself for IP identifiers.
  std::vector<std::string> addresses_resolved;
  // The address of the last connection attempt.
  std::string address_used;
  // Earlier attempts that failed to connect (the IPv6 address before the IPv4 fallback).
  std::vector<std::string> addresses_tried;
};

struct ValidationResult {
  // OK means the challenge is valid. Otherwise the code is the ACME problem type to record on the challenge
  // (kConnection, kDns, kIncorrectResponse, kTls, kUnauthorized, kMalformed; kServerInternal when the
  // validator shut down first) and the message is a client-safe detail.
  Status status;
  std::vector<ValidationRecord> records;
};

struct ValidationRequest {
  acme::ChallengeType type = acme::ChallengeType::kHttp01;
  // The authorization's identifier (RFC 8555 §7.1.4): no "*." prefix. A wildcard value is accepted for dns-01
  // (the prefix is removed) and refused with kMalformed for http-01 and tls-alpn-01 (§7.1.3, RFC 8737 §3).
  acme::Identifier identifier;
  std::string token;
  std::string key_authorization;  // token "." base64url(thumbprint), §8.1
};

class Validator {
 public:
  virtual ~Validator() = default;

  // Starts validating `request` and returns at once. `done` is invoked exactly once, later, on a validator
  // fiber, with the outcome — also when the Validator is destroyed first (kServerInternal "validator
  // shutting down"). Returns kRateLimited, without calling `done`, when the queue of pending validations is
  // full; kMalformed, without calling `done`, when the request is obviously unusable (empty token or value).
  virtual Status Validate(ValidationRequest request, std::function<void(ValidationResult)> done) = 0;
};

struct ValidatorOptions {
  uint16_t http_port = 80;       // http-01 target port (configurable for tests)
  uint16_t https_port = 443;     // redirects may go to http on http_port or 80, https on https_port or 443
  uint16_t tls_alpn_port = 443;  // tls-alpn-01 target port
  int workers = 32;              // concurrent validations (fibers)
  size_t max_queue = 10000;  // pending (not yet started) validations beyond which Validate is kRateLimited
  std::chrono::milliseconds http_timeout{10000};  // whole http-01 attempt incl. redirects
  std::chrono::milliseconds tls_timeout{10000};   // one tls-alpn-01 attempt (each address tried shares it)
  size_t max_http_body = 8 * 1024;          // key authorizations are short; a longer body fails the challenge
  std::string user_agent = "anvil-va/0.1";  // sent with every http-01 request
};

// The real validator: http-01 with libcurl, dns-01 and address look-ups through `resolver`, tls-alpn-01
// through http::ProbeTls. The destructor stops accepting work, lets running validations finish or time out
// (each is bounded by its timeout plus the resolver's), completes pending ones with kServerInternal, and
// joins the validator's thread.
std::unique_ptr<Validator> NewValidator(ValidatorOptions options, std::shared_ptr<DnsResolver> resolver);

// The checks themselves, synchronous, for callers that bring their own threads (and for tests). Each returns
// a ValidationResult as described above and never throws.
ValidationResult ValidateHttp01(const ValidationRequest& request, const ValidatorOptions& options,
                                DnsResolver& resolver);
ValidationResult ValidateDns01(const ValidationRequest& request, DnsResolver& resolver);
ValidationResult ValidateTlsAlpn01(const ValidationRequest& request, const ValidatorOptions& options,
                                   DnsResolver& resolver);

// The reverse-DNS name of an IP address used as the TLS SNI for ip identifiers (RFC 8738 §6):
// "192.0.2.1" → "1.2.0.192.in-addr.arpa", "2001:db8::1" → "1.0.0.0....8.b.d.0.1.0.0.2.ip6.arpa".
// kMalformed when `ip` is not an address.
Result<std::string> ReverseDnsName(const std::string& ip);

}  // namespace anvil::va
