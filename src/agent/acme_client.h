// AcmeClient: the RFC 8555 protocol flow against any compliant ACME server, one account at a time.
//
// It speaks only the wire protocol (directory, nonces, JWS-signed POSTs, POST-as-GET reads, resources,
// polling) and knows nothing of files, solvers or lineages: the issuer (issuer.h) composes it with those.
// Transport is the injected http::Client; time and waiting are the injected Clock and Sleeper, so every path
// runs in tests without a network or a real sleep.
//
// Robustness rules encoded here:
//  - Nonces (§7.2): the Replay-Nonce of every response is kept for the next request; HEAD newNonce only when
//  none
//    is left. A `badNonce` error is retried transparently with the fresh nonce it carries, up to
//    `max_bad_nonce_retries` times (§6.5: "clients SHOULD retry").
//  - Errors: a response ≥ 400 becomes a Status built from its problem document (acme::StatusFromProblem)
//  whose
//    message is one line with the detail and every subproblem ("dns:a.example: caa: ..."); the structured
//    subproblems and any Retry-After (as seconds) are attached to the Status. `rateLimited` is surfaced, not
//    slept on: waiting hours is the caller's decision.
//  - Polling (§7.5.1, §7.4): GETs (POST-as-GET) the resource until it leaves pending/processing, waiting the
//    server's Retry-After if sent, else an exponential backoff, and fails with kTimeout after `poll_timeout`.
//
// Thread-safety: not thread-safe (the nonce pool and account state change on every request); use one
// AcmeClient per thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "acme/types.h"
#include "http/client.h"
#include "agent/sleeper.h"
#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::agent {

// §7.1.1 directory (+ RFC 9773 renewalInfo, draft-aaron-acme-profiles profiles).
struct Directory {
  std::string new_nonce, new_account, new_order, new_authz, revoke_cert, key_change, renewal_info;
  std::string terms_of_service;
  std::vector<std::string> caa_identities;
  std::map<std::string, std::string> profiles;  // name → description
  bool external_account_required = false;
  nlohmann::json raw;
};

struct Account {
  std::string url;  // The kid.
  acme::AccountStatus status = acme::AccountStatus::kValid;
  std::vector<std::string> contact;
  std::string orders;
  nlohmann::json raw;
};

struct Challenge {
  std::string type;  // Wire name; may be one this client does not know.
  std::string url;
  std::string token;
  acme::ChallengeStatus status = acme::ChallengeStatus::kPending;
  std::optional<Status> error;
  nlohmann::json raw;
};

struct Authorization {
  std::string url;
  acme::Identifier identifier;  // As the server sent it (no "*." even for a wildcard order, §7.1.4).
  acme::AuthorizationStatus status = acme::AuthorizationStatus::kPending;
  bool wildcard = false;
  std::vector<Challenge> challenges;
  nlohmann::json raw;
  // The challenge of `type` ("http-01", ...), or nullptr.
  const Challenge* FindChallenge(std::string_view type) const;
  // The first failed challenge's error (for a one-line message), if any.
  std::optional<Status> FirstError() const;
};

struct Order {
  std::string url;
  acme::OrderStatus status = acme::OrderStatus::kPending;
  std::vector<acme::Identifier> identifiers;
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;
  std::string profile;
  std::optional<Status> error;
  nlohmann::json raw;
};

struct NewAccountRequest {
  std::vector<std::string> contact;  // "mailto:..."
  bool terms_of_service_agreed = false;
  bool only_return_existing = false;
  // External Account Binding (§7.3.4): key id and raw (decoded) HMAC key; empty kid = none.
  std::string eab_kid;
  std::string eab_hmac_key;
};

struct NewOrderRequest {
  std::vector<acme::Identifier> identifiers;
  std::string profile;   // draft-aaron-acme-profiles; empty = server default.
  std::string replaces;  // RFC 9773 §5: the ARI certID of the certificate this order replaces; empty = none.
};

// RFC 9773 §4.2.
struct RenewalInfo {
  TimePoint window_start, window_end;
  std::string explanation_url;
  std::optional<std::chrono::seconds> retry_after;
};

struct AcmeClientOptions {
  std::string directory_url;
  int max_bad_nonce_retries = 5;
  std::chrono::seconds poll_timeout{300};
  std::chrono::milliseconds poll_initial_delay{500};
  std::chrono::milliseconds poll_max_delay{10000};
  // A server's Retry-After while polling is honoured up to this much per wait.
  std::chrono::seconds max_retry_after{60};
  // Receives one line per request and per retry (`anvil -v`); never the JWS bodies or keys. May be empty.
  std::function<void(const std::string&)> log;
};

class AcmeClient {
 public:
  // `http`, `clock` and `sleeper` must outlive the client.
  AcmeClient(http::Client& http, const Clock& clock, Sleeper& sleeper, AcmeClientOptions options);

  // Fetches (once, then cached) the directory. kMalformed if it is not JSON or lacks
  // newNonce/newAccount/newOrder.
  Result<Directory> GetDirectory();

  // The key every request is signed with and, once known, the account URL (kid). Without a kid, requests that
  // need one fail with kInvalidArgument.
  void SetAccountKey(crypto::PrivateKey key, std::string kid = "");
  const std::string& kid() const { return kid_; }
  // RFC 7638 thumbprint of the account key (base64url); empty without a key.
  std::string Thumbprint() const;

  // §7.3: creates (or, with only_return_existing, finds) the account of the current key and remembers its
  // URL. kAccountDoesNotExist when only_return_existing finds none; kExternalAccountRequired when the server
  // wants EAB.
  Result<Account> NewAccount(const NewAccountRequest& request);
  Result<Account> FetchAccount();
  Result<Account> UpdateAccount(const std::vector<std::string>& contact);
  Result<Account> DeactivateAccount();
  // §7.3.5: moves the account to `new_key`; on success the client signs with the new key from then on.
  Status KeyRollover(const crypto::PrivateKey& new_key);

  // §7.4.
  Result<Order> NewOrder(const NewOrderRequest& request);
  Result<Order> FetchOrder(const std::string& url);
  Result<Authorization> FetchAuthorization(const std::string& url);
  // §7.5.1: tells the server the challenge is ready to be validated. The response is the empty object, except
  // for a challenge that carries its proof in it (draft-ietf-acme-device-attest-09 §5: {"attObj": ...}).
  Result<Challenge> RespondToChallenge(const std::string& url,
                                       const nlohmann::json& payload = nlohmann::json::object());
  // Polls until the authorization is no longer pending; returns it whatever its final status.
  Result<Authorization> PollAuthorization(const std::string& url);
  // §7.4: sends the CSR (DER). Returns the order as the server answered (often "processing").
  Result<Order> Finalize(const Order& order, std::string_view csr_der);
  // Polls until the order is neither pending nor processing.
  Result<Order> PollOrder(const std::string& url);
  // Finalize, then PollOrder while the order is processing: the valid order with its certificate URL, or the
  // order's error (the server's problem), or kServerInternal when it ended without a certificate.
  Result<Order> FinalizeAndWait(const Order& order, std::string_view csr_der);
  // `order` when it is valid with a certificate URL; else its error, or kServerInternal.
  static Result<Order> ValidWithCertificate(Order order);

  // §7.4.2: the certificate chain (PEM) at `url` followed by the alternate chains its Link rel="alternate"
  // headers name. Always at least one entry.
  Result<std::vector<std::string>> DownloadCertificateChains(const std::string& url);
  // The default chain as served (application/pem-certificate-chain), not parsed: for a caller that checks it
  // itself or does not need it (anvil-bench: parsing it would be most of the load generator's CPU).
  Result<std::string> DownloadCertificatePem(const std::string& url);

  // §7.6: revokes `certificate`. With `certificate_key`, the request is signed by that key (jwk); otherwise
  // by the account (kid). `reason` is an RFC 5280 CRLReason code.
  Status Revoke(const crypto::Certificate& certificate, std::optional<int> reason,
                const crypto::PrivateKey* certificate_key = nullptr);

  // RFC 9773: the server's suggested renewal window, or kNotFound when the directory has no renewalInfo.
  Result<RenewalInfo> FetchRenewalInfo(const crypto::Certificate& certificate);

  // Helpers, public for tests and the renewal logic.
  // RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial DER INTEGER content bytes).
  static Result<std::string> RenewalCertId(const crypto::Certificate& certificate);
  // Every URI-Reference of Link fields (RFC 8288) whose rel includes `rel`, resolved against nothing (ACME
  // servers send absolute URLs).
  static std::vector<std::string> LinkTargets(const http::Headers& headers, std::string_view rel);
  // The index of the chain whose topmost certificate's issuer CN (or, failing that, any certificate's issuer
  // CN) is `issuer_cn`; 0 when none matches or `issuer_cn` is empty.
  static size_t PreferredChain(const std::vector<std::string>& chains_pem, std::string_view issuer_cn);
  // A one-line Status from an error response (problem document or not).
  static Status ErrorFromResponse(const http::ClientResponse& response, std::string_view what);

 private:
  Result<std::string> TakeNonce();
  void KeepNonce(const http::ClientResponse& response);
  // A signed POST. payload nullopt = POST-as-GET (§6.3). use_jwk: embed the key instead of kid.
  Result<http::ClientResponse> Post(const std::string& url, const std::optional<nlohmann::json>& payload,
                            bool use_jwk = false, const crypto::PrivateKey* key = nullptr,
                            const http::Headers& extra = {});
  Result<http::ClientResponse> PostAsGet(const std::string& url, const http::Headers& extra = {});
  Result<nlohmann::json> JsonBody(const http::ClientResponse& response, std::string_view what);
  Result<Account> AccountFromResponse(const http::ClientResponse& response, std::string url);
  // Waits before the next poll: Retry-After when given (capped), else `backoff`, which then doubles up to the
  // maximum. kTimeout when the wait would pass `deadline`.
  Status WaitForNextPoll(const http::ClientResponse& response, std::chrono::milliseconds& backoff, TimePoint deadline,
                         std::string_view what);

  http::Client& http_;
  const Clock& clock_;
  Sleeper& sleeper_;
  AcmeClientOptions options_;
  std::optional<Directory> directory_;
  std::vector<std::string> nonces_;
  std::optional<crypto::PrivateKey> key_;
  std::string thumbprint_;  // of key_ (every challenge's key authorization needs it); empty without a key
  std::string kid_;
};

// Parsers of server objects (public for tests).
Result<Order> ParseOrder(const nlohmann::json& j, std::string url);
Result<Authorization> ParseAuthorization(const nlohmann::json& j, std::string url);
Result<Challenge> ParseChallenge(const nlohmann::json& j);
// A problem document as a Status with a one-line message including subproblems.
Status StatusFromProblemDocument(const nlohmann::json& problem);

}  // namespace anvil::agent
