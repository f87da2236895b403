// Fuzzes the PKCS #10 parser (crypto::Csr::FromDer/FromPem, what finalize's "csr" and the agent's --csr file
// go through) and everything the RA reads from a parsed CSR before it issues (ra_orders.cc,
// CheckCsrMatchesOrder): the signature, the key, its strength checks (crypto/weak_keys.h: small factors,
// Fermat, ROCA), its JWK thumbprint, the SAN's DNS names and IP addresses and the CN, normalized as
// identifiers.
//
// Invariants: a refusal is a client error; an accepted CSR re-encodes (ToDer, ToPem) to one that parses to
// the same names, addresses, CN and key; an IP address the parser produced is canonical (normalizing it
// changes nothing).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "acme/types.h"
#include "crypto/csr.h"
#include "crypto/weak_keys.h"
#include "fuzz_check.h"
#include "jose/jwk.h"

namespace {

using anvil::crypto::Csr;
using anvil::fuzz::CheckClientRefusal;

void Check(const Csr& csr) {
  (void)csr.VerifySignature();
  anvil::crypto::PublicKey key = csr.public_key();
  anvil::Status strong = anvil::crypto::CheckKeyStrength(key);
  if (!strong.ok()) CheckClientRefusal(strong, "CheckKeyStrength");
  (void)anvil::jose::Jwk::FromPublicKey(key).Thumbprint();
  for (const auto& name : csr.dns_names()) {
    auto id = anvil::acme::NormalizeIdentifier(anvil::acme::IdentifierType::kDns, name);
    if (!id.ok()) CheckClientRefusal(id.status(), "NormalizeIdentifier(dns)");
  }
  for (const auto& ip : csr.ip_addresses()) {
    auto id = anvil::acme::NormalizeIdentifier(anvil::acme::IdentifierType::kIp, ip);
    FUZZ_CHECK(id.ok(), "the CSR parser's IP address \"" + ip + "\" is refused: " + id.status().ToString());
    FUZZ_CHECK(id->value == ip, "the CSR parser's IP address \"" + ip + "\" is not canonical: " + id->value);
  }
  std::string cn = csr.subject_common_name();
  (void)anvil::acme::NormalizeIdentifier(anvil::acme::IdentifierType::kDns, cn);
  (void)anvil::acme::NormalizeIdentifier(anvil::acme::IdentifierType::kIp, cn);
  (void)csr.other_san_entries();
  (void)csr.other_requested_extension_oids();

  for (const std::string& encoded : {csr.ToDer(), csr.ToPem()}) {
    auto again = encoded == csr.ToDer() ? Csr::FromDer(encoded) : Csr::FromPem(encoded);
    FUZZ_CHECK(again.ok(), "re-encoded CSR refused: " + again.status().ToString());
    FUZZ_CHECK(again->ToDer() == csr.ToDer(), "DER changed in a round trip");
    FUZZ_CHECK(again->dns_names() == csr.dns_names() && again->ip_addresses() == csr.ip_addresses() &&
                   again->subject_common_name() == cn && again->public_key() == key,
               "CSR contents changed in a round trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto der = Csr::FromDer(input);
  if (der.ok()) {
    Check(*der);
  } else {
    CheckClientRefusal(der.status(), "Csr::FromDer");
  }
  auto pem = Csr::FromPem(input);
  if (pem.ok()) {
    Check(*pem);
  } else {
    CheckClientRefusal(pem.status(), "Csr::FromPem");
  }
  return 0;
}
