// The production validator and the checks it runs (the `anvil_va` target; only the composition root and the
// VA's own tests link it). NewValidator runs up to `workers` validations at once as fibers on one thread of
// its own (http::FiberRunner), fed by a bounded queue: Validate enqueues and returns at once, never blocking
// its caller; a validation waiting on the network suspends its fiber, not the thread; every network step has
// a timeout, so a hostile target that accepts a connection and never answers costs one fiber for at most
// that timeout. Thread-safety and the `done` rules are those of va/validator.h.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attest/attestation.h"
#include "base/status.h"
#include "base/time.h"
#include "va/dns_resolver.h"
#include "va/validator.h"

namespace anvil::va {

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
  // The issuer domain names by which CAA records (RFC 8659) name this CA (validation.caa_identities). Empty:
  // CAA is not checked. Otherwise a DNS identifier's validation succeeds only when CAA permits issuance too.
  std::vector<std::string> caa_identities;
  // device-attest-01 (docs/device-attestation.md): the roots of each attestation format; a format without
  // roots is refused.
  attest::TrustAnchors attestation_anchors{};
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
// device-attest-01: no network; the attestation object against the anchors, chains verified at `now`.
ValidationResult ValidateDeviceAttest01(const ValidationRequest& request, const attest::TrustAnchors& anchors,
                                        TimePoint now);

// CAA (RFC 8659 §3): looks up the RRsets of `check.name` and its parents at once and decides on the nearest
// non-empty one (va/caa.h gives the rules). OK when `identities` is empty or no RRset restricts issuance;
// kCaa when the relevant RRset forbids it; kDns when a look-up failed before the relevant RRset.
Status ValidateCaa(const CaaCheck& check, const std::vector<std::string>& identities, DnsResolver& resolver);

// The reverse-DNS name of an IP address used as the TLS SNI for ip identifiers (RFC 8738 §6):
// "192.0.2.1" → "1.2.0.192.in-addr.arpa", "2001:db8::1" → "1.0.0.0....8.b.d.0.1.0.0.2.ip6.arpa".
// kMalformed when `ip` is not an address.
Result<std::string> ReverseDnsName(const std::string& ip);

}  // namespace anvil::va
