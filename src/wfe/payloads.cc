#include "wfe/payloads.h"

#include "base/base64url.h"

namespace anvil::wfe {
namespace {

using nlohmann::json;

Result<std::optional<std::vector<std::string>>> Contacts(const json& payload) {
  if (!payload.contains("contact") || payload["contact"].is_null())
    return std::optional<std::vector<std::string>>();
  const auto& c = payload["contact"];
  if (!c.is_array()) return Error(Code::kMalformed, "\"contact\" must be an array of strings");
  std::vector<std::string> out;
  for (const auto& e : c) {
    if (!e.is_string()) return Error(Code::kMalformed, "\"contact\" must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<bool> OptionalBool(const json& payload, const char* key) {
  if (!payload.contains(key) || payload[key].is_null()) return false;
  if (!payload[key].is_boolean())
    return Error(Code::kMalformed, std::string("\"") + key + "\" must be a boolean");
  return payload[key].get<bool>();
}

Result<std::optional<TimePoint>> OptionalTime(const json& payload, const char* key) {
  ANVIL_ASSIGN_OR_RETURN(auto text, OptionalString(payload, key));
  if (!text) return std::optional<TimePoint>();
  auto t = ParseRfc3339(*text);
  if (!t.ok()) return Error(Code::kMalformed, std::string("\"") + key + "\": " + t.status().message());
  return std::optional<TimePoint>(*t);
}

Result<IdentifierPair> IdentifierOf(const json& id) {
  if (!id.is_object() || !id.contains("type") || !id["type"].is_string() || !id.contains("value") ||
      !id["value"].is_string()) {
    return Error(Code::kMalformed, "an identifier is an object with string \"type\" and \"value\"");
  }
  return std::make_pair(id["type"].get<std::string>(), id["value"].get<std::string>());
}

}  // namespace

Result<std::optional<std::string>> OptionalString(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null())
    return std::optional<std::string>();
  if (!object[key].is_string())
    return Error(Code::kMalformed, std::string("\"") + key + "\" must be a string");
  return std::optional<std::string>(object[key].get<std::string>());
}

Result<NewAccountPayload> ParseNewAccountPayload(const json& payload) {
  NewAccountPayload out;
  ANVIL_ASSIGN_OR_RETURN(out.contacts, Contacts(payload));
  auto tos = OptionalBool(payload, "termsOfServiceAgreed");
  auto only = OptionalBool(payload, "onlyReturnExisting");
  if (!tos.ok()) return tos.status();
  if (!only.ok()) return only.status();
  out.tos_agreed = *tos;
  out.only_return_existing = *only;
  if (payload.contains("externalAccountBinding") && !payload["externalAccountBinding"].is_null()) {
    auto eab = jose::ParseFlattened(payload["externalAccountBinding"], /*allow_mac=*/true);
    if (!eab.ok()) {
      return Error(eab.status().code() == Code::kBadSignatureAlgorithm ? Code::kBadSignatureAlgorithm
                                                                       : Code::kMalformed,
                   "externalAccountBinding: " + eab.status().message());
    }
    out.eab = std::move(eab).value();
  }
  return out;
}

Result<AccountUpdatePayload> ParseAccountUpdatePayload(const json& payload) {
  AccountUpdatePayload out;
  ANVIL_ASSIGN_OR_RETURN(out.status, OptionalString(payload, "status"));
  ANVIL_ASSIGN_OR_RETURN(out.contacts, Contacts(payload));
  if (out.status && *out.status != "deactivated" && *out.status != "valid") {
    return Error(Code::kMalformed, "an account's status can only be changed to \"deactivated\"");
  }
  return out;
}

Result<NewOrderPayload> ParseNewOrderPayload(const json& payload) {
  if (!payload.contains("identifiers") || !payload["identifiers"].is_array()) {
    return Error(Code::kMalformed, "newOrder needs an \"identifiers\" array");
  }
  NewOrderPayload out;
  for (const auto& id : payload["identifiers"]) {
    ANVIL_ASSIGN_OR_RETURN(IdentifierPair parsed, IdentifierOf(id));
    out.identifiers.push_back(std::move(parsed));
  }
  auto nb = OptionalTime(payload, "notBefore");
  auto na = OptionalTime(payload, "notAfter");
  auto profile = OptionalString(payload, "profile");
  auto replaces = OptionalString(payload, "replaces");
  for (const Status& s : {nb.status(), na.status(), profile.status(), replaces.status()}) {
    if (!s.ok()) return s;
  }
  out.not_before = *nb;
  out.not_after = *na;
  out.profile = profile->value_or("");
  out.replaces = replaces->value_or("");
  return out;
}

Result<std::string> ParseFinalizePayload(const json& payload) {
  ANVIL_ASSIGN_OR_RETURN(auto csr_b64, OptionalString(payload, "csr"));
  if (!csr_b64) return Error(Code::kMalformed, "finalize needs a payload with \"csr\"");
  auto csr = base64url::Decode(*csr_b64);
  if (!csr.ok()) return Error(Code::kMalformed, "\"csr\" is not base64url");
  return csr;
}

Result<std::string> ParseChallengeResponsePayload(const json& payload) {
  if (!payload.is_object()) return std::string();
  ANVIL_ASSIGN_OR_RETURN(auto att_obj_b64, OptionalString(payload, "attObj"));
  if (!att_obj_b64) return std::string();
  auto att_obj = base64url::Decode(*att_obj_b64);
  if (!att_obj.ok()) return Error(Code::kMalformed, "\"attObj\" is not base64url");
  if (att_obj->empty()) return Error(Code::kMalformed, "\"attObj\" is empty");
  return att_obj;
}

Result<IdentifierPair> ParseNewAuthzPayload(const json& payload) {
  if (!payload.is_object() || !payload.contains("identifier")) {
    return Error(Code::kMalformed, "newAuthz needs a payload with \"identifier\"");
  }
  return IdentifierOf(payload["identifier"]);
}

Status ParseAuthzUpdatePayload(const json& payload) {
  ANVIL_ASSIGN_OR_RETURN(auto status, OptionalString(payload, "status"));
  if (!status || *status != "deactivated") {
    return Error(Code::kMalformed, "an authorization can only be updated to status \"deactivated\"");
  }
  return Status::Ok();
}

Result<RevokeCertPayload> ParseRevokeCertPayload(const json& payload) {
  ANVIL_ASSIGN_OR_RETURN(auto cert_b64, OptionalString(payload, "certificate"));
  if (!cert_b64) return Error(Code::kMalformed, "revokeCert needs \"certificate\"");
  auto der = base64url::Decode(*cert_b64);
  if (!der.ok()) return Error(Code::kMalformed, "\"certificate\" is not base64url");
  RevokeCertPayload out{std::move(der).value(), 0};
  if (payload.contains("reason") && !payload["reason"].is_null()) {
    if (!payload["reason"].is_number_integer()) {
      return Error(Code::kBadRevocationReason, "\"reason\" must be an integer");
    }
    auto wide = payload["reason"].get<int64_t>();
    out.reason = wide < 0 || wide > 255 ? -1 : int(wide);
  }
  return out;
}

Result<jose::ParsedJws> ParseKeyChangeJws(const json& payload, const std::optional<std::string>& outer_url) {
  // §7.3.5: the payload is a JWS signed by the new key, with jwk, the same url, and no nonce.
  auto inner = jose::ParseFlattened(payload);
  if (!inner.ok()) return Error(inner.status().code(), "inner JWS: " + inner.status().message());
  if (!inner->header.jwk) return Error(Code::kMalformed, "inner JWS must carry the new key as jwk");
  if (inner->header.nonce) return Error(Code::kMalformed, "inner JWS must not carry a nonce");
  if (inner->header.url != outer_url) {
    // §7.3.5 asks the server to check the two are the same; a request that fails it is malformed (as Pebble).
    return Error(Code::kMalformed, "inner JWS url differs from the outer JWS url");
  }
  const jose::Jwk& new_key = *inner->header.jwk;
  if (!new_key.Supports(inner->header.alg)) {
    return Error(Code::kBadSignatureAlgorithm, "inner JWS algorithm does not fit the new key");
  }
  if (new_key.key().algorithm() == crypto::KeyAlgorithm::kRsa && new_key.key().bits() < 2048) {
    return Error(Code::kBadPublicKey, "RSA keys must have at least 2048 bits");
  }
  ANVIL_RETURN_IF_ERROR(jose::Verify(*inner, new_key.key()));
  return inner;
}

Result<jose::Jwk> ParseKeyChangeInnerPayload(std::string_view inner_payload, const std::string& account_url) {
  auto body = json::parse(inner_payload, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Error(Code::kMalformed, "inner payload must be JSON");
  ANVIL_ASSIGN_OR_RETURN(auto account, OptionalString(body, "account"));
  if (!account || *account != account_url) {
    return Error(Code::kUnauthorized, "inner payload \"account\" is not the signing account");
  }
  if (!body.contains("oldKey")) return Error(Code::kMalformed, "inner payload needs \"oldKey\"");
  auto old_key = jose::Jwk::FromJson(body["oldKey"]);
  if (!old_key.ok()) return Error(Code::kMalformed, "oldKey: " + old_key.status().message());
  return old_key;
}

}  // namespace anvil::wfe
