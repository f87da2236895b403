// Client certificates for the admin API's administrators (`anvil-ca admin cert issue`, docs/admin-api.md): a new
// P-256 key and a certificate for it from the CA's issuing intermediate, with clientAuth only and the
// administrator's name as its subject. The certificate alone grants nothing: the admin API accepts it only while
// its record (storage::AdminCredential) exists and is not revoked. Not thread-safe (command-line code).
#pragma once

#include <chrono>
#include <string>

#include "base/status.h"
#include "base/time.h"
#include "ca/ca_material.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::ca {

struct AdminCertificate {
  crypto::PrivateKey key;
  crypto::Certificate certificate;
  std::string issuer_chain_pem;  // IssuerChainPem(ca): served after the leaf
};

// Subject "CN=<name>, OU=anvil-ca admin, O=Anvil",
// valid from 5 minutes before `now` for `validity` (no longer than the intermediate). kInvalidArgument for an
// empty name or a validity that is not positive.
Result<AdminCertificate> IssueAdminCertificate(const CaMaterial& ca, const std::string& name,
                                               std::chrono::seconds validity, TimePoint now);

}  // namespace anvil::ca
