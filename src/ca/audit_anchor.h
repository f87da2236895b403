// Anchors of the audit chain (docs/audit.md): the chain's head (a record's id and hash) at a moment, signed by
// the intermediate generation issuing then. Whoever can rewrite the database can rewrite a hash chain so that
// it holds together again; they cannot sign an anchor, so every anchor taken after the first rewritten record
// shows the rewrite (storage::VerifyAuditChain).
//
// The signed bytes begin with the ASCII label "anvil-audit-anchor-v1", never with the DER SEQUENCE tag (0x30)
// that begins everything else the key signs (TBSCertificate, TBSCertList, OCSP ResponseData): a signature on
// an anchor cannot be passed off as one on a certificate, CRL or OCSP response, or the other way round.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::ca {

// "anvil-audit-anchor-v1\n<head_id>\n<head_hash>\n<at, Unix seconds>".
std::string AuditAnchorMessage(int64_t head_id, std::string_view head_hash, TimePoint at);

struct SignedAuditAnchor {
  TimePoint at;            // whole seconds, as signed
  std::string signer_der;  // the signing intermediate's certificate
  std::string signature;   // over AuditAnchorMessage, with the key's default digest (crypto::DefaultDigestFor)
};

Result<SignedAuditAnchor> SignAuditAnchor(const crypto::Certificate& signer, const crypto::PrivateKey& key,
                                          int64_t head_id, std::string_view head_hash, TimePoint at);

// OK when `signature` is signer_der's key's over the message and signer_der is a CA certificate issued by one
// of `roots`, valid at `at`. kUnauthorized naming what does not hold.
Status VerifyAuditAnchor(std::string_view signer_der, std::string_view signature, int64_t head_id,
                         std::string_view head_hash, TimePoint at, const std::vector<crypto::Certificate>& roots);

}  // namespace anvil::ca
