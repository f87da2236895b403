#include "jose/jws.h"

#include <array>

#include "base/base64url.h"
#include "jose/json_util.h"

namespace anvil::jose {
namespace {

using nlohmann::json;

constexpr std::array<const char*, 3> kFlattenedMembers = {"protected", "payload", "signature"};

Result<std::string> DecodeMember(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return Error(Code::kMalformed, std::string("JWS member \"") + name + "\" is missing or not a string");
  }
  return it->get<std::string>();
}

Status UnsupportedAlgorithm(std::string_view name) {
  return Error(Code::kBadSignatureAlgorithm,
               "unsupported JWS algorithm \"" + std::string(name) +
                   "\"; supported: " + std::string(SupportedSignatureAlgorithms()));
}

// An optional header member that must be a string when present.
Result<std::optional<std::string>> OptionalString(const json& header, const char* name) {
  auto it = header.find(name);
  if (it == header.end()) return std::optional<std::string>();
  if (!it->is_string())
    return Error(Code::kMalformed, std::string("JWS header \"") + name + "\" is not a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<ProtectedHeader> ParseHeader(const std::string& text, bool allow_mac) {
  json raw = internal::ParseJson(text);
  if (raw.is_discarded() || !raw.is_object()) {
    return Error(Code::kMalformed, "JWS protected header is not a JSON object");
  }
  ProtectedHeader header;
  auto alg_it = raw.find("alg");
  if (alg_it == raw.end() || !alg_it->is_string()) {
    return Error(Code::kMalformed, "JWS protected header has no \"alg\" string");
  }
  const std::string alg_name = alg_it->get<std::string>();
  // RFC 8555 §6.2: "alg" MUST NOT be "none" nor a MAC (only the EAB inner JWS uses a MAC, §7.3.4).
  auto alg = ParseAlgorithm(alg_name);
  if (!alg || (IsMacAlgorithm(*alg) && !allow_mac)) return UnsupportedAlgorithm(alg_name);
  header.alg = *alg;
  // Unencoded payloads (RFC 7797) and critical extensions have no place in ACME; refusing them is safer
  // than ignoring a header the sender declared must be understood (RFC 7515 §4.1.11).
  if (raw.contains("b64") || raw.contains("crit")) {
    return Error(Code::kMalformed, "JWS header \"b64\" and \"crit\" are not supported");
  }
  ANVIL_ASSIGN_OR_RETURN(header.kid, OptionalString(raw, "kid"));
  ANVIL_ASSIGN_OR_RETURN(header.nonce, OptionalString(raw, "nonce"));
  ANVIL_ASSIGN_OR_RETURN(header.url, OptionalString(raw, "url"));
  if (auto jwk_it = raw.find("jwk"); jwk_it != raw.end()) {
    auto jwk = Jwk::FromJson(*jwk_it);
    if (!jwk.ok()) {
      if (jwk.status().code() == Code::kMalformed)
        return Error(Code::kMalformed, "JWS header \"jwk\" is not an object");
      return jwk.status();
    }
    // RFC 7517 §4.4: a key that names its algorithm is used with that one only; the key is then unacceptable
    // for this request (badPublicKey, as Pebble answers).
    if (!jwk->declared_alg().empty() && jwk->declared_alg() != alg_name) {
      return Error(Code::kBadPublicKey, "the JWK's \"alg\" (" + jwk->declared_alg().substr(0, 16) +
                                                     ") differs from the JWS's (" + alg_name + ")");
    }
    header.jwk = std::move(jwk).value();
  }
  // RFC 8555 §6.2: "The 'jwk' and 'kid' fields are mutually exclusive", and one of them identifies the key.
  if (!allow_mac && header.jwk.has_value() == header.kid.has_value()) {
    return Error(Code::kMalformed, "JWS header must contain exactly one of \"jwk\" and \"kid\"");
  }
  header.raw = std::move(raw);
  return header;
}

}  // namespace

Result<ParsedJws> ParseFlattened(std::string_view body, bool allow_mac) {
  json object = internal::ParseJson(body);
  if (object.is_discarded()) return Error(Code::kMalformed, "request body is not JSON");
  return ParseFlattened(object, allow_mac);
}

Result<ParsedJws> ParseFlattened(const std::string& body, bool allow_mac) {
  return ParseFlattened(std::string_view(body), allow_mac);
}

Result<ParsedJws> ParseFlattened(const char* body, bool allow_mac) {
  return ParseFlattened(std::string_view(body == nullptr ? "" : body), allow_mac);
}

Result<ParsedJws> ParseFlattened(const json& object, bool allow_mac) {
  if (!object.is_object()) return Error(Code::kMalformed, "JWS is not a JSON object");
  // RFC 8555 §6.2: flattened serialization only, no unprotected header.
  if (object.contains("signatures")) {
    return Error(Code::kMalformed, "general JWS serialization is not allowed; use the flattened one");
  }
  if (object.contains("header")) return Error(Code::kMalformed, "unprotected JWS header is not allowed");
  for (const auto& [name, value] : object.items()) {
    (void)value;
    bool known = false;
    for (const char* member : kFlattenedMembers) known = known || name == member;
    if (!known) return Error(Code::kMalformed, "unexpected JWS member \"" + name + "\"");
  }
  ParsedJws jws;
  ANVIL_ASSIGN_OR_RETURN(jws.protected_b64, DecodeMember(object, "protected"));
  ANVIL_ASSIGN_OR_RETURN(jws.payload_b64, DecodeMember(object, "payload"));
  ANVIL_ASSIGN_OR_RETURN(jws.signature_b64, DecodeMember(object, "signature"));

  auto header_text = base64url::Decode(jws.protected_b64);
  if (!header_text.ok()) return Error(Code::kMalformed, "JWS \"protected\" is not unpadded base64url");
  auto payload = base64url::Decode(jws.payload_b64);
  if (!payload.ok()) return Error(Code::kMalformed, "JWS \"payload\" is not unpadded base64url");
  auto signature = base64url::Decode(jws.signature_b64);
  if (!signature.ok()) return Error(Code::kMalformed, "JWS \"signature\" is not unpadded base64url");
  jws.payload = std::move(payload).value();
  jws.signature = std::move(signature).value();

  ANVIL_ASSIGN_OR_RETURN(jws.header, ParseHeader(*header_text, allow_mac));
  return jws;
}

Status Verify(const ParsedJws& jws, const crypto::PublicKey& key) {
  const Algorithm alg = jws.header.alg;
  if (!KeySupports(key, alg)) {
    return Error(Code::kBadSignatureAlgorithm, "JWS algorithm " + std::string(AlgorithmName(alg)) +
                                                   " does not fit the key; the key signs with " +
                                                   std::string(AlgorithmName(DefaultAlgorithm(key))));
  }
  const Status failed(Code::kMalformed, "JWS signature verification failed");
  const std::string signing_input = jws.protected_b64 + "." + jws.payload_b64;  // RFC 7515 §5.2 step 8.
  std::string signature = jws.signature;
  if (key.algorithm() == crypto::KeyAlgorithm::kEc) {
    // RFC 7518 §3.4: exactly r||s, each the coordinate length; anything else is not a valid signature.
    if (signature.size() != 2 * crypto::CurveCoordinateLength(*key.curve())) return failed;
    auto der = crypto::EcdsaRawToDer(signature);
    if (!der.ok()) return failed;
    signature = std::move(der).value();
  }
  if (!key.Verify(DigestFor(alg), signing_input, signature)) return failed;
  return Status::Ok();
}

Result<json> SignJson(const crypto::PrivateKey& key, Algorithm alg, const json& header,
                      std::string_view payload) {
  if (!header.is_object() && !header.is_null())
    return Error(Code::kInvalidArgument, "JWS header must be an object");
  const crypto::PublicKey pub = key.public_key();
  if (!KeySupports(pub, alg)) {
    return Error(Code::kInvalidArgument, "cannot sign " + std::string(AlgorithmName(alg)) + " with this key");
  }
  json protected_header = header.is_null() ? json::object() : header;
  protected_header["alg"] = std::string(AlgorithmName(alg));
  ANVIL_ASSIGN_OR_RETURN(std::string header_text, internal::DumpJson(protected_header));
  const std::string protected_b64 = base64url::Encode(header_text);
  const std::string payload_b64 = base64url::Encode(payload);  // "" for POST-as-GET.
  ANVIL_ASSIGN_OR_RETURN(std::string signature, key.Sign(DigestFor(alg), protected_b64 + "." + payload_b64));
  if (pub.algorithm() == crypto::KeyAlgorithm::kEc) {
    ANVIL_ASSIGN_OR_RETURN(signature, crypto::EcdsaDerToRaw(signature, *pub.curve()));
  }
  return json{
      {"protected", protected_b64}, {"payload", payload_b64}, {"signature", base64url::Encode(signature)}};
}

Result<std::string> Sign(const crypto::PrivateKey& key, Algorithm alg, const json& header,
                         std::string_view payload) {
  ANVIL_ASSIGN_OR_RETURN(json jws, SignJson(key, alg, header, payload));
  return internal::DumpJson(jws);
}

}  // namespace anvil::jose
