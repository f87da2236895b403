// The signing component. Issues end-entity certificates with the issuance cycle of Let's Encrypt's CA, so
// that a crash at any point loses no issued certificate and never signs twice for one request:
//   1. pick a 128-bit CSPRNG serial and build the to-be-signed certificate,
//   2. persist serial + TBS (CertificateStore::AddPendingCertificate; a duplicate serial is retried; with
//      start_order_from, AddPendingCertificateAndStartOrder, which also moves the order to processing),
//   3. sign,
//   4. persist the signed certificate (MarkCertificateIssued, which also writes the audit row; with
//      validate_order, MarkCertificateIssuedAndOrderValid, which also makes the order valid),
// and only then return it. A failed signature marks the record abandoned.
// Sees only certificate storage (DESIGN.md). Thread-safe: Issue may run concurrently.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "base/time.h"
#include "ca/ca_material.h"
#include "config/config.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "storage/store.h"

namespace anvil::ca {

struct IssuanceRequest {
  std::string order_id;
  std::string account_id;
  crypto::PublicKey subject_key;
  std::vector<acme::Identifier> identifiers;
  std::string profile_name;
  config::ProfileConfig profile;
  std::optional<TimePoint> not_before;  // requested by the order (already checked against policy)
  std::optional<TimePoint> not_after;
  // The order (kProcessing) becomes kValid with this certificate in the same transaction that stores it
  // (Store::MarkCertificateIssuedAndOrderValid): one durable write fewer per issuance, and no window in which
  // the certificate is issued but its order still processing.
  bool validate_order = false;
  // When set, the order moves from this status to kProcessing in the same transaction that records the
  // pending certificate (Store::AddPendingCertificateAndStartOrder): the finalize gate and the first write
  // of the issuance in one commit. Issue then fails with kOrderNotReady, having changed nothing, if the
  // order is no longer in that status (a concurrent or repeated finalize won).
  std::optional<acme::OrderStatus> start_order_from = std::nullopt;
};

struct IssuedCertificate {
  std::string der;     // the certificate, as stored
  std::string serial;  // lowercase hex, the storage key
};

class CertificateAuthority {
 public:
  // `aia_url` is the caIssuers URL put into every certificate (empty: none).
  CertificateAuthority(CaMaterial material, storage::CertificateStore& store, const Clock& clock,
                       std::string aia_url);

  Result<IssuedCertificate> Issue(const IssuanceRequest& request);

  const CaMaterial& material() const { return material_; }
  // The PEM served after the leaf (the intermediate) in the default chain.
  const std::string& issuer_chain_pem() const { return issuer_chain_pem_; }

 private:
  Result<crypto::CertificateTemplate> BuildTemplate(const IssuanceRequest& request) const;

  CaMaterial material_;
  storage::CertificateStore& store_;
  const Clock& clock_;
  std::string aia_url_;
  std::string issuer_chain_pem_;
};

}  // namespace anvil::ca
