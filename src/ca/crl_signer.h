// CrlSigner: what the CRL updater (publish/crl_updater.h) needs of an issuing CA — the certificate whose CRL
// it publishes and a signature over one CRL (RFC 5280 §5) with that CA's key, which stays inside the CA.
// Part of the CA's interface target (anvil_ca_api). Thread-safe implementations only.
#pragma once

#include <string>

#include "base/status.h"
#include "crypto/certificate.h"
#include "crypto/crl.h"

namespace anvil::ca {

class CrlSigner {
 public:
  virtual ~CrlSigner() = default;
  // The issuer of the certificates the CRL covers (and of the CRL: RFC 5280 §5, no indirect CRLs).
  virtual const crypto::Certificate& CrlIssuer() const = 0;
  // The DER CRL (crypto::SignCrl); kInvalidArgument for a bad template.
  virtual Result<std::string> SignCrl(const crypto::CrlTemplate& tmpl) = 0;
};

}  // namespace anvil::ca
