#include "wfe/wfe.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "acme/problem.h"
#include "wfe/wfe_internal.h"

namespace anvil::wfe {
namespace {

constexpr std::string_view kJoseJson = "application/jose+json";

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Splits "a/b" into {"a","b"}; empty parts are kept so that callers can reject them.
std::vector<std::string> SplitPath(std::string_view rest) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = rest.find('/', start);
    parts.emplace_back(rest.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

// The methods a resource answers (the Allow header of a 405): the directory, newNonce, renewalInfo and the CA
// certificates are read with GET (and HEAD); every other ACME resource takes POST only (§6.3: POST-as-GET).
std::string AllowedMethods(std::string_view p) {
  if (p == path::kDirectory || p == path::kNewNonce || p == path::kRootPem || p == path::kIntermediatePem ||
      p == path::kIntermediateDer || StartsWith(p, std::string(path::kRenewalInfo) + "/") ||
      (StartsWith(p, "/ca/") && p.ends_with(".der"))) {
    return "GET, HEAD";
  }
  return "POST";
}

}  // namespace

WebFrontEnd::WebFrontEnd(WfeOptions options, ra::RegistrationAuthority& ra, NonceService& nonces)
    : impl_(std::make_unique<Impl>(std::move(options), ra, nonces)) {}
WebFrontEnd::~WebFrontEnd() = default;

http::Response WebFrontEnd::Handle(const http::Request& request) { return impl_->Handle(request); }

void WebFrontEnd::UpdateIssuers(WfeIssuers issuers) { impl_->SetIssuers(std::move(issuers)); }

http::Response WebFrontEnd::Refusal(int status, const std::string& detail) { return impl_->Refusal(status, detail); }

std::string WebFrontEnd::AccountPathPrefix() { return std::string(path::kAccount); }

std::string_view EndpointName(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kDirectory: return "directory";
    case Endpoint::kNewNonce: return "new-nonce";
    case Endpoint::kNewAccount: return "new-account";
    case Endpoint::kNewOrder: return "new-order";
    case Endpoint::kNewAuthz: return "new-authz";
    case Endpoint::kRevokeCert: return "revoke-cert";
    case Endpoint::kKeyChange: return "key-change";
    case Endpoint::kRenewalInfo: return "renewal-info";
    case Endpoint::kAccount: return "account";
    case Endpoint::kAccountOrders: return "account-orders";
    case Endpoint::kOrder: return "order";
    case Endpoint::kFinalize: return "finalize";
    case Endpoint::kAuthorization: return "authz";
    case Endpoint::kChallenge: return "challenge";
    case Endpoint::kCertificate: return "certificate";
    case Endpoint::kCaCertificate: return "ca-certificate";
    case Endpoint::kUnknown: return "unknown";
    case Endpoint::kRefused: return "refused";
  }
  return "unknown";
}

http::Response WebFrontEnd::Impl::Refusal(int status, const std::string& detail) {
  if (options_.observer != nullptr) options_.observer->Refused(status);
  http::Response r;
  r.status = status;
  nlohmann::json problem = {{"type", acme::ProblemType(status >= 500 ? Code::kServerInternal : Code::kMalformed)},
                            {"detail", detail},
                            {"status", status}};
  r.headers.Set("Content-Type", "application/problem+json");
  r.headers.Set("Replay-Nonce", nonces_.Issue());
  r.headers.Add("Link", "<" + Url(path::kDirectory) + ">;rel=\"index\"");
  r.headers.Set("Cache-Control", "no-store");
  r.body = problem.dump();
  return r;
}

std::string WebFrontEnd::Impl::Url(std::string_view p, const std::string& id) const {
  return options_.base_url + std::string(p) + id;
}

http::Response WebFrontEnd::Impl::Json(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

void WebFrontEnd::Impl::SetPollRetryAfter(http::Response& response) const {
  response.headers.Set("Retry-After", std::to_string(options_.retry_after.count()));
}

http::Response WebFrontEnd::Impl::Problem(const Status& status) {
  http::Response r;
  nlohmann::json problem = acme::ProblemJson(status);
  if (status.code() == Code::kBadSignatureAlgorithm) {
    // §6.7: badSignatureAlgorithm carries the list of algorithms the server accepts.
    problem["algorithms"] = {"ES256", "ES384", "ES512", "RS256", "EdDSA"};
  }
  r.status = problem["status"].get<int>();
  r.headers.Set("Content-Type", "application/problem+json");
  if (status.retry_after()) r.headers.Set("Retry-After", std::to_string(*status.retry_after()));
  r.body = problem.dump();
  if (r.status >= 500) spdlog::warn("request failed: {}", status.ToString());
  return r;
}

Result<jose::Jwk> WebFrontEnd::Impl::AccountKey(const storage::Account& account) {
  auto key = ra_.AccountKey(account);
  if (!key.ok()) return Error(Code::kInternal, "stored account key: " + key.status().message());
  return key;
}

Result<Authenticated> WebFrontEnd::Impl::Authenticate(const http::Request& request, KeyKind kind) {
  if (request.method != "POST") {
    return Error(Code::kMethodNotAllowed, "this resource requires POST (use POST-as-GET to read it, RFC 8555 §6.3)");
  }
  auto content_type = request.headers.Get("Content-Type");
  std::string ct = content_type.value_or("");
  if (auto semi = ct.find(';'); semi != std::string::npos) ct.resize(semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  if (ct != kJoseJson) {
    return Error(Code::kUnsupportedMediaType, "Content-Type must be application/jose+json (RFC 8555 §6.2)");
  }
  ANVIL_ASSIGN_OR_RETURN(jose::ParsedJws jws, jose::ParseFlattened(request.body));
  const jose::ProtectedHeader& h = jws.header;
  // §6.5: the nonce is checked (and consumed) before anything that could reveal state.
  if (!h.nonce || h.nonce->empty()) return Error(Code::kBadNonce, "the JWS has no nonce");
  if (!nonces_.Redeem(*h.nonce)) return Error(Code::kBadNonce, "the nonce is unknown, used or expired");
  // §6.4: the url header must be exactly the URL this request was sent to.
  if (!h.url) return Error(Code::kMalformed, "the JWS protected header has no url");
  std::string expected = options_.base_url + request.target;
  if (*h.url != expected) {
    return Error(Code::kUnauthorized, "the JWS url \"" + h.url->substr(0, 256) + "\" does not match the request URL");
  }

  Authenticated out{jws, std::nullopt, std::nullopt, nullptr, jws.payload_b64.empty()};
  if (h.jwk) {
    if (kind == KeyKind::kKid) return Error(Code::kMalformed, "this resource requires a kid (account URL), not a jwk");
    out.jwk = *h.jwk;
  } else {
    if (kind == KeyKind::kJwk) return Error(Code::kMalformed, "this resource requires a jwk, not a kid");
    const std::string& kid = *h.kid;
    std::string prefix = Url(path::kAccount);
    if (!StartsWith(kid, prefix) || kid.size() == prefix.size() || kid.find('/', prefix.size()) != std::string::npos) {
      return Error(Code::kMalformed, "kid must be an account URL of this server");
    }
    auto account = ra_.GetAccount(kid.substr(prefix.size()));
    if (!account.ok()) {
      if (account.status().code() == Code::kNotFound) {
        return Error(Code::kAccountDoesNotExist, "no account at " + kid.substr(0, 256));
      }
      return account.status();
    }
    out.account = *account;
  }
  std::optional<jose::Jwk> account_key = out.jwk;
  if (!account_key) {
    ANVIL_ASSIGN_OR_RETURN(jose::Jwk stored, AccountKey(*out.account));
    account_key = std::move(stored);
  }
  const jose::Jwk& key = *account_key;
  if (key.key().algorithm() == crypto::KeyAlgorithm::kRsa && key.key().bits() < 2048) {
    return Error(Code::kBadPublicKey, "RSA keys must have at least 2048 bits");
  }
  if (!key.Supports(h.alg)) {
    return Error(Code::kBadSignatureAlgorithm,
                 std::string("algorithm ") + std::string(jose::AlgorithmName(h.alg)) + " does not fit the key");
  }
  ANVIL_RETURN_IF_ERROR(jose::Verify(jws, key.key()));
  if (out.account && out.account->status != acme::AccountStatus::kValid) {
    return Error(Code::kUnauthorized, "the account is " + std::string(acme::StatusName(out.account->status)));
  }
  if (!out.post_as_get) {
    out.payload = nlohmann::json::parse(jws.payload, nullptr, false);
    if (out.payload.is_discarded() || !out.payload.is_object()) {
      return Error(Code::kMalformed, "the JWS payload must be a JSON object");
    }
  }
  return out;
}

http::Response WebFrontEnd::Impl::Handle(const http::Request& request) {
  // Timed only for an observer: a clock read is cheap, but not free.
  const auto started = options_.observer != nullptr ? std::chrono::steady_clock::now()
                                                    : std::chrono::steady_clock::time_point();
  http::Response response;
  Endpoint endpoint = Endpoint::kUnknown;
  const std::string& p = request.path;
  auto rest = [&](std::string_view prefix) { return SplitPath(std::string_view(p).substr(prefix.size())); };
  if (p == path::kDirectory) {
    endpoint = Endpoint::kDirectory;
    response = Directory(request);
  } else if (p == path::kNewNonce) {
    endpoint = Endpoint::kNewNonce;
    response = NewNonce(request);
  } else if (p == path::kNewAccount) {
    endpoint = Endpoint::kNewAccount;
    response = NewAccount(request);
  } else if (p == path::kNewOrder) {
    endpoint = Endpoint::kNewOrder;
    response = NewOrder(request);
  } else if (p == path::kNewAuthz) {
    endpoint = Endpoint::kNewAuthz;
    response = NewAuthz(request);
  } else if (p == path::kRevokeCert) {
    endpoint = Endpoint::kRevokeCert;
    response = RevokeCert(request);
  } else if (p == path::kKeyChange) {
    endpoint = Endpoint::kKeyChange;
    response = KeyChange(request);
  } else if (StartsWith(p, std::string(path::kRenewalInfo) + "/")) {
    endpoint = Endpoint::kRenewalInfo;
    response = RenewalInfo(request, p.substr(path::kRenewalInfo.size() + 1));
  } else if (StartsWith(p, path::kAccount)) {
    auto parts = rest(path::kAccount);
    if (parts.size() == 1 && !parts[0].empty()) {
      endpoint = Endpoint::kAccount;
      response = AccountResource(request, parts[0]);
    } else if (parts.size() == 2 && !parts[0].empty() && parts[1] == "orders") {
      endpoint = Endpoint::kAccountOrders;
      response = AccountOrders(request, parts[0]);
    } else {
      response = Problem(Error(Code::kNotFound, "no such resource"));
    }
  } else if (StartsWith(p, path::kOrder)) {
    auto parts = rest(path::kOrder);
    if (parts.size() == 1 && !parts[0].empty()) {
      endpoint = Endpoint::kOrder;
      response = OrderResource(request, parts[0]);
    } else if (parts.size() == 2 && !parts[0].empty() && parts[1] == "finalize") {
      endpoint = Endpoint::kFinalize;
      response = Finalize(request, parts[0]);
    } else {
      response = Problem(Error(Code::kNotFound, "no such resource"));
    }
  } else if (StartsWith(p, path::kAuthz)) {
    auto parts = rest(path::kAuthz);
    if (parts.size() == 1 && !parts[0].empty()) {
      endpoint = Endpoint::kAuthorization;
      response = AuthzResource(request, parts[0]);
    } else {
      response = Problem(Error(Code::kNotFound, "no such resource"));
    }
  } else if (StartsWith(p, path::kChallenge)) {
    auto parts = rest(path::kChallenge);
    if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
      endpoint = Endpoint::kChallenge;
      response = ChallengeResource(request, parts[0], parts[1]);
    } else {
      response = Problem(Error(Code::kNotFound, "no such resource"));
    }
  } else if (StartsWith(p, path::kCertificate)) {
    auto parts = rest(path::kCertificate);
    if (parts.size() == 1 && !parts[0].empty()) {
      endpoint = Endpoint::kCertificate;
      response = Certificate(request, parts[0], 0);
    } else if (parts.size() == 2 && !parts[0].empty() && parts[1].size() == 1 && parts[1][0] >= '1' &&
               parts[1][0] <= '9') {
      endpoint = Endpoint::kCertificate;
      response = Certificate(request, parts[0], parts[1][0] - '0');
    } else {
      response = Problem(Error(Code::kNotFound, "no such resource"));
    }
  } else if (p == path::kRootPem) {
    endpoint = Endpoint::kCaCertificate;
    response = CaFile(request, options_.root_pem, "application/x-pem-file");
  } else if (p == path::kIntermediatePem) {
    endpoint = Endpoint::kCaCertificate;
    response = CaFile(request, options_.intermediate_pem, "application/x-pem-file");
  } else if (p == path::kIntermediateDer) {
    endpoint = Endpoint::kCaCertificate;
    response = CaFile(request, options_.intermediate_der, "application/pkix-cert");
  } else if (auto issuer = IssuerDer(p)) {
    endpoint = Endpoint::kCaCertificate;
    response = CaFile(request, *issuer, "application/pkix-cert");
  } else {
    response = Problem(Error(Code::kNotFound, "no such resource"));
  }
  // RFC 9110 §15.5.6: a 405 names the methods the resource allows.
  if (response.status == 405 && !response.headers.Get("Allow")) response.headers.Set("Allow", AllowedMethods(p));
  // §6.5 and §7.1: every response carries a fresh nonce and the directory link; nothing is cacheable except
  // the directory and CA certificates, which set their own Cache-Control.
  response.headers.Set("Replay-Nonce", nonces_.Issue());
  response.headers.Add("Link", "<" + Url(path::kDirectory) + ">;rel=\"index\"");
  if (!response.headers.Get("Cache-Control")) response.headers.Set("Cache-Control", "no-store");
  if (options_.observer != nullptr) {
    options_.observer->Answered(endpoint, response.status, std::chrono::steady_clock::now() - started);
  }
  return response;
}

http::Response WebFrontEnd::Impl::Directory(const http::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    return Problem(Error(Code::kMethodNotAllowed, "the directory is read with GET"));
  }
  http::Response r = Json(200, DirectoryJson());
  r.headers.Set("Cache-Control", "public, max-age=0, no-cache");
  return r;
}

http::Response WebFrontEnd::Impl::NewNonce(const http::Request& request) {
  // §7.2: HEAD → 200, GET → 204, both with Replay-Nonce and Cache-Control: no-store.
  http::Response r;
  if (request.method == "HEAD") {
    r.status = 200;
  } else if (request.method == "GET") {
    r.status = 204;
  } else {
    return Problem(Error(Code::kMethodNotAllowed, "newNonce accepts HEAD and GET"));
  }
  return r;
}

http::Response WebFrontEnd::Impl::CaFile(const http::Request& request, const std::string& body,
                                         const std::string& content_type) {
  if (request.method != "GET" && request.method != "HEAD") {
    return Problem(Error(Code::kMethodNotAllowed, "CA certificates are read with GET"));
  }
  http::Response r;
  r.headers.Set("Content-Type", content_type);
  r.headers.Set("Cache-Control", "public, max-age=3600");
  r.body = body;
  return r;
}

}  // namespace anvil::wfe
