// The EAB keys' endpoints (RFC 8555 §7.3.4; operator role). Thin on purpose: what a key holds and how it is
// made is EabKeyStore's and `anvil-ca eab create`'s; these list and create through the same store calls. The
// HMAC key is in the create response only, once.
#include <string>

#include "admin/handlers.h"
#include "base/base64url.h"
#include "crypto/random.h"

namespace anvil::admin {
namespace {

nlohmann::json EabJson(const storage::EabKey& k) {
  return {{"kid", k.kid}, {"account", k.account_id}, {"comment", k.comment}, {"created_at", FormatRfc3339(k.created_at)}};
}

Result<Reply> ListEabKeys(const HandlerDeps& deps, const Call&) {
  ANVIL_ASSIGN_OR_RETURN(std::vector<storage::EabKey> keys, deps.store.ListEabKeys());
  nlohmann::json out = {{"keys", nlohmann::json::array()}};
  for (const storage::EabKey& k : keys) out["keys"].push_back(EabJson(k));
  return Reply{200, out};
}

Result<Reply> CreateEabKey(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(nlohmann::json body, call.JsonBody());
  for (const char* field : {"kid", "comment"}) {
    if (body.contains(field) && !body[field].is_string()) {
      return Error(Code::kInvalidArgument, "\"" + std::string(field) + "\" must be a string");
    }
  }
  storage::EabKey key;
  key.kid = body.value("kid", "");
  if (key.kid.empty()) key.kid = base64url::Encode(crypto::RandomBytes(12));
  if (key.kid.size() > 128) return Error(Code::kInvalidArgument, "\"kid\" is longer than 128 characters");
  key.hmac_key = crypto::RandomBytes(32);
  key.comment = body.value("comment", "");
  key.created_at = deps.clock.Now();
  ANVIL_RETURN_IF_ERROR(deps.store.CreateEabKey(key));
  nlohmann::json out = EabJson(key);
  out["created_at"] = FormatRfc3339(FromUnixSeconds(ToUnixSeconds(key.created_at)));
  out["hmac_key"] = base64url::Encode(key.hmac_key);  // base64url, as ACME clients take it
  return Reply{201, out};
}

}  // namespace

void AddEabRoutes(AdminApi& api, const HandlerDeps& deps) {
  api.Add({"GET", "/eab-keys", Role::kOperator, Bind(deps, ListEabKeys)});
  api.Add({"POST", "/eab-keys", Role::kOperator, Bind(deps, CreateEabKey)});
}

}  // namespace anvil::admin
