// The admin API's credentials (docs/admin-api.md): bearer tokens, made here and stored only as their SHA-256,
// and client certificates anvil-ca issued, each recorded as a storage::AdminCredential, and the Authenticator
// that turns a request into a Caller.
//
// A token is "anvil_" + 16 hex digits (its public id, the record's lookup) + "_" + 43 base64url characters
// (256 random bits). The id finds the record with one index look-up; the SHA-256 of the whole token is then
// compared with the stored one in constant time, so neither the lookup nor the comparison tells an attacker how
// much of a guessed secret was right. A client certificate is found by the SHA-256 of its DER; it must also
// verify up to one of the CA's roots with clientAuth: chaining to the CA alone grants nothing, since the same
// CA issues ACME clients' certificates (profile tls-client).
//
// Thread-safety: the functions are pure; Authenticator is thread-safe (the store is).
#pragma once

#include <string>
#include <vector>

#include "admin/roles.h"
#include "admin/sessions.h"
#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "http/message.h"
#include "storage/store.h"

namespace anvil::admin {

struct NewToken {
  std::string token;   // shown once, never stored
  std::string id;      // storage::AdminCredential::lookup
  std::string sha256;  // storage::AdminCredential::token_sha256 (lowercase hex)
};
NewToken MakeToken();
// The id of a token of MakeToken's form; kUnauthorized for anything else.
Result<std::string> TokenId(std::string_view token);
// The lookup of a client certificate's record: lowercase hex SHA-256 of its DER.
std::string CertificateLookup(std::string_view der);

class Authenticator {
 public:
  // `roots` and `intermediates`: the CA's certificates a client certificate must verify up to (the same the
  // listener's TLS asks for). `store` and `clock` must outlive this object.
  Authenticator(storage::AdminCredentialStore& store, std::vector<crypto::Certificate> roots,
                std::vector<crypto::Certificate> intermediates, const Clock& clock);

  // Console sessions (admin/sessions.h) authenticate requests too, from now on; `sessions` must outlive this
  // object. Set-up only.
  void AcceptSessions(Sessions& sessions) { sessions_ = &sessions; }

  // The caller of `request`: its `Authorization: Bearer` token when it has that header, else its console
  // session cookie when sessions are accepted and it sends one, else its client certificate. kUnauthorized,
  // with the reason (which names no secret), when there is none, the token or certificate is not a recorded
  // credential, the session ended, the credential is revoked, or its record's role is unknown; kUnavailable
  // (or the store's error) when the store cannot be read.
  Result<Caller> Authenticate(const http::Request& request);
  // The caller a client certificate alone makes (the console's log-in with a certificate), as Authenticate.
  Result<Caller> AuthenticateCertificate(const std::string& der) { return ByCertificate(der); }
  // The caller a bearer token alone makes (the console's log-in with a token), as Authenticate.
  Result<Caller> AuthenticateToken(const std::string& token);

 private:
  Result<Caller> BySession(const std::string& cookie_value);
  Result<Caller> ByAuthorizationHeader(const std::string& authorization);
  Result<Caller> ByCertificate(const std::string& der);
  Result<Caller> FromRecord(const storage::AdminCredential& record, std::string_view kind);

  storage::AdminCredentialStore& store_;
  const std::vector<crypto::Certificate> roots_;
  const std::vector<crypto::Certificate> intermediates_;
  const Clock& clock_;
  Sessions* sessions_ = nullptr;
};

}  // namespace anvil::admin
