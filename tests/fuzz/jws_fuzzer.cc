// Fuzzes the flattened JWS parser every ACME request goes through first (jose::ParseFlattened, RFC 7515
// §7.2.2 with RFC 8555 §6.2's restrictions), as an account request and as an EAB inner JWS (allow_mac), then
// the signature check with the header's own key.
//
// Invariants: a refusal is a client error (never a 5xx); a parsed JWS re-serialized from its three members
// parses to the same header, payload and signature; its embedded JWK survives ToJson → FromJson with the same
// key and thumbprint; Verify refuses or accepts without crashing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "jose/jws.h"

namespace {

using anvil::fuzz::CheckClientRefusal;
using anvil::jose::ParsedJws;

void CheckParsed(const ParsedJws& jws, bool allow_mac) {
  nlohmann::json again = {
      {"protected", jws.protected_b64}, {"payload", jws.payload_b64}, {"signature", jws.signature_b64}};
  auto reparsed = anvil::jose::ParseFlattened(again, allow_mac);
  FUZZ_CHECK(reparsed.ok(), reparsed.status().ToString());
  FUZZ_CHECK(reparsed->header.raw == jws.header.raw, "header changed");
  FUZZ_CHECK(reparsed->payload == jws.payload && reparsed->signature == jws.signature, "payload changed");
  FUZZ_CHECK(reparsed->header.alg == jws.header.alg, "alg changed");
  if (jws.header.jwk) {
    const anvil::jose::Jwk& jwk = *jws.header.jwk;
    auto round = anvil::jose::Jwk::FromJson(jwk.ToJson());
    FUZZ_CHECK(round.ok(), round.status().ToString());
    FUZZ_CHECK(*round == jwk, "JWK changed in ToJson/FromJson");
    FUZZ_CHECK(round->Thumbprint() == jwk.Thumbprint(), "thumbprint changed");
    anvil::Status verified = anvil::jose::Verify(jws, jwk.key());
    if (!verified.ok()) CheckClientRefusal(verified, "Verify");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (bool allow_mac : {false, true}) {
    auto jws = anvil::jose::ParseFlattened(body, allow_mac);
    if (jws.ok()) {
      CheckParsed(*jws, allow_mac);
    } else {
      CheckClientRefusal(jws.status(), allow_mac ? "ParseFlattened(mac)" : "ParseFlattened");
    }
  }
  return 0;
}
