// OcspResponder: answers OCSP requests (RFC 6960, RFC 5019) for the certificates of one issuing CA
// (docs/revocation.md).
//
// Responses are signed by a delegated responder certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck) that
// the CA issues for a key the responder keeps in `responder_dir`; it is renewed when a third of its lifetime
// is left, so the CA's key signs nothing per query. For each serial asked about:
//   - issued and not revoked: good — only once its issuance is complete (a pending record is unknown);
//   - revoked: revoked, with the revocation time and reason (none for unspecified);
//   - abandoned (recorded, perhaps signed, never completed): revoked, certificateHold, at 1970-01-01 — RFC
//   6960
//     §2.2's answer for a certificate that was never issued, so a relying party never trusts it;
//   - anything else the store does not know: unknown, never good.
// A CertID naming another issuer is answered `unauthorized` (RFC 5019 §2.2.3), unsigned; a request that does
// not parse, `malformedRequest`; a store failure, `internalError`.
//
// A request for one certificate without a nonce — what RFC 5019 clients send — is answered from a cache of
// signed responses; an entry is signed again once half of `response_lifetime` has passed, and dropped at once
// when the certificate is revoked (Revoked()), so a flood of queries costs no signing and a revocation is
// seen at the next query. A request with a nonce (RFC 6960 §4.4.1) or several CertIDs is signed afresh.
//
// Thread-safety: every method may be called from any thread once Start() has returned.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "base/time.h"
#include "ca/ocsp_signer.h"
#include "crypto/ocsp.h"
#include "storage/store.h"

namespace anvil::publish {

struct OcspResponderOptions {
  std::chrono::seconds response_lifetime{24 * 3600};       // nextUpdate - thisUpdate of each response
  std::chrono::seconds responder_lifetime{7 * 24 * 3600};  // of the delegated responder certificate
  std::string responder_dir;   // responder.key (0600) and responder.pem; "" = kept in memory only
  size_t max_cached = 100000;  // responses kept; the cache is emptied when it would grow past this
};

class OcspResponder {
 public:
  // `certificates`, `ca` and `clock` must outlive the responder.
  OcspResponder(OcspResponderOptions options, storage::CertificateStore& certificates, ca::OcspDelegation& ca,
                const Clock& clock);

  // Loads the responder key and certificate from responder_dir, or makes new ones when they are missing,
  // issued by another issuer, or past two thirds of their lifetime. Errors: the CA's or the file system's.
  Status Start();

  // The DER OCSPResponse for a DER OCSPRequest (successful or not; never throws).
  std::string Respond(std::string_view request_der);
  // The same for a parsed request.
  std::string Respond(const crypto::OcspRequest& request);
  // Whether every CertID of `request` names this responder's issuer (otherwise Respond is `unauthorized`).
  bool Answers(const crypto::OcspRequest& request) const;

  // The certificate with this serial (lowercase hex) was revoked: its cached response goes.
  void Revoked(const std::string& serial_hex);
  // Certificates may have been revoked without Revoked (by another process: `anvil-ca cert revoke`): every
  // cached response goes, so each is signed again from the store at its next query.
  void ForgetCachedResponses();

  // The current delegated responder certificate.
  crypto::Certificate responder() const;

 private:
  struct Signer {
    crypto::Certificate certificate;
    crypto::PrivateKey key;
  };
  struct Cached {
    std::string der;
    TimePoint refresh_at;
  };

  // The status of one CertID from the store; kUnauthorized-like refusals are decided before.
  Result<crypto::OcspSingleResponse> Lookup(const crypto::OcspCertId& id, TimePoint now);
  // The signer, renewed first when a third of its lifetime is left.
  Result<std::shared_ptr<const Signer>> CurrentSigner(TimePoint now);
  Result<std::shared_ptr<const Signer>> NewSigner(TimePoint now);
  bool OurIssuer(const crypto::OcspCertId& id) const;

  const OcspResponderOptions options_;
  storage::CertificateStore& certificates_;
  ca::OcspDelegation& ca_;
  const Clock& clock_;
  const crypto::OcspCertId issuer_sha1_, issuer_sha256_;  // the issuer's hashes, serial empty

  mutable std::mutex mu_;                          // guards the fields below
  std::shared_ptr<const Signer> signer_;           // null before Start
  std::unordered_map<std::string, Cached> cache_;  // by hash algorithm + serial (hex, as the store)
  uint64_t revocations_ = 0;  // Revoked() calls: a response looked up before one is not cached after it
};

}  // namespace anvil::publish
