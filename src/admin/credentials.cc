#include "admin/credentials.h"

#include <algorithm>

#include "base/base64url.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace anvil::admin {
namespace {

constexpr std::string_view kTokenPrefix = "anvil_";
constexpr size_t kIdLength = 16, kSecretLength = 43;

Status Unauthorized(std::string why) { return Error(Code::kUnauthorized, std::move(why)); }

bool IsHex(std::string_view s) { return s.find_first_not_of("0123456789abcdef") == std::string_view::npos; }

bool IsBase64Url(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace

NewToken MakeToken() {
  NewToken t;
  t.id = crypto::HexEncode(crypto::RandomBytes(kIdLength / 2));
  t.token = std::string(kTokenPrefix) + t.id + "_" + base64url::Encode(crypto::RandomBytes(32));
  t.sha256 = crypto::HexEncode(crypto::Sha256(t.token));
  return t;
}

Result<std::string> TokenId(std::string_view token) {
  if (!token.starts_with(kTokenPrefix) || token.size() != kTokenPrefix.size() + kIdLength + 1 + kSecretLength) {
    return Unauthorized("the bearer token is not an anvil-ca admin token");
  }
  std::string_view id = token.substr(kTokenPrefix.size(), kIdLength);
  std::string_view secret = token.substr(kTokenPrefix.size() + kIdLength + 1);
  if (!IsHex(id) || token[kTokenPrefix.size() + kIdLength] != '_' || !IsBase64Url(secret)) {
    return Unauthorized("the bearer token is not an anvil-ca admin token");
  }
  return std::string(id);
}

std::string CertificateLookup(std::string_view der) { return crypto::HexEncode(crypto::Sha256(der)); }

Authenticator::Authenticator(storage::AdminCredentialStore& store, std::vector<crypto::Certificate> roots,
                             std::vector<crypto::Certificate> intermediates, const Clock& clock)
    : store_(store), roots_(std::move(roots)), intermediates_(std::move(intermediates)), clock_(clock) {}

Result<Caller> Authenticator::Authenticate(const http::Request& request) {
  if (std::optional<std::string> authorization = request.headers.Get("Authorization")) {
    return ByAuthorizationHeader(*authorization);
  }
  if (sessions_ != nullptr) {
    if (std::optional<std::string> cookies = request.headers.Get("Cookie")) {
      if (std::optional<std::string> session = CookieValue(*cookies, kSessionCookie)) return BySession(*session);
    }
  }
  if (!request.client_certificate_der.empty()) return ByCertificate(request.client_certificate_der);
  return Unauthorized("no credentials: present an admin client certificate or an Authorization: Bearer token");
}

Result<Caller> Authenticator::ByAuthorizationHeader(const std::string& authorization) {
  // RFC 6750 §2.1: the scheme is case-insensitive.
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !http::EqualsIgnoreCase(std::string_view(authorization).substr(0, kScheme.size()), kScheme)) {
    return Unauthorized("the Authorization header is not a Bearer token");
  }
  return AuthenticateToken(authorization.substr(kScheme.size()));
}

Result<Caller> Authenticator::AuthenticateToken(const std::string& token) {
  ANVIL_ASSIGN_OR_RETURN(std::string id, TokenId(token));
  Result<storage::AdminCredential> record = store_.FindAdminCredential(id);
  if (!record.ok()) {
    if (record.status().code() == Code::kNotFound) return Unauthorized("the bearer token is not recorded");
    return record.status();
  }
  if (record->kind != kTokenCredential ||
      !crypto::ConstantTimeEquals(crypto::HexEncode(crypto::Sha256(token)), record->token_sha256)) {
    return Unauthorized("the bearer token is not recorded");
  }
  return FromRecord(*record, kTokenCredential);
}

Result<Caller> Authenticator::ByCertificate(const std::string& der) {
  Result<crypto::Certificate> cert = crypto::Certificate::FromDer(der);
  if (!cert.ok()) return Unauthorized("the client certificate does not parse");
  Status verified = Error(Code::kUnauthorized, "no root");
  for (const crypto::Certificate& root : roots_) {
    verified = crypto::VerifyChain(*cert, intermediates_, root, clock_.Now());
    if (verified.ok()) break;
  }
  if (!verified.ok()) return Unauthorized("the client certificate does not chain to this CA: " + verified.message());
  const std::vector<std::string> usages = cert->ext_key_usages();
  if (std::find(usages.begin(), usages.end(), "clientAuth") == usages.end()) {
    return Unauthorized("the client certificate is not for client authentication");
  }
  Result<storage::AdminCredential> record = store_.FindAdminCredential(CertificateLookup(der));
  if (!record.ok()) {
    if (record.status().code() == Code::kNotFound) {
      return Unauthorized("the client certificate (serial " + cert->serial_hex() + ") is not an admin credential");
    }
    return record.status();
  }
  if (record->kind != kCertificateCredential) return Unauthorized("the client certificate is not an admin credential");
  return FromRecord(*record, kCertificateCredential);
}

Result<Caller> Authenticator::BySession(const std::string& cookie_value) {
  std::optional<SessionRecord> session = sessions_->Use(cookie_value);
  if (!session) return Unauthorized("the console session ended: log in again");
  Result<storage::AdminCredential> record = store_.FindAdminCredential(session->credential_lookup);
  if (!record.ok()) {
    if (record.status().code() == Code::kNotFound) return Unauthorized("the session's credential is gone");
    return record.status();
  }
  ANVIL_ASSIGN_OR_RETURN(Caller caller, FromRecord(*record, record->kind));
  caller.session_csrf_token = session->csrf_token;
  return caller;
}

Result<Caller> Authenticator::FromRecord(const storage::AdminCredential& record, std::string_view kind) {
  if (record.revoked_at) {
    return Unauthorized("admin credential " + record.name + " was revoked at " + FormatRfc3339(*record.revoked_at));
  }
  std::optional<Role> role = ParseRole(record.role);
  if (!role) return Unauthorized("admin credential " + record.name + " has an unknown role \"" + record.role + "\"");
  return Caller{record.name, *role, std::string(kind), record.lookup};
}

}  // namespace anvil::admin
