// Temporary: stands in for dns01.cc and tls_alpn01.cc while anvil_crypto / anvil_http do not exist yet.
#include "va/validator.h"

namespace anvil::va {

ValidationResult ValidateDns01(const ValidationRequest&, DnsResolver&) {
  ValidationResult r;
  r.status = Error(Code::kServerInternal, "dns-01 validation is not built (anvil_crypto missing)");
  return r;
}

ValidationResult ValidateTlsAlpn01(const ValidationRequest&, const ValidatorOptions&, DnsResolver&) {
  ValidationResult r;
  r.status = Error(Code::kServerInternal, "tls-alpn-01 validation is not built (anvil_http missing)");
  return r;
}

}  // namespace anvil::va
