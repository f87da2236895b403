#include "ca/audit_anchor.h"

#include "crypto/digest.h"

namespace anvil::ca {

std::string AuditAnchorMessage(int64_t head_id, std::string_view head_hash, TimePoint at) {
  return "anvil-audit-anchor-v1\n" + std::to_string(head_id) + "\n" + std::string(head_hash) + "\n" +
         std::to_string(ToUnixSeconds(at));
}

Result<SignedAuditAnchor> SignAuditAnchor(const crypto::Certificate& signer, const crypto::PrivateKey& key,
                                          int64_t head_id, std::string_view head_hash, TimePoint at) {
  const TimePoint signed_at = FromUnixSeconds(ToUnixSeconds(at));
  const std::string message = AuditAnchorMessage(head_id, head_hash, signed_at);
  ANVIL_ASSIGN_OR_RETURN(std::string signature,
                         key.Sign(crypto::DefaultDigestFor(key.public_key()), message));
  return SignedAuditAnchor{signed_at, signer.ToDer(), std::move(signature)};
}

Status VerifyAuditAnchor(std::string_view signer_der, std::string_view signature, int64_t head_id,
                         std::string_view head_hash, TimePoint at, const std::vector<crypto::Certificate>& roots) {
  Result<crypto::Certificate> signer = crypto::Certificate::FromDer(signer_der);
  if (!signer.ok()) {
    return Error(Code::kUnauthorized, "the anchor's signer is not a certificate: " + signer.status().message());
  }
  const crypto::PublicKey key = signer->public_key();
  if (!key.Verify(crypto::DefaultDigestFor(key), AuditAnchorMessage(head_id, head_hash, at), signature)) {
    return Error(Code::kUnauthorized, "the signature does not verify with the key of " +
                                          signer->subject_common_name() + " (serial " + signer->serial_hex() + ")");
  }
  if (!signer->is_ca()) {
    return Error(Code::kUnauthorized, signer->subject_common_name() + " is not a CA certificate");
  }
  std::string why = "no root of this CA";
  for (const crypto::Certificate& root : roots) {
    Status chain = crypto::VerifyChain(*signer, {}, root, at);
    if (chain.ok()) return Status::Ok();
    why = chain.message();
  }
  return Error(Code::kUnauthorized, "the signer " + signer->subject_common_name() + " (serial " +
                                        signer->serial_hex() + ") does not chain to a root of this CA at " +
                                        FormatRfc3339(at) + ": " + why);
}

}  // namespace anvil::ca
