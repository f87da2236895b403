// The CA and its intermediates as signers (docs/ca-operations.md).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "ca/audit_anchor.h"
#include "ca/ca_material.h"
#include "ca/crl_signer.h"
#include "ca/ocsp_signer.h"
#include "ca/issuer.h"
#include "crypto/certificate.h"

namespace anvil::ca {

// The URLs put into the certificates one intermediate issues (empty: none): caIssuers (RFC 5280 §4.2.2.1),
// the CRL distribution point (profiles with `crl`) and the OCSP responder (profiles with `ocsp`).
struct IssuerUrls {
  std::string ca_issuers, crl, ocsp;
};

// One intermediate generation as a signer: the CRLs of the certificates it issued, and its delegated OCSP
// responder certificates. Thread-safe.
class IssuingCa final : public CrlSigner, public OcspDelegation {
 public:
  IssuingCa(Intermediate intermediate, IssuerUrls urls, const Clock& clock);

  const Intermediate& intermediate() const { return intermediate_; }
  const crypto::Certificate& certificate() const { return intermediate_.certificate; }
  const IssuerUrls& urls() const { return urls_; }
  // The PEM served after the leaf in the default chain of the certificates it issues.
  const std::string& chain_pem() const { return chain_pem_; }

  // CrlSigner: this intermediate signs the CRL of the certificates it issued.
  const crypto::Certificate& CrlIssuer() const override { return intermediate_.certificate; }
  Result<std::string> SignCrl(const crypto::CrlTemplate& tmpl) override;

  // OcspDelegation: this intermediate delegates OCSP signing for what it issued.
  const crypto::Certificate& OcspIssuer() const override { return intermediate_.certificate; }
  Result<crypto::Certificate> IssueOcspResponder(const crypto::PublicKey& key, TimePoint not_after) override;

  // Signs an anchor of the audit chain (ca/audit_anchor.h) at the clock's time (whole seconds).
  Result<SignedAuditAnchor> SignAuditAnchor(int64_t head_id, std::string_view head_hash) const;

 private:
  const Intermediate intermediate_;
  const IssuerUrls urls_;
  const std::string chain_pem_;
  const Clock& clock_;
};

// The CA: signs end-entity certificates with the intermediate generation that issues at the time
// (CaMaterial::Issuing), following the issuance cycle of ca/issuer.h (serial, record, sign, record, return).
// It sees no storage: an issuance is recorded through the caller's IssuanceLog. Thread-safe: Issue may run
// concurrently, also with Reload.
class CertificateAuthority final : public CertificateIssuer, public CrlSigner, public OcspDelegation {
 public:
  using UrlsFor = std::function<IssuerUrls(const crypto::Certificate& intermediate)>;
  // Each generation's certificates carry urls(its certificate); the CA keeps `urls` (for Reload), so what it
  // refers to must outlive the CA.
  CertificateAuthority(CaMaterial material, const Clock& clock, const UrlsFor& urls);
  // Every generation with the same URLs (a CA of one intermediate): `aia_url` is the caIssuers URL put into
  // every certificate; `crl_url` the CRL distribution point put into the certificates of profiles with
  // `crl`, `ocsp_url` the OCSP responder put into those of profiles with `ocsp` (empty: none).
  CertificateAuthority(CaMaterial material, const Clock& clock, std::string aia_url, std::string crl_url = "",
                       std::string ocsp_url = "");

  // kServerInternal when no generation issues now (all retired, expired or not yet active).
  Result<IssuedCertificate> Issue(const IssuanceRequest& request, IssuanceLog& log) override;

  // Every generation now, oldest first. Each IssuingCa lives as long as the CA, also after a reload.
  std::vector<IssuingCa*> issuers() const;
  // The generation that issues at `now`; null when none does.
  const IssuingCa* IssuingAt(TimePoint now) const;
  // Whether the generation that issues at `now` can sign: a short fixed message signed with its key (for a key
  // in a PKCS #11 token, by the token) and the signature checked against its certificate. For /readyz
  // (docs/metrics.md); each call is one signature, so callers rate-limit it. kServerInternal when no
  // generation issues now, the signer's error, or kInternal when the signature does not verify.
  Status CheckSigningKey(TimePoint now) const;
  // Takes the generations of `material` (the CA's files read again: `anvil-ca ca rotate`, `ca retire` and `ca
  // rollover-root` then apply without a restart): Use(Prepare(material)). Issuances already under way finish
  // with the generation they picked.
  void Reload(const CaMaterial& material) { Use(Prepare(material)); }
  // The generations of `material` as signers, not yet used for issuing: a generation whose certificate,
  // activation and retirement are unchanged keeps its IssuingCa; any other gets a new one. No IssuingCa is
  // destroyed before the CA, so a CRL updater or OCSP responder made for one stays valid.
  std::vector<IssuingCa*> Prepare(const CaMaterial& material);
  // Issues (IssuingAt, issuers()) from `generations`, which Prepare returned.
  void Use(std::vector<IssuingCa*> generations);

  // CrlSigner and OcspDelegation of the generation that issued when the CA was made (material.intermediate).
  const crypto::Certificate& CrlIssuer() const override { return loaded_->CrlIssuer(); }
  Result<std::string> SignCrl(const crypto::CrlTemplate& tmpl) override { return loaded_->SignCrl(tmpl); }
  const crypto::Certificate& OcspIssuer() const override { return loaded_->OcspIssuer(); }
  Result<crypto::Certificate> IssueOcspResponder(const crypto::PublicKey& key, TimePoint not_after) override {
    return loaded_->IssueOcspResponder(key, not_after);
  }

  // An anchor of the audit chain signed by the generation issuing now (ca/audit_anchor.h).
  // kServerInternal when no generation issues.
  Result<SignedAuditAnchor> SignAuditAnchor(int64_t head_id, std::string_view head_hash) const;

  // The material the CA was made with (not what a reload brought).
  const CaMaterial& material() const { return material_; }

 private:
  Result<crypto::CertificateTemplate> BuildTemplate(const IssuanceRequest& request, const IssuingCa& issuer,
                                                    TimePoint now) const;

  CaMaterial material_;
  const Clock& clock_;
  const UrlsFor urls_;
  mutable std::mutex mu_;                        // guards current_ and all_
  std::vector<IssuingCa*> current_;              // the generations now, oldest first
  std::vector<std::unique_ptr<IssuingCa>> all_;  // every IssuingCa made, never destroyed before the CA
  IssuingCa* loaded_ = nullptr;                  // the generation of material_.intermediate
};

}  // namespace anvil::ca
