// OcspDelegation: what the OCSP responder (publish/ocsp_responder.h) needs of an issuing CA — the issuer
// whose certificates it answers for, and a delegated responder certificate (RFC 6960 §4.2.2.2) for a key the
// responder holds, so that the CA's own key signs nothing per query. Part of the CA's interface target
// (anvil_ca_api). Thread-safe implementations only.
#pragma once

#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::ca {

class OcspDelegation {
 public:
  virtual ~OcspDelegation() = default;
  virtual const crypto::Certificate& OcspIssuer() const = 0;
  // A certificate for `key` with extKeyUsage id-kp-OCSPSigning and id-pkix-ocsp-nocheck, issued by
  // OcspIssuer(), valid from now (backdated a minute) until `not_after` (capped at the issuer's).
  virtual Result<crypto::Certificate> IssueOcspResponder(const crypto::PublicKey& key,
                                                         TimePoint not_after) = 0;
};

}  // namespace anvil::ca
