#include "ca/admin_certificate.h"

#include <algorithm>

namespace anvil::ca {

Result<AdminCertificate> IssueAdminCertificate(const CaMaterial& ca, const std::string& name,
                                               std::chrono::seconds validity, TimePoint now) {
  if (name.empty()) return Error(Code::kInvalidArgument, "an admin certificate needs a name");
  if (validity.count() <= 0) return Error(Code::kInvalidArgument, "an admin certificate's validity must be positive");
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  crypto::CertificateTemplate t;
  t.serial = NewSerial();
  t.subject = {.common_name = name, .organization = "Anvil", .organizational_unit = "anvil-ca admin"};
  t.not_before = now - std::chrono::minutes(5);
  t.not_after = std::min(now + validity, ca.intermediate.not_after());
  t.digital_signature = true;
  t.ext_key_usages = {"clientAuth"};
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate certificate,
                         crypto::IssueCertificate(t, key.public_key(), &ca.intermediate, ca.intermediate_key));
  return AdminCertificate{std::move(key), std::move(certificate), IssuerChainPem(ca)};
}

}  // namespace anvil::ca
