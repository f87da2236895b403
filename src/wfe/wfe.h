// The web front end: one handler per ACME resource (RFC 8555 §7), JWS authentication (§6.2-6.4), nonces
// (§6.5), problem documents (§6.7) and the headers every response carries (Replay-Nonce, Link rel="index",
// Location, Retry-After, Cache-Control). It is a pure function http::Request → http::Response over the RA, so
// the whole API is testable without sockets. Reads go through the RA so derived state is current; the front end
// never writes storage itself. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "ra/registration_authority.h"
#include "wfe/nonce_service.h"

namespace anvil::wfe {

// The intermediate generations as the front end serves them; replaced (WebFrontEnd::UpdateIssuers) when the
// CA's files are read again.
struct WfeIssuers {
  // RFC 8555 §7.4.2 alternates, by the default chain (what follows the leaf) whose certificates they serve.
  std::map<std::string, std::vector<std::string>> alternate_chains_pem;
  std::map<std::string, std::string> issuer_der;  // each intermediate generation by issuer ID, at IssuerPath
};

// The kind of resource a request addressed: a bounded label for metrics (docs/metrics.md) where the URL, which
// carries ids, would not be. kUnknown: no resource (404); kRefused: the transport refused the request before
// the front end saw it (WebFrontEnd::Refusal).
enum class Endpoint {
  kDirectory,
  kNewNonce,
  kNewAccount,
  kNewOrder,
  kNewAuthz,
  kRevokeCert,
  kKeyChange,
  kRenewalInfo,
  kAccount,
  kAccountOrders,
  kOrder,
  kFinalize,
  kAuthorization,
  kChallenge,
  kCertificate,
  kCaCertificate,  // the root and intermediate certificates served on the API listener
  kUnknown,
  kRefused,
};
inline constexpr int kEndpointCount = static_cast<int>(Endpoint::kRefused) + 1;
// "directory", "new-nonce", "new-account", "new-order", "new-authz", "revoke-cert", "key-change",
// "renewal-info", "account", "account-orders", "order", "finalize", "authz", "challenge", "certificate",
// "ca-certificate", "unknown", "refused".
std::string_view EndpointName(Endpoint endpoint);

// Told of every response the front end gives, for metrics. Set by the composition root (WfeOptions::observer).
// Called on the request's thread after the response is built, concurrently for different requests: must be
// thread-safe, quick and must not throw.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // A request Handle answered: its resource kind, the response's status and how long Handle took.
  virtual void Answered(Endpoint endpoint, int status, std::chrono::nanoseconds elapsed) = 0;
  // A request the transport refused (Refusal), with the status of the refusal.
  virtual void Refused(int status) = 0;
};

// Built by the composition root (docs/configuration.md names the keys); the front end reads no configuration.
struct WfeOptions {
  std::string base_url;  // "https://localhost:14000", no trailing slash
  std::string root_pem, intermediate_pem, intermediate_der;  // served under /ca/ and the AIA URL
  WfeIssuers issuers;
  // The directory's meta object (§7.1.1, draft-aaron-acme-profiles).
  std::string terms_of_service;  // URL; empty: none
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;
  std::map<std::string, std::string> profiles;  // name → description
  std::chrono::seconds retry_after{1};          // Retry-After of processing orders and pending challenges
  std::chrono::seconds ari_retry_after{6 * 3600};  // Retry-After of renewalInfo (RFC 9773 §4.3)
  int orders_per_page = 100;                       // an account's orders list (§7.1.2.1)
  RequestObserver* observer = nullptr;             // not owned; must outlive the front end; null: none
};

class WebFrontEnd {
 public:
  WebFrontEnd(WfeOptions options, ra::RegistrationAuthority& ra, NonceService& nonces);
  ~WebFrontEnd();

  http::Response Handle(const http::Request& request);
  // Serves `issuers` from now on (the CA's generations after a reload). Thread-safe, also with Handle.
  void UpdateIssuers(WfeIssuers issuers);
  // A request the transport refuses before it reaches Handle (http::ServerOptions::refusal_response: 400,
  // 413, 431, 505, or 500 for a handler that failed): a problem document (malformed, or serverInternal for a
  // 5xx) whose status member is `status`, with a fresh Replay-Nonce and the index link, as every response.
  http::Response Refusal(int status, const std::string& detail);

  // The AIA caIssuers URL of the intermediate, for the CA to embed.
  static std::string AiaPath() { return "/ca/intermediate.der"; }
  // The AIA caIssuers URL of one intermediate generation (its issuer ID: publish::CrlUpdater::IssuerId).
  static std::string IssuerPath(const std::string& issuer_id) { return "/ca/" + issuer_id + ".der"; }
  static std::string DirectoryPath() { return "/directory"; }
  // An account's URL is base_url + AccountPathPrefix() + its id (CAA accounturi, RFC 8657 §3).
  static std::string AccountPathPrefix();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace anvil::wfe
