// Fuzzes the JWK parser (jose::Jwk::FromJson: EC P-256/384/521, RSA, Ed25519; RFC 7517, 7518 §6, 8037),
// which reads the key of every newAccount, revokeCert and key rollover, and an EAB payload.
//
// Invariants: a refusal is a client error; an accepted key's ToJson parses back to the same key with the same
// RFC 7638 thumbprint, and its required members are exactly what the thumbprint hashes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "jose/jwk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json json = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  auto jwk = anvil::jose::Jwk::FromJson(json);
  if (!jwk.ok()) {
    anvil::fuzz::CheckClientRefusal(jwk.status(), "Jwk::FromJson");
    return 0;
  }
  nlohmann::json members = jwk->ToJson();
  auto round = anvil::jose::Jwk::FromJson(members);
  FUZZ_CHECK(round.ok(), round.status().ToString());
  FUZZ_CHECK(*round == *jwk, "JWK changed in ToJson/FromJson");
  FUZZ_CHECK(round->Thumbprint() == jwk->Thumbprint(), "thumbprint changed");
  auto from_key = anvil::jose::Jwk::FromPublicKey(jwk->key());
  FUZZ_CHECK(from_key.ToJson() == members, "FromPublicKey differs");
  return 0;
}
