// device-attest-01 (draft-ietf-acme-device-attest-09 §5): the attestation object the client sent, verified
// against the configured roots by attest::VerifyAttestation, and the evidence the RA stores
// (docs/device-attestation.md, "Evidence"). No network. Thread-safe.
#include <nlohmann/json.hpp>

#include "attest/attestation.h"
#include "base/base64url.h"
#include "va/network_validator.h"

namespace anvil::va {

ValidationResult ValidateDeviceAttest01(const ValidationRequest& request, const attest::TrustAnchors& anchors,
                                        TimePoint now) {
  ValidationResult result;
  if (!acme::IsDeviceIdentifierType(request.identifier.type)) {
    result.status = Error(Code::kMalformed, "device-attest-01 is only for permanent-identifier and hardware-module");
    return result;
  }
  if (request.attestation_object.empty()) {
    result.status = Error(Code::kBadAttestationStatement, "the response has no attestation object (attObj)");
    return result;
  }
  attest::AttestationInput input;
  input.att_obj = request.attestation_object;
  input.identifier = request.identifier;
  input.token = request.token;
  input.key_authorization = request.key_authorization;
  input.now = now;
  Result<attest::Evidence> evidence = attest::VerifyAttestation(input, anchors);
  if (!evidence.ok()) {
    // Every refusal is badAttestationStatement (§5), whatever code a lower layer used.
    result.status = Error(Code::kBadAttestationStatement, evidence.status().message());
    return result;
  }
  nlohmann::json identifiers = nlohmann::json::array();
  for (const auto& id : evidence->identifiers) identifiers.push_back(acme::IdentifierText(id));
  nlohmann::json record = {{"format", evidence->format},
                           {"public_key", base64url::Encode(evidence->public_key_der)},
                           {"identifiers", std::move(identifiers)},
                           {"chain_sha256", evidence->chain_sha256},
                           {"claims", evidence->claims}};
  result.attestation_json = record.dump();
  result.status = Status::Ok();
  return result;
}

}  // namespace anvil::va
