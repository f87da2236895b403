// The EAB keys' endpoints (RFC 8555 §7.3.4, their lifecycle docs/policy.md's; operator role). Keys are made and
// revoked through the RA, as `anvil-ca eab create|revoke` does: checked against the configured policies and
// audited with the caller. The HMAC key is in the create response only, once.
#include <string>

#include "admin/handlers.h"
#include "admin/inventory_view.h"
#include "base/base64url.h"

namespace anvil::admin {
namespace {

Result<Reply> ListEabKeys(const HandlerDeps& deps, const Call&) {
  ANVIL_ASSIGN_OR_RETURN(std::vector<storage::EabKey> keys, deps.store.ListEabKeys());
  const TimePoint now = deps.clock.Now();
  nlohmann::json out = {{"keys", nlohmann::json::array()}};
  for (const storage::EabKey& k : keys) out["keys"].push_back(EabKeyJson(k, now));
  return Reply{200, out};
}

Result<Reply> CreateEabKey(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(nlohmann::json body, call.JsonBody());
  for (const char* field : {"kid", "label", "policy", "device"}) {
    if (body.contains(field) && !body[field].is_string()) {
      return Error(Code::kInvalidArgument, "\"" + std::string(field) + "\" must be a string");
    }
  }
  for (const char* field : {"max_uses", "expires_in_seconds"}) {
    if (body.contains(field) && !body[field].is_number_integer()) {
      return Error(Code::kInvalidArgument, "\"" + std::string(field) + "\" must be an integer");
    }
  }
  ra::EabKeyRequest request;
  request.kid = body.value("kid", "");
  if (request.kid.size() > 128) return Error(Code::kInvalidArgument, "\"kid\" is longer than 128 characters");
  request.label = body.value("label", "");
  request.policy = body.value("policy", "");
  request.max_uses = body.value("max_uses", int64_t{1});
  request.device = body.value("device", "");
  if (body.contains("expires_in_seconds")) request.lifetime = std::chrono::seconds(body["expires_in_seconds"].get<int64_t>());
  request.requester = RequesterName(call.caller);
  ANVIL_ASSIGN_OR_RETURN(storage::EabKey key, deps.ra.CreateEabKey(request));
  nlohmann::json out = EabKeyJson(key, key.created_at);
  out["hmac_key"] = base64url::Encode(key.hmac_key);  // base64url, as ACME clients take it
  return Reply{201, out};
}

Result<Reply> RevokeEabKey(const HandlerDeps& deps, const Call& call) {
  const std::string& kid = call.path.at("kid");
  ANVIL_RETURN_IF_ERROR(deps.ra.RevokeEabKey(kid, RequesterName(call.caller)));
  ANVIL_ASSIGN_OR_RETURN(storage::EabKey key, deps.store.GetEabKey(kid));
  return Reply{200, EabKeyJson(key, deps.clock.Now())};
}

}  // namespace

void AddEabRoutes(AdminApi& api, const HandlerDeps& deps) {
  api.Add({"GET", "/eab-keys", Role::kOperator, Bind(deps, ListEabKeys)});
  api.Add({"POST", "/eab-keys", Role::kOperator, Bind(deps, CreateEabKey)});
  api.Add({"POST", "/eab-keys/{kid}/revoke", Role::kOperator, Bind(deps, RevokeEabKey)});
}

}  // namespace anvil::admin
