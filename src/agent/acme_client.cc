#include "agent/acme_client.h"

#include <time.h>

#include <algorithm>
#include <utility>

#include "acme/problem.h"
#include "base/base64url.h"
#include "jose/eab.h"
#include "jose/jwk.h"
#include "jose/jws.h"

namespace anvil::agent {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kJoseJson[] = "application/jose+json";

std::string StringField(const json& j, std::string_view key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

Result<acme::Identifier> ParseIdentifierJson(const json& j) {
  if (!j.is_object()) return Error(Code::kMalformed, "identifier is not an object");
  ANVIL_ASSIGN_OR_RETURN(acme::IdentifierType type, acme::ParseIdentifierType(StringField(j, "type")));
  return acme::Identifier{type, StringField(j, "value")};
}

json IdentifierJson(const acme::Identifier& id) {
  return {{"type", std::string(acme::IdentifierTypeName(id.type))}, {"value", id.value}};
}

// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
std::optional<seconds> ParseRetryAfter(const http::Headers& headers, TimePoint now) {
  auto value = headers.Get("Retry-After");
  if (!value || value->empty()) return std::nullopt;
  if (std::all_of(value->begin(), value->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value->size() > 9) return seconds(999999999);
    return seconds(std::stoll(*value));
  }
  struct tm tm = {};
  const char* end = strptime(value->c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return std::nullopt;
  TimePoint at = FromUnixSeconds(timegm(&tm));
  return at > now ? std::chrono::duration_cast<seconds>(at - now) : seconds(0);
}

std::string Truncate(std::string_view s, size_t n) {
  std::string out(s.substr(0, n));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (s.size() > n) out += "...";
  return out;
}

}  // namespace

const Challenge* Authorization::FindChallenge(std::string_view type) const {
  for (const auto& c : challenges) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

std::optional<Status> Authorization::FirstError() const {
  for (const auto& c : challenges) {
    if (c.error) return c.error;
  }
  return std::nullopt;
}

Status StatusFromProblemDocument(const json& problem) {
  Status base = acme::StatusFromProblem(problem);
  std::string message = base.message();
  std::vector<Status::Sub> subs;
  if (problem.is_object() && problem.contains("subproblems") && problem["subproblems"].is_array()) {
    for (const auto& sp : problem["subproblems"]) {
      Status s = acme::StatusFromProblem(sp);
      Status::Sub sub{"", "", s.code(), s.message()};
      if (sp.is_object() && sp.contains("identifier")) {
        sub.identifier_type = StringField(sp["identifier"], "type");
        sub.identifier_value = StringField(sp["identifier"], "value");
      }
      subs.push_back(std::move(sub));
    }
  }
  if (!subs.empty()) {
    message += " [";
    for (size_t i = 0; i < subs.size(); ++i) {
      if (i) message += "; ";
      if (!subs[i].identifier_type.empty())
        message += subs[i].identifier_type + ":" + subs[i].identifier_value + ": ";
      message += std::string(CodeName(subs[i].code)) + ": " + subs[i].message;
    }
    message += "]";
  }
  Status out(base.code(), Truncate(message, 2000));
  for (auto& sub : subs) out.AddSubproblem(std::move(sub));
  return out;
}

Status AcmeClient::ErrorFromResponse(const http::ClientResponse& response, std::string_view what) {
  json problem = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  Status status;
  if (problem.is_object() && problem.contains("type")) {
    status = StatusFromProblemDocument(problem);
  } else {
    Code code = response.status == 429                             ? Code::kRateLimited
                : response.status == 404                           ? Code::kNotFound
                : response.status >= 500                           ? Code::kServerInternal
                : response.status == 401 || response.status == 403 ? Code::kUnauthorized
                                                                   : Code::kMalformed;
    status = Status(code, "HTTP " + std::to_string(response.status) +
                              (response.body.empty() ? "" : ": " + Truncate(response.body, 200)));
  }
  std::string message = std::string(what) + ": " + status.message();
  Status out(status.code(), message);
  for (const auto& sub : status.subproblems()) out.AddSubproblem(sub);
  if (auto ra = ParseRetryAfter(response.headers, std::chrono::system_clock::now())) {
    out.set_retry_after(int(std::min<int64_t>(ra->count(), 1 << 30)));
    if (out.code() == Code::kRateLimited) {
      Status with(out.code(), message + " (retry after " + std::to_string(ra->count()) + " s)");
      for (const auto& sub : out.subproblems()) with.AddSubproblem(sub);
      with.set_retry_after(*out.retry_after());
      return with;
    }
  }
  return out;
}

Result<Challenge> ParseChallenge(const json& j) {
  if (!j.is_object()) return Error(Code::kMalformed, "challenge is not an object");
  Challenge c;
  c.type = StringField(j, "type");
  c.url = StringField(j, "url");
  c.token = StringField(j, "token");
  auto status = acme::ParseChallengeStatus(StringField(j, "status"));
  if (!status.ok()) return Error(Code::kMalformed, "challenge " + c.url + ": bad status");
  c.status = *status;
  if (j.contains("error") && j["error"].is_object()) c.error = StatusFromProblemDocument(j["error"]);
  c.raw = j;
  if (c.type.empty() || c.url.empty()) return Error(Code::kMalformed, "challenge without type or url");
  return c;
}

Result<Authorization> ParseAuthorization(const json& j, std::string url) {
  if (!j.is_object()) return Error(Code::kMalformed, "authorization " + url + " is not a JSON object");
  Authorization a;
  a.url = std::move(url);
  if (!j.contains("identifier"))
    return Error(Code::kMalformed, "authorization " + a.url + " has no identifier");
  ANVIL_ASSIGN_OR_RETURN(a.identifier, ParseIdentifierJson(j["identifier"]));
  auto status = acme::ParseAuthorizationStatus(StringField(j, "status"));
  if (!status.ok()) return Error(Code::kMalformed, "authorization " + a.url + ": bad status");
  a.status = *status;
  a.wildcard = j.value("wildcard", false);
  if (j.contains("challenges") && j["challenges"].is_array()) {
    for (const auto& cj : j["challenges"]) {
      ANVIL_ASSIGN_OR_RETURN(Challenge c, ParseChallenge(cj));
      a.challenges.push_back(std::move(c));
    }
  }
  a.raw = j;
  return a;
}

Result<Order> ParseOrder(const json& j, std::string url) {
  if (!j.is_object()) return Error(Code::kMalformed, "order " + url + " is not a JSON object");
  Order o;
  o.url = std::move(url);
  auto status = acme::ParseOrderStatus(StringField(j, "status"));
  if (!status.ok()) return Error(Code::kMalformed, "order " + o.url + ": bad status");
  o.status = *status;
  if (j.contains("identifiers") && j["identifiers"].is_array()) {
    for (const auto& ij : j["identifiers"]) {
      ANVIL_ASSIGN_OR_RETURN(acme::Identifier id, ParseIdentifierJson(ij));
      o.identifiers.push_back(std::move(id));
    }
  }
  if (j.contains("authorizations") && j["authorizations"].is_array()) {
    for (const auto& a : j["authorizations"]) {
      if (a.is_string()) o.authorizations.push_back(a.get<std::string>());
    }
  }
  o.finalize = StringField(j, "finalize");
  o.certificate = StringField(j, "certificate");
  o.profile = StringField(j, "profile");
  if (j.contains("error") && j["error"].is_object()) o.error = StatusFromProblemDocument(j["error"]);
  o.raw = j;
  return o;
}

AcmeClient::AcmeClient(http::Client& http, const Clock& clock, Sleeper& sleeper, AcmeClientOptions options)
    : http_(http), clock_(clock), sleeper_(sleeper), options_(std::move(options)) {}

Result<Directory> AcmeClient::GetDirectory() {
  if (directory_) return *directory_;
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, http_.Send("GET", options_.directory_url, {}, ""));
  if (r.status != 200) return ErrorFromResponse(r, "directory " + options_.directory_url);
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object())
    return Error(Code::kMalformed, "directory " + options_.directory_url + " is not a JSON object");
  Directory d;
  d.new_nonce = StringField(j, "newNonce");
  d.new_account = StringField(j, "newAccount");
  d.new_order = StringField(j, "newOrder");
  d.new_authz = StringField(j, "newAuthz");
  d.revoke_cert = StringField(j, "revokeCert");
  d.key_change = StringField(j, "keyChange");
  d.renewal_info = StringField(j, "renewalInfo");
  if (j.contains("meta") && j["meta"].is_object()) {
    const json& meta = j["meta"];
    d.terms_of_service = StringField(meta, "termsOfService");
    d.external_account_required = meta.value("externalAccountRequired", false);
    if (meta.contains("caaIdentities") && meta["caaIdentities"].is_array()) {
      for (const auto& c : meta["caaIdentities"]) {
        if (c.is_string()) d.caa_identities.push_back(c.get<std::string>());
      }
    }
    if (meta.contains("profiles") && meta["profiles"].is_object()) {
      for (const auto& [name, desc] : meta["profiles"].items())
        d.profiles[name] = desc.is_string() ? desc.get<std::string>() : "";
    }
  }
  if (d.new_nonce.empty() || d.new_account.empty() || d.new_order.empty()) {
    return Error(Code::kMalformed,
                 "directory " + options_.directory_url + " lacks newNonce, newAccount or newOrder");
  }
  d.raw = std::move(j);
  directory_ = d;
  return d;
}

void AcmeClient::SetAccountKey(crypto::PrivateKey key, std::string kid) {
  thumbprint_ = jose::Jwk::FromPublicKey(key.public_key()).Thumbprint();
  key_ = std::move(key);
  kid_ = std::move(kid);
}

std::string AcmeClient::Thumbprint() const { return thumbprint_; }

void AcmeClient::KeepNonce(const http::ClientResponse& response) {
  auto nonce = response.headers.Get("Replay-Nonce");
  // §6.5.1: base64url characters only; anything else is ignored rather than echoed back.
  auto b64url_char = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  if (nonce && !nonce->empty() && nonce->size() <= 512 &&
      std::all_of(nonce->begin(), nonce->end(), b64url_char)) {
    nonces_.push_back(*nonce);
    if (nonces_.size() > 16) nonces_.erase(nonces_.begin());
  }
}

Result<std::string> AcmeClient::TakeNonce() {
  if (nonces_.empty()) {
    ANVIL_ASSIGN_OR_RETURN(Directory d, GetDirectory());
    ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, http_.Send("HEAD", d.new_nonce, {}, ""));
    if (r.status != 200 && r.status != 204) return ErrorFromResponse(r, "newNonce");
    KeepNonce(r);
    if (nonces_.empty()) return Error(Code::kBadNonce, "newNonce: the response has no valid Replay-Nonce");
  }
  std::string nonce = std::move(nonces_.back());
  nonces_.pop_back();
  return nonce;
}

Result<http::ClientResponse> AcmeClient::Post(const std::string& url, const std::optional<json>& payload,
                                      bool use_jwk, const crypto::PrivateKey* key,
                                      const http::Headers& extra) {
  if (key == nullptr) {
    if (!key_) return Error(Code::kInvalidArgument, "no account key set");
    key = &*key_;
  }
  if (!use_jwk && kid_.empty())
    return Error(Code::kInvalidArgument, "no account URL (kid) known; register first");
  std::string payload_text = payload ? payload->dump() : "";
  jose::Algorithm alg = jose::DefaultAlgorithm(key->public_key());
  for (int attempt = 0;; ++attempt) {
    ANVIL_ASSIGN_OR_RETURN(std::string nonce, TakeNonce());
    json header = {{"nonce", nonce}, {"url", url}};
    if (use_jwk) {
      header["jwk"] = jose::Jwk::FromPublicKey(key->public_key()).ToJson();
    } else {
      header["kid"] = kid_;
    }
    ANVIL_ASSIGN_OR_RETURN(std::string body, jose::Sign(*key, alg, header, payload_text));
    http::Headers headers = extra;
    headers.Set("Content-Type", kJoseJson);
    ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, http_.Send("POST", url, headers, body));
    KeepNonce(r);
    if (options_.log)
      options_.log("POST " + url + (payload ? "" : " (POST-as-GET)") + " -> " + std::to_string(r.status));
    if (r.status < 400) return r;
    Status error = ErrorFromResponse(r, "POST " + url);
    // §6.5: a badNonce response carries a fresh nonce; retry with it.
    if (error.code() == Code::kBadNonce && attempt < options_.max_bad_nonce_retries) {
      if (options_.log)
        options_.log("badNonce: retrying (" + std::to_string(attempt + 1) + "/" +
                     std::to_string(options_.max_bad_nonce_retries) + ")");
      continue;
    }
    return error;
  }
}

Result<http::ClientResponse> AcmeClient::PostAsGet(const std::string& url, const http::Headers& extra) {
  return Post(url, std::nullopt, false, nullptr, extra);
}

Result<json> AcmeClient::JsonBody(const http::ClientResponse& response, std::string_view what) {
  json j = json::parse(response.body, nullptr, false);
  if (!j.is_object())
    return Error(Code::kMalformed, std::string(what) + ": the response is not a JSON object");
  return j;
}

Result<Account> AcmeClient::AccountFromResponse(const http::ClientResponse& response, std::string url) {
  ANVIL_ASSIGN_OR_RETURN(json j, JsonBody(response, "account"));
  Account a;
  a.url = std::move(url);
  auto status = acme::ParseAccountStatus(StringField(j, "status"));
  a.status = status.ok() ? *status : acme::AccountStatus::kValid;
  if (j.contains("contact") && j["contact"].is_array()) {
    for (const auto& c : j["contact"]) {
      if (c.is_string()) a.contact.push_back(c.get<std::string>());
    }
  }
  a.orders = StringField(j, "orders");
  a.raw = std::move(j);
  return a;
}

Result<Account> AcmeClient::NewAccount(const NewAccountRequest& request) {
  if (!key_) return Error(Code::kInvalidArgument, "no account key set");
  ANVIL_ASSIGN_OR_RETURN(Directory d, GetDirectory());
  json payload = json::object();
  if (!request.contact.empty()) payload["contact"] = request.contact;
  if (request.terms_of_service_agreed) payload["termsOfServiceAgreed"] = true;
  if (request.only_return_existing) payload["onlyReturnExisting"] = true;
  if (!request.eab_kid.empty()) {
    ANVIL_ASSIGN_OR_RETURN(json eab,
                           jose::SignEab(request.eab_kid, request.eab_hmac_key, jose::Algorithm::kHs256,
                                         jose::Jwk::FromPublicKey(key_->public_key()), d.new_account));
    payload["externalAccountBinding"] = std::move(eab);
  }
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, Post(d.new_account, payload, /*use_jwk=*/true));
  auto location = r.headers.Get("Location");
  if (!location || location->empty()) return Error(Code::kMalformed, "newAccount: no Location header");
  kid_ = *location;
  return AccountFromResponse(r, *location);
}

Result<Account> AcmeClient::FetchAccount() {
  // §7.3.3/§6.3: a POST-as-GET to the account URL (an empty update "{}" is refused by some servers).
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, PostAsGet(kid_));
  return AccountFromResponse(r, kid_);
}

Result<Account> AcmeClient::UpdateAccount(const std::vector<std::string>& contact) {
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, Post(kid_, json{{"contact", contact}}));
  return AccountFromResponse(r, kid_);
}

Result<Account> AcmeClient::DeactivateAccount() {
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, Post(kid_, json{{"status", "deactivated"}}));
  return AccountFromResponse(r, kid_);
}

Status AcmeClient::KeyRollover(const crypto::PrivateKey& new_key) {
  if (!key_) return Error(Code::kInvalidArgument, "no account key set");
  ANVIL_ASSIGN_OR_RETURN(Directory d, GetDirectory());
  if (d.key_change.empty()) return Error(Code::kInvalidArgument, "the server offers no keyChange");
  // §7.3.5: the inner JWS is signed by the new key, has no nonce, and names the account and its old key.
  json inner_header = {{"jwk", jose::Jwk::FromPublicKey(new_key.public_key()).ToJson()},
                       {"url", d.key_change}};
  json inner_payload = {{"account", kid_}, {"oldKey", jose::Jwk::FromPublicKey(key_->public_key()).ToJson()}};
  ANVIL_ASSIGN_OR_RETURN(json inner, jose::SignJson(new_key, jose::DefaultAlgorithm(new_key.public_key()),
                                                    inner_header, inner_payload.dump()));
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, Post(d.key_change, inner));
  (void)r;
  thumbprint_ = jose::Jwk::FromPublicKey(new_key.public_key()).Thumbprint();
  key_ = new_key;
  return Status::Ok();
}

Result<Order> AcmeClient::NewOrder(const NewOrderRequest& request) {
  ANVIL_ASSIGN_OR_RETURN(Directory d, GetDirectory());
  json ids = json::array();
  for (const auto& id : request.identifiers) ids.push_back(IdentifierJson(id));
  json payload = {{"identifiers", ids}};
  if (!request.profile.empty()) payload["profile"] = request.profile;
  if (!request.replaces.empty()) payload["replaces"] = request.replaces;
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, Post(d.new_order, payload));
  auto location = r.headers.Get("Location");
  if (!location || location->empty()) return Error(Code::kMalformed, "newOrder: no Location header");
  ANVIL_ASSIGN_OR_RETURN(json j, JsonBody(r, "newOrder"));
  return ParseOrder(j, *location);
}

Result<Order> AcmeClient::FetchOrder(const std::string& url) {
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, PostAsGet(url));
  ANVIL_ASSIGN_OR_RETURN(json j, JsonBody(r, "order " + url));
  return ParseOrder(j, url);
}

Result<Authorization> AcmeClient::FetchAuthorization(const std::string& url) {
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, PostAsGet(url));
  ANVIL_ASSIGN_OR_RETURN(json j, JsonBody(r, "authorization " + url));
  return ParseAuthorization(j, url);
}

Result<Challenge> AcmeClient::RespondToChallenge(const std::string& url, const json& payload) {
  // §7.5.1: the response is an empty JSON object (the default), or the challenge's proof.
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, Post(url, payload));
  ANVIL_ASSIGN_OR_RETURN(json j, JsonBody(r, "challenge " + url));
  return ParseChallenge(j);
}

Status AcmeClient::WaitForNextPoll(const http::ClientResponse& response, milliseconds& backoff, TimePoint deadline,
                                   std::string_view what) {
  milliseconds wait = backoff;
  if (auto ra = ParseRetryAfter(response.headers, clock_.Now())) {
    wait = std::min<milliseconds>(*ra, options_.max_retry_after);
  } else {
    backoff = std::min(backoff * 2, options_.poll_max_delay);
  }
  if (clock_.Now() + wait > deadline) {
    return Error(Code::kTimeout, std::string(what) + " still pending after " +
                                     std::to_string(options_.poll_timeout.count()) + " s");
  }
  sleeper_.Sleep(wait);
  return Status::Ok();
}

Result<Authorization> AcmeClient::PollAuthorization(const std::string& url) {
  TimePoint deadline = clock_.Now() + options_.poll_timeout;
  milliseconds backoff = options_.poll_initial_delay;
  for (;;) {
    ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, PostAsGet(url));
    ANVIL_ASSIGN_OR_RETURN(json j, JsonBody(r, "authorization " + url));
    ANVIL_ASSIGN_OR_RETURN(Authorization a, ParseAuthorization(j, url));
    if (a.status != acme::AuthorizationStatus::kPending) return a;
    ANVIL_RETURN_IF_ERROR(WaitForNextPoll(r, backoff, deadline, "authorization " + url));
  }
}

Result<Order> AcmeClient::Finalize(const Order& order, std::string_view csr_der) {
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, Post(order.finalize, json{{"csr", base64url::Encode(csr_der)}}));
  ANVIL_ASSIGN_OR_RETURN(json j, JsonBody(r, "finalize"));
  return ParseOrder(j, order.url);
}

Result<Order> AcmeClient::FinalizeAndWait(const Order& ready, std::string_view csr_der) {
  ANVIL_ASSIGN_OR_RETURN(Order order, Finalize(ready, csr_der));
  if (order.status == acme::OrderStatus::kProcessing || order.status == acme::OrderStatus::kPending) {
    ANVIL_ASSIGN_OR_RETURN(order, PollOrder(order.url));
  }
  return ValidWithCertificate(std::move(order));
}

Result<Order> AcmeClient::ValidWithCertificate(Order order) {
  if (order.status == acme::OrderStatus::kValid && !order.certificate.empty()) return order;
  if (order.error) return *order.error;
  return Error(Code::kServerInternal, "order " + order.url + " ended " + std::string(acme::StatusName(order.status)) +
                                          " without a certificate");
}

Result<Order> AcmeClient::PollOrder(const std::string& url) {
  TimePoint deadline = clock_.Now() + options_.poll_timeout;
  milliseconds backoff = options_.poll_initial_delay;
  for (;;) {
    ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, PostAsGet(url));
    ANVIL_ASSIGN_OR_RETURN(json j, JsonBody(r, "order " + url));
    ANVIL_ASSIGN_OR_RETURN(Order o, ParseOrder(j, url));
    if (o.status != acme::OrderStatus::kPending && o.status != acme::OrderStatus::kProcessing) return o;
    ANVIL_RETURN_IF_ERROR(WaitForNextPoll(r, backoff, deadline, "order " + url));
  }
}

std::vector<std::string> AcmeClient::LinkTargets(const http::Headers& headers, std::string_view rel) {
  std::vector<std::string> out;
  for (const std::string& field : headers.GetAll("Link")) {
    // RFC 8288 §3: link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param ), comma-separated.
    size_t pos = 0;
    while (pos < field.size()) {
      size_t open = field.find('<', pos);
      if (open == std::string::npos) break;
      size_t close = field.find('>', open);
      if (close == std::string::npos) break;
      std::string target = field.substr(open + 1, close - open - 1);
      // Parameters run to the next comma that is outside a quoted string.
      size_t i = close + 1;
      bool quoted = false;
      for (; i < field.size(); ++i) {
        if (field[i] == '"') quoted = !quoted;
        if (field[i] == ',' && !quoted) break;
      }
      std::string params = field.substr(close + 1, i - close - 1);
      pos = i + 1;
      // Find rel=... (quoted or token), a space-separated list of relation types.
      size_t p = 0;
      while ((p = params.find("rel", p)) != std::string::npos) {
        size_t q = p + 3;
        while (q < params.size() && params[q] == ' ') ++q;
        bool preceded_ok = p == 0 || params[p - 1] == ';' || params[p - 1] == ' ';
        if (!preceded_ok || q >= params.size() || params[q] != '=') {
          p += 3;
          continue;
        }
        ++q;
        while (q < params.size() && params[q] == ' ') ++q;
        std::string value;
        if (q < params.size() && params[q] == '"') {
          size_t end = params.find('"', q + 1);
          value = params.substr(q + 1, end == std::string::npos ? std::string::npos : end - q - 1);
        } else {
          size_t end = params.find_first_of("; ", q);
          value = params.substr(q, end == std::string::npos ? std::string::npos : end - q);
        }
        size_t s = 0;
        while (s <= value.size()) {
          size_t e = value.find(' ', s);
          if (e == std::string::npos) e = value.size();
          if (http::EqualsIgnoreCase(std::string_view(value).substr(s, e - s), rel)) {
            out.push_back(target);
            break;
          }
          s = e + 1;
        }
        break;
      }
    }
  }
  return out;
}

Result<std::string> AcmeClient::DownloadCertificatePem(const std::string& url) {
  http::Headers accept;
  accept.Set("Accept", "application/pem-certificate-chain");
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, PostAsGet(url, accept));
  if (r.body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return Error(Code::kMalformed, "certificate " + url + ": the response has no PEM certificate");
  }
  return std::move(r.body);
}

Result<std::vector<std::string>> AcmeClient::DownloadCertificateChains(const std::string& url) {
  http::Headers accept;
  accept.Set("Accept", "application/pem-certificate-chain");
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, PostAsGet(url, accept));
  if (!crypto::Certificate::ChainFromPem(r.body).ok()) {
    return Error(Code::kMalformed, "certificate " + url + ": the response is not a PEM certificate chain");
  }
  std::vector<std::string> chains = {r.body};
  // §7.4.2: alternate chains are offered with Link rel="alternate". One failed alternate is skipped, not
  // fatal.
  for (const std::string& alt : LinkTargets(r.headers, "alternate")) {
    auto ar = PostAsGet(alt, accept);
    if (ar.ok() && crypto::Certificate::ChainFromPem(ar->body).ok()) chains.push_back(ar->body);
  }
  return chains;
}

namespace {
// "CN=R3,O=Let's Encrypt,C=US" → "R3" (RFC 2253, escaped commas tolerated).
std::string CommonNameOf(const std::string& dn) {
  size_t i = 0;
  while (i < dn.size()) {
    size_t end = i;
    while (end < dn.size() && dn[end] != ',') end += dn[end] == '\\' ? 2 : 1;
    std::string_view part = std::string_view(dn).substr(i, std::min(end, dn.size()) - i);
    if (part.starts_with("CN=")) {
      std::string cn;
      for (size_t k = 3; k < part.size(); ++k) {
        if (part[k] == '\\' && k + 1 < part.size()) ++k;
        cn += part[k];
      }
      return cn;
    }
    i = end + 1;
  }
  return "";
}
}  // namespace

size_t AcmeClient::PreferredChain(const std::vector<std::string>& chains_pem, std::string_view issuer_cn) {
  if (issuer_cn.empty()) return 0;
  // certbot's rule first: the issuer of the topmost certificate; then any certificate in the chain.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < chains_pem.size(); ++i) {
      auto chain = crypto::Certificate::ChainFromPem(chains_pem[i]);
      if (!chain.ok() || chain->empty()) continue;
      if (pass == 0) {
        if (CommonNameOf(chain->back().issuer()) == issuer_cn) return i;
      } else {
        for (const auto& c : *chain) {
          if (CommonNameOf(c.issuer()) == issuer_cn) return i;
        }
      }
    }
  }
  return 0;
}

Status AcmeClient::Revoke(const crypto::Certificate& certificate, std::optional<int> reason,
                          const crypto::PrivateKey* certificate_key) {
  ANVIL_ASSIGN_OR_RETURN(Directory d, GetDirectory());
  if (d.revoke_cert.empty()) return Error(Code::kInvalidArgument, "the server offers no revokeCert");
  json payload = {{"certificate", base64url::Encode(certificate.ToDer())}};
  if (reason) payload["reason"] = *reason;
  ANVIL_ASSIGN_OR_RETURN(
      http::ClientResponse r, Post(d.revoke_cert, payload, /*use_jwk=*/certificate_key != nullptr, certificate_key));
  (void)r;
  return Status::Ok();
}

Result<std::string> AcmeClient::RenewalCertId(const crypto::Certificate& certificate) {
  std::string aki = certificate.authority_key_id();
  if (aki.empty()) return Error(Code::kInvalidArgument, "the certificate has no authority key identifier");
  std::string serial = certificate.serial_bytes();
  // DER INTEGER contents: a positive number whose top bit is set gets a leading zero byte.
  if (!serial.empty() && (static_cast<unsigned char>(serial[0]) & 0x80)) serial.insert(serial.begin(), '\0');
  return base64url::Encode(aki) + "." + base64url::Encode(serial);
}

Result<RenewalInfo> AcmeClient::FetchRenewalInfo(const crypto::Certificate& certificate) {
  ANVIL_ASSIGN_OR_RETURN(Directory d, GetDirectory());
  if (d.renewal_info.empty()) return Error(Code::kNotFound, "the server offers no renewalInfo (RFC 9773)");
  ANVIL_ASSIGN_OR_RETURN(std::string id, RenewalCertId(certificate));
  std::string url = d.renewal_info;
  if (!url.ends_with("/")) url += "/";
  url += id;
  ANVIL_ASSIGN_OR_RETURN(http::ClientResponse r, http_.Send("GET", url, {}, ""));
  if (r.status != 200) return ErrorFromResponse(r, "renewalInfo " + url);
  ANVIL_ASSIGN_OR_RETURN(json j, JsonBody(r, "renewalInfo"));
  if (!j.contains("suggestedWindow") || !j["suggestedWindow"].is_object()) {
    return Error(Code::kMalformed, "renewalInfo " + url + ": no suggestedWindow");
  }
  auto start = ParseRfc3339(StringField(j["suggestedWindow"], "start"));
  auto end = ParseRfc3339(StringField(j["suggestedWindow"], "end"));
  if (!start.ok() || !end.ok() || *end <= *start) {
    return Error(Code::kMalformed, "renewalInfo " + url + ": bad suggestedWindow");
  }
  RenewalInfo info{*start, *end, StringField(j, "explanationURL"), ParseRetryAfter(r.headers, clock_.Now())};
  return info;
}

}  // namespace anvil::agent
