// The RA's External Account Binding keys (RFC 8555 §7.3.4; their lifecycle is docs/policy.md's): checking the
// binding a newAccount carries, and the operator's creation and revocation of keys.
#include <nlohmann/json.hpp>

#include "base/base64url.h"
#include "crypto/random.h"
#include "jose/eab.h"
#include "ra/registration_authority.h"

namespace anvil::ra {

Result<std::string> RegistrationAuthority::CheckEab(const NewAccountRequest& request) {
  if (!request.eab) {
    if (options_.external_account_required) {
      return Error(Code::kExternalAccountRequired, "this CA requires an external account binding");
    }
    return std::string();
  }
  ANVIL_ASSIGN_OR_RETURN(std::string kid, jose::EabKid(*request.eab, request.eab_url));
  auto key = store_.GetEabKey(kid);
  if (!key.ok()) {
    if (key.status().code() == Code::kNotFound) return Error(Code::kUnauthorized, "unknown external account key ID");
    return key.status();
  }
  // Whether the key may bind one more account (revoked, expired, used up) is the store's to decide, in the
  // account's transaction, where concurrent uses of a key's last use are ordered: CreateAccount refuses with
  // kUnauthorized saying why.
  ANVIL_RETURN_IF_ERROR(jose::VerifyEab(*request.eab, key->hmac_key, request.key));
  return kid;
}

Result<storage::EabKey> RegistrationAuthority::CreateEabKey(const EabKeyRequest& request) {
  std::lock_guard lock(policy_writes_mu_);
  ANVIL_RETURN_IF_ERROR(CheckBindable(request.policy));
  if (request.max_uses < 0) return Error(Code::kInvalidArgument, "max_uses must be 0 (any number) or more");
  if (request.lifetime && request.lifetime->count() <= 0) {
    return Error(Code::kInvalidArgument, "an EAB key's lifetime must be positive");
  }
  storage::EabKey key;
  if (!request.device.empty()) {
    const size_t colon = request.device.find(':');
    auto type = acme::ParseIdentifierType(request.device.substr(0, colon == std::string::npos ? 0 : colon));
    if (!type.ok() || !acme::IsDeviceIdentifierType(*type)) {
      return Error(Code::kInvalidArgument, "a device is named permanent-identifier:SERIAL or "
                                           "hardware-module:SERIAL/OID, not \"" + request.device.substr(0, 64) + "\"");
    }
    auto id = acme::NormalizeIdentifier(*type, request.device.substr(colon + 1));
    if (!id.ok()) return Error(Code::kInvalidArgument, id.status().message());
    key.device_identifier = acme::IdentifierText(*id);
  }
  key.kid = request.kid.empty() ? base64url::Encode(crypto::RandomBytes(12)) : request.kid;
  key.hmac_key = crypto::RandomBytes(32);
  key.comment = request.label;
  key.created_at = clock_.Now();
  key.policy = request.policy;
  if (request.lifetime) key.expires_at = key.created_at + *request.lifetime;
  key.max_uses = request.max_uses;
  nlohmann::json details = {{"label", key.comment},
                            {"policy", key.policy},
                            {"max_uses", key.max_uses},
                            {"requester", request.requester}};
  if (!key.device_identifier.empty()) details["device"] = key.device_identifier;
  if (key.expires_at) details["expires"] = FormatRfc3339(*key.expires_at);
  ANVIL_RETURN_IF_ERROR(store_.CreateEabKey(key, Audit("eab.created", "", key.kid, details.dump())));
  return key;
}

Status RegistrationAuthority::RevokeEabKey(const std::string& kid, const std::string& requester) {
  const nlohmann::json details = {{"requester", requester}};
  return store_.RevokeEabKey(kid, clock_.Now(), Audit("eab.revoked", "", kid, details.dump()));
}

}  // namespace anvil::ra
