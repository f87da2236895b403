// dns-01 (RFC 8555 §8.4): a TXT record at _acme-challenge.NAME whose value is base64url(SHA-256(key
// authorization)). Look-ups go through the DnsResolver (CNAMEs followed there).
#include "base/base64url.h"
#include "crypto/digest.h"
#include "va/common.h"
#include "va/network_validator.h"

namespace anvil::va {

ValidationResult ValidateDns01(const ValidationRequest& request, DnsResolver& resolver) {
  ValidationResult result;
  const acme::Identifier& id = request.identifier;
  // RFC 8738 §7: "dns-01 ... MUST NOT be used to validate IP identifiers" (there is no reverse-zone variant).
  if (id.type != acme::IdentifierType::kDns) {
    result.status = Error(Code::kMalformed, "dns-01 cannot validate an IP identifier (RFC 8738 §7)");
    return result;
  }
  // §8.4 / §7.1.3: a wildcard authorization is validated at the base name.
  const std::string name = "_acme-challenge." + id.authorization_value();
  ValidationRecord record;
  record.hostname = id.authorization_value();
  result.records.push_back(record);

  auto txts = resolver.LookupTxt(name);
  if (!txts.ok()) {
    result.status = txts.status();
    return result;
  }
  if (txts->empty()) {
    result.status = Error(Code::kUnauthorized, "No TXT record found at " + name);
    return result;
  }
  const std::string expected = base64url::Encode(crypto::Sha256(request.key_authorization));
  for (const std::string& txt : *txts) {
    // Compared exactly: RFC 8555 §8.4 has no whitespace tolerance for the record value.
    if (txt == expected) {
      result.status = Status::Ok();
      return result;
    }
  }
  const size_t n = txts->size();
  // Records were found but none is the digest: the response does not match (RFC 8555 §6.7 incorrectResponse).
  result.status = Error(Code::kIncorrectResponse,
                        "Incorrect TXT record " + internal::QuoteForDetail(txts->front()) +
                            (n > 1 ? " (and " + std::to_string(n - 1) + " more)" : "") + " found at " + name +
                            ": " + std::to_string(n) + (n == 1 ? " record" : " records") + ", none matching");
  return result;
}

}  // namespace anvil::va
