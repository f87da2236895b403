// Fuzzes what the agent (anvil) reads back as PEM, DER, TOML or JSON: certificate chains (a CA's download,
// fullchain.pem, --ca-bundle), single certificates (cert.pem, a renewal check), private keys (key.pem of an
// account or a lineage), public keys, a lineage's lineage.toml and an account's account.json
// (agent/state_dir.h). A state directory may have been edited by hand or half-written by a crash; none of it
// may crash the agent.
//
// Input: the first byte chooses the reader (modulo the number of kinds), the rest is the file.
//
// Invariants: no exception escapes, a certificate chain / certificate / key written back (ToPem, ToDer) reads
// as the same, and a lineage written back (LineageToToml) reads as the same lineage.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/state_dir.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "fuzz_check.h"

namespace {

using anvil::crypto::Certificate;

void CheckCertificate(const Certificate& cert) {
  (void)cert.serial_hex();
  (void)cert.not_before();
  (void)cert.not_after();
  (void)cert.subject();
  (void)cert.issuer();
  (void)cert.subject_common_name();
  (void)cert.dns_names();
  (void)cert.ip_addresses();
  (void)cert.subject_key_id();
  (void)cert.authority_key_id();
  (void)cert.is_ca();
  (void)cert.ext_key_usages();
  (void)cert.acme_identifier();
  (void)cert.public_key().ToDer();
  auto der = Certificate::FromDer(cert.ToDer());
  FUZZ_CHECK(der.ok() && der->ToDer() == cert.ToDer(), "certificate DER changed in a round trip");
  auto pem = Certificate::FromPem(cert.ToPem());
  FUZZ_CHECK(pem.ok() && pem->ToDer() == cert.ToDer(), "certificate PEM changed in a round trip");
}

bool SameLineage(const anvil::agent::LineageConfig& a, const anvil::agent::LineageConfig& b) {
  // dns_propagation_timeout is written only for dns-01 (it means nothing for the other challenges).
  return a.server == b.server && a.names == b.names && a.key_type == b.key_type &&
         a.reuse_key == b.reuse_key && a.csr == b.csr && a.challenge == b.challenge &&
         a.http_address == b.http_address && a.http_port == b.http_port && a.webroot == b.webroot &&
         a.dns_hook == b.dns_hook && a.dns_propagation_seconds == b.dns_propagation_seconds &&
         (a.challenge != "dns-01" || a.dns_propagation_timeout == b.dns_propagation_timeout) &&
         a.dns_resolvers == b.dns_resolvers && a.rfc2136_server == b.rfc2136_server &&
         a.rfc2136_zone == b.rfc2136_zone && a.tsig_key == b.tsig_key &&
         a.tls_alpn_address == b.tls_alpn_address && a.tls_alpn_port == b.tls_alpn_port &&
         a.profile == b.profile && a.preferred_chain == b.preferred_chain && a.ca_bundle == b.ca_bundle &&
         a.deploy_hook == b.deploy_hook && a.last_attempt == b.last_attempt &&
         a.last_result == b.last_result && a.ari_window == b.ari_window && a.next_renewal == b.next_renewal;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr int kKinds = 6;
  const int kind = data[0] % kKinds;
  std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (kind) {
    case 0: {
      auto chain = Certificate::ChainFromPem(file);
      if (!chain.ok()) break;
      std::string pem;
      for (const auto& cert : *chain) {
        CheckCertificate(cert);
        pem += cert.ToPem();
      }
      auto again = Certificate::ChainFromPem(pem);
      FUZZ_CHECK(again.ok() && again->size() == chain->size(), "chain changed in a round trip");
      break;
    }
    case 1: {
      auto cert = Certificate::FromDer(file);
      if (cert.ok()) CheckCertificate(*cert);
      auto from_pem = Certificate::FromPem(file);
      if (from_pem.ok()) CheckCertificate(*from_pem);
      break;
    }
    case 2: {
      auto key = anvil::crypto::PrivateKey::FromPem(file);
      if (!key.ok()) break;
      auto again = anvil::crypto::PrivateKey::FromPem(key->ToPem());
      FUZZ_CHECK(again.ok() && again->public_key() == key->public_key(),
                 "private key changed in a round trip");
      break;
    }
    case 3: {
      for (auto key : {anvil::crypto::PublicKey::FromPem(file), anvil::crypto::PublicKey::FromDer(file)}) {
        if (!key.ok()) continue;
        auto again = anvil::crypto::PublicKey::FromDer(key->ToDer());
        FUZZ_CHECK(again.ok() && *again == *key, "public key changed in a round trip");
        auto pem = anvil::crypto::PublicKey::FromPem(key->ToPem());
        FUZZ_CHECK(pem.ok() && *pem == *key, "public key PEM changed in a round trip");
      }
      break;
    }
    case 4: {
      auto lineage = anvil::agent::LineageFromToml(file, "lineage.toml");
      if (!lineage.ok()) break;
      lineage->name = "fuzz";
      auto again = anvil::agent::LineageFromToml(anvil::agent::LineageToToml(*lineage), "lineage.toml");
      FUZZ_CHECK(again.ok(), "a lineage written back is refused: " + again.status().ToString());
      FUZZ_CHECK(SameLineage(*lineage, *again), "lineage changed in a round trip");
      break;
    }
    case 5: {
      auto account = anvil::agent::AccountFromJson(file, "https://acme.test/directory");
      if (account.ok() && *account) FUZZ_CHECK(!(*account)->url.empty(), "an account without URL");
      break;
    }
  }
  return 0;
}
