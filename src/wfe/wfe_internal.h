// Internals of the web front end shared by its handler files. Not part of the component's interface.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/message.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "ra/registration_authority.h"
#include "storage/store.h"
#include "wfe/payloads.h"
#include "wfe/nonce_service.h"
#include "wfe/wfe.h"

namespace anvil::wfe {

// Paths of the ACME resources (relative to the base URL).
namespace path {
inline constexpr std::string_view kDirectory = "/directory";
inline constexpr std::string_view kNewNonce = "/acme/new-nonce";
inline constexpr std::string_view kNewAccount = "/acme/new-account";
inline constexpr std::string_view kNewOrder = "/acme/new-order";
inline constexpr std::string_view kNewAuthz = "/acme/new-authz";
inline constexpr std::string_view kRevokeCert = "/acme/revoke-cert";
inline constexpr std::string_view kKeyChange = "/acme/key-change";
inline constexpr std::string_view kRenewalInfo = "/acme/renewal-info";  // + "/" certID
inline constexpr std::string_view kAccount = "/acme/acct/";             // + id [+ "/orders"]
inline constexpr std::string_view kOrder = "/acme/order/";              // + id [+ "/finalize"]
inline constexpr std::string_view kAuthz = "/acme/authz/";              // + id
inline constexpr std::string_view kChallenge = "/acme/chall/";          // + authz id "/" challenge id
inline constexpr std::string_view kCertificate = "/acme/cert/";         // + serial [+ "/" alternate index]
inline constexpr std::string_view kRootPem = "/ca/root.pem";
inline constexpr std::string_view kIntermediatePem = "/ca/intermediate.pem";
inline constexpr std::string_view kIntermediateDer = "/ca/intermediate.der";
}  // namespace path

// A request whose JWS passed every check of §6.2-6.4.
struct Authenticated {
  jose::ParsedJws jws;
  std::optional<storage::Account> account;  // set for kid-signed requests
  std::optional<jose::Jwk> jwk;              // set for jwk-signed requests
  nlohmann::json payload;                    // parsed payload; null for POST-as-GET
  bool post_as_get = false;
};

enum class KeyKind { kKid, kJwk, kEither };

class WebFrontEnd::Impl {
 public:
  Impl(WfeOptions options, ra::RegistrationAuthority& ra, NonceService& nonces)
      : options_(std::move(options)),
        issuers_(std::make_shared<const WfeIssuers>(std::move(options_.issuers))),
        ra_(ra),
        nonces_(nonces) {}

  http::Response Handle(const http::Request& request);
  http::Response Refusal(int status, const std::string& detail);

  // --- wfe.cc: shared machinery
  Result<Authenticated> Authenticate(const http::Request& request, KeyKind kind);
  Result<jose::Jwk> AccountKey(const storage::Account& account);
  http::Response Problem(const Status& status);
  http::Response Json(int status, const nlohmann::json& body);
  // Sets Retry-After to acme.retry_after, for processing orders and pending or processing challenges.
  void SetPollRetryAfter(http::Response& response) const;
  std::string Url(std::string_view path, const std::string& id = "") const;
  std::string AccountUrl(const std::string& id) const { return Url(path::kAccount, id); }
  std::string OrderUrl(const std::string& id) const { return Url(path::kOrder, id); }
  std::string AuthzUrl(const std::string& id) const { return Url(path::kAuthz, id); }
  std::string ChallengeUrl(const std::string& authz_id, const std::string& challenge_id) const {
    return Url(path::kChallenge, authz_id + "/" + challenge_id);
  }
  std::string CertificateUrl(const std::string& serial) const { return Url(path::kCertificate, serial); }

  // --- resources.cc: JSON of the resources (§7.1.2-7.1.5)
  nlohmann::json AccountJson(const storage::Account& account) const;
  nlohmann::json OrderJson(const storage::Order& order) const;
  nlohmann::json AuthorizationJson(const storage::Authorization& authz) const;
  nlohmann::json ChallengeJson(const storage::Authorization& authz, const storage::Challenge& challenge) const;
  nlohmann::json DirectoryJson() const;

  // --- handlers, one per resource
  http::Response Directory(const http::Request& request);
  http::Response NewNonce(const http::Request& request);
  http::Response NewAccount(const http::Request& request);
  http::Response AccountResource(const http::Request& request, const std::string& id);
  http::Response AccountOrders(const http::Request& request, const std::string& id);
  http::Response KeyChange(const http::Request& request);
  http::Response NewOrder(const http::Request& request);
  http::Response OrderResource(const http::Request& request, const std::string& id);
  http::Response Finalize(const http::Request& request, const std::string& id);
  http::Response NewAuthz(const http::Request& request);
  http::Response AuthzResource(const http::Request& request, const std::string& id);
  http::Response ChallengeResource(const http::Request& request, const std::string& authz_id,
                                   const std::string& challenge_id);
  http::Response Certificate(const http::Request& request, const std::string& serial, int alternate);
  http::Response RevokeCert(const http::Request& request);
  http::Response RenewalInfo(const http::Request& request, const std::string& cert_id);
  http::Response CaFile(const http::Request& request, const std::string& body, const std::string& content_type);
  // The DER of the intermediate generation at `path` (WebFrontEnd::IssuerPath); none when none is there.
  std::optional<std::string> IssuerDer(std::string_view path) const {
    if (!path.starts_with("/ca/") || !path.ends_with(".der")) return std::nullopt;
    const std::shared_ptr<const WfeIssuers> issuers = Issuers();
    auto it = issuers->issuer_der.find(std::string(path.substr(4, path.size() - 8)));
    if (it == issuers->issuer_der.end()) return std::nullopt;
    return it->second;
  }
  // The generations served now (WebFrontEnd::UpdateIssuers).
  std::shared_ptr<const WfeIssuers> Issuers() const {
    std::lock_guard lock(issuers_mu_);
    return issuers_;
  }
  void SetIssuers(WfeIssuers issuers) {
    auto next = std::make_shared<const WfeIssuers>(std::move(issuers));
    std::lock_guard lock(issuers_mu_);
    issuers_ = std::move(next);
  }

  const WfeOptions& options() const { return options_; }
  ra::RegistrationAuthority& ra() { return ra_; }

 private:
  WfeOptions options_;  // its `issuers` moved into issuers_
  mutable std::mutex issuers_mu_;  // held only to copy or replace issuers_
  std::shared_ptr<const WfeIssuers> issuers_;
  ra::RegistrationAuthority& ra_;
  NonceService& nonces_;
};

}  // namespace anvil::wfe
