#include "audit_anchoring.h"

#include <spdlog/spdlog.h>

#include "crypto/certificate.h"

namespace anvil::app {

AuditAnchoring::AuditAnchoring(storage::AuditLog& log, const ca::CertificateAuthority& ca) : log_(log), ca_(ca) {}

AuditAnchoring::~AuditAnchoring() { Stop(); }

Result<std::optional<storage::AuditAnchor>> AuditAnchoring::AnchorNow() {
  std::lock_guard one_at_a_time(mu_);
  ANVIL_ASSIGN_OR_RETURN(std::optional<storage::AuditEvent> head, log_.LastAudit());
  if (!head) return std::optional<storage::AuditAnchor>();
  if (!last_read_) {
    ANVIL_ASSIGN_OR_RETURN(std::vector<storage::AuditAnchor> anchors, log_.ListAuditAnchors());
    if (!anchors.empty()) last_ = {anchors.back().head_id, anchors.back().head_hash};
    last_read_ = true;
  }
  if (last_ && last_->first == head->id && last_->second == head->hash) return std::optional<storage::AuditAnchor>();
  ANVIL_ASSIGN_OR_RETURN(ca::SignedAuditAnchor signed_anchor, ca_.SignAuditAnchor(head->id, head->hash));
  storage::AuditAnchor anchor;
  anchor.at = signed_anchor.at;
  anchor.head_id = head->id;
  anchor.head_hash = head->hash;
  anchor.signer_der = std::move(signed_anchor.signer_der);
  anchor.signature = std::move(signed_anchor.signature);
  ANVIL_RETURN_IF_ERROR(log_.AppendAuditAnchor(anchor));
  last_ = {anchor.head_id, anchor.head_hash};
  std::string signer = "?";
  if (Result<crypto::Certificate> cert = crypto::Certificate::FromDer(anchor.signer_der); cert.ok()) {
    signer = cert->subject_common_name() + " (serial " + cert->serial_hex() + ")";
  }
  spdlog::info("audit anchor: record {} hash {} signed at {} by {}", anchor.head_id, anchor.head_hash,
               FormatRfc3339(anchor.at), signer);
  return std::optional<storage::AuditAnchor>(std::move(anchor));
}

void AuditAnchoring::Start(std::chrono::seconds period) {
  thread_.Start(period, [this, period] {
    if (auto anchored = AnchorNow(); !anchored.ok()) {
      spdlog::error("audit anchor not taken (next try in {}s): {}", period.count(), anchored.status().ToString());
    }
  });
}

void AuditAnchoring::Stop() { thread_.Stop(); }

}  // namespace anvil::app
