#include "jose/eab.h"

#include "base/base64url.h"
#include "crypto/digest.h"
#include "jose/json_util.h"

namespace anvil::jose {
namespace {

using nlohmann::json;

std::string SigningInput(std::string_view protected_b64, std::string_view payload_b64) {
  return std::string(protected_b64) + "." + std::string(payload_b64);
}

}  // namespace

Result<json> SignEab(std::string_view kid, std::string_view hmac_key, Algorithm mac_alg,
                     const Jwk& account_jwk, std::string_view url) {
  if (!IsMacAlgorithm(mac_alg)) return Error(Code::kInvalidArgument, "EAB needs HS256, HS384 or HS512");
  if (hmac_key.empty()) return Error(Code::kInvalidArgument, "EAB MAC key is empty");
  json header = {
      {"alg", std::string(AlgorithmName(mac_alg))}, {"kid", std::string(kid)}, {"url", std::string(url)}};
  ANVIL_ASSIGN_OR_RETURN(std::string header_text, internal::DumpJson(header));
  ANVIL_ASSIGN_OR_RETURN(std::string payload_text, internal::DumpJson(account_jwk.ToJson()));
  const std::string protected_b64 = base64url::Encode(header_text);
  const std::string payload_b64 = base64url::Encode(payload_text);
  const std::string mac =
      crypto::Hmac(DigestFor(mac_alg), hmac_key, SigningInput(protected_b64, payload_b64));
  return json{{"protected", protected_b64}, {"payload", payload_b64}, {"signature", base64url::Encode(mac)}};
}

Result<std::string> EabKid(const ParsedJws& inner, std::string_view url) {
  const ProtectedHeader& header = inner.header;
  // RFC 8555 §7.3.4: "The 'alg' field MUST indicate a MAC-based algorithm".
  if (!IsMacAlgorithm(header.alg)) {
    return Error(Code::kBadSignatureAlgorithm, "externalAccountBinding must use HS256, HS384 or HS512");
  }
  // "The 'nonce' field MUST NOT be present".
  if (header.nonce) return Error(Code::kMalformed, "externalAccountBinding must not contain a nonce");
  // "The 'url' field MUST be set to the same value as the outer JWS".
  if (!header.url || *header.url != url) {
    return Error(Code::kUnauthorized, "externalAccountBinding url does not match the request url");
  }
  // "The 'kid' field MUST contain the key identifier provided by the CA".
  if (!header.kid || header.kid->empty()) return Error(Code::kMalformed, "externalAccountBinding has no kid");
  return *header.kid;
}

Status VerifyEab(const ParsedJws& inner, std::string_view hmac_key, const Jwk& account_jwk) {
  if (!IsMacAlgorithm(inner.header.alg)) {
    return Error(Code::kBadSignatureAlgorithm, "externalAccountBinding must use HS256, HS384 or HS512");
  }
  const Status mismatch(Code::kUnauthorized, "externalAccountBinding MAC does not verify");
  if (hmac_key.empty()) return mismatch;
  const std::string expected = crypto::Hmac(DigestFor(inner.header.alg), hmac_key,
                                            SigningInput(inner.protected_b64, inner.payload_b64));
  if (!crypto::ConstantTimeEquals(expected, inner.signature)) return mismatch;

  // "The payload of this JWS MUST be the JWK of the account key" of the outer JWS.
  json payload = internal::ParseJson(inner.payload);
  if (payload.is_discarded() || !payload.is_object()) {
    return Error(Code::kMalformed, "externalAccountBinding payload is not a JSON object");
  }
  auto jwk = Jwk::FromJson(payload);
  if (!jwk.ok()) return Error(Code::kMalformed, "externalAccountBinding payload: " + jwk.status().message());
  if (jwk->Thumbprint() != account_jwk.Thumbprint()) {
    return Error(Code::kUnauthorized, "externalAccountBinding payload is not the account key");
  }
  return Status::Ok();
}

}  // namespace anvil::jose
