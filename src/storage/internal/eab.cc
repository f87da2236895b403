#include "storage/internal/eab.h"

#include <string>

#include "storage/internal/codec.h"

namespace anvil::storage::internal {

Status CheckEabUsable(const EabKey& key, TimePoint at) {
  const std::string name = "external account key " + key.kid;
  if (key.revoked_at) return Error(Code::kUnauthorized, name + " was revoked at " + FormatRfc3339(*key.revoked_at));
  if (key.expires_at && *key.expires_at <= at) {
    return Error(Code::kUnauthorized, name + " expired at " + FormatRfc3339(*key.expires_at));
  }
  if (key.max_uses > 0 && key.uses >= key.max_uses) {
    return Error(Code::kUnauthorized, name + " has been used " + std::to_string(key.uses) + " of " +
                                          std::to_string(key.max_uses) + " times");
  }
  return Status::Ok();
}

AuditEvent EabUsedAudit(const EabKey& key, const Account& account) {
  AuditEvent e;
  e.at = account.created_at;
  e.kind = "eab.used";
  e.account_id = account.id;
  e.subject = key.kid;
  e.details_json = "{\"label\":" + JsonQuote(key.comment) + ",\"policy\":" + JsonQuote(key.policy) +
                   ",\"use\":" + std::to_string(key.uses) + ",\"max_uses\":" + std::to_string(key.max_uses) + "}";
  return e;
}

}  // namespace anvil::storage::internal
