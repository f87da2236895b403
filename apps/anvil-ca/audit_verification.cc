#include "audit_verification.h"

#include "ca/audit_anchor.h"
#include "ca/ca_material.h"
#include "crypto/certificate.h"

namespace anvil::app {

std::string SignerName(const std::string& der) {
  Result<crypto::Certificate> cert = crypto::Certificate::FromDer(der);
  return cert.ok() ? cert->subject_common_name() + " (serial " + cert->serial_hex() + ")" : "an unreadable certificate";
}

Result<AuditTrailCheck> VerifyAuditTrail(storage::Store& store, const std::string& data_dir,
                                         std::vector<storage::AuditAnchorCheck> checks) {
  ANVIL_ASSIGN_OR_RETURN(std::vector<ca::CaRoot> roots, ca::LoadRoots(data_dir));
  std::vector<crypto::Certificate> root_certs;
  for (const ca::CaRoot& root : roots) root_certs.push_back(root.certificate);
  ANVIL_ASSIGN_OR_RETURN(std::vector<storage::AuditAnchor> anchors, store.ListAuditAnchors());
  AuditTrailCheck out;
  out.stored_anchors = anchors.size();
  for (const storage::AuditAnchor& a : anchors) {
    const std::string origin = "anchor " + std::to_string(a.id) + " (signed " + FormatRfc3339(a.at) + " by " +
                               SignerName(a.signer_der) + ")";
    if (Status s = ca::VerifyAuditAnchor(a.signer_der, a.signature, a.head_id, a.head_hash, a.at, root_certs);
        !s.ok()) {
      out.bad_anchor = origin + " is not genuine: " + s.message();
      return out;
    }
    checks.push_back({a.head_id, a.head_hash, origin});
  }
  ANVIL_ASSIGN_OR_RETURN(out.chain, storage::VerifyAuditChain(store, checks));
  return out;
}

}  // namespace anvil::app
