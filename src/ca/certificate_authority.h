// The CA: signs end-entity certificates with the intermediate of its CaMaterial, following the issuance cycle
// of ca/issuer.h (serial, record, sign, record, return). It sees no storage: an issuance is recorded through
// the caller's IssuanceLog. Thread-safe: Issue may run concurrently.
#pragma once

#include <string>

#include "base/status.h"
#include "base/time.h"
#include "ca/ca_material.h"
#include "ca/crl_signer.h"
#include "ca/ocsp_signer.h"
#include "ca/issuer.h"
#include "crypto/certificate.h"

namespace anvil::ca {

class CertificateAuthority final : public CertificateIssuer, public CrlSigner, public OcspDelegation {
 public:
  // `aia_url` is the caIssuers URL put into every certificate (empty: none); `crl_url` the CRL distribution
  // point put into the certificates of profiles with `crl`, `ocsp_url` the OCSP responder put into those of
  // profiles with `ocsp` (empty: none).
  CertificateAuthority(CaMaterial material, const Clock& clock, std::string aia_url, std::string crl_url = "",
                       std::string ocsp_url = "");

  Result<IssuedCertificate> Issue(const IssuanceRequest& request, IssuanceLog& log) override;

  // CrlSigner: the intermediate signs the CRL of the certificates it issued.
  const crypto::Certificate& CrlIssuer() const override { return material_.intermediate; }
  Result<std::string> SignCrl(const crypto::CrlTemplate& tmpl) override;

  // OcspDelegation: the intermediate delegates OCSP signing for what it issued.
  const crypto::Certificate& OcspIssuer() const override { return material_.intermediate; }
  Result<crypto::Certificate> IssueOcspResponder(const crypto::PublicKey& key, TimePoint not_after) override;

  const CaMaterial& material() const { return material_; }
  // The PEM served after the leaf (the intermediate) in the default chain.
  const std::string& issuer_chain_pem() const { return issuer_chain_pem_; }

 private:
  Result<crypto::CertificateTemplate> BuildTemplate(const IssuanceRequest& request) const;

  CaMaterial material_;
  const Clock& clock_;
  std::string aia_url_;
  std::string crl_url_;
  std::string ocsp_url_;
  std::string issuer_chain_pem_;
};

}  // namespace anvil::ca
