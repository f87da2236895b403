// The EAB key lifecycle rules both backends apply when an account is created with a key (docs/policy.md).
// Private to src/storage. Pure functions; thread-safe.
#pragma once

#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"

namespace anvil::storage::internal {

// OK if `key` may bind one more account at `at`; else kUnauthorized saying why: revoked, expired, or used
// max_uses times.
Status CheckEabUsable(const EabKey& key, TimePoint at);

// The `eab.used` audit record of `account` bound with `key`, whose `uses` already counts this use.
AuditEvent EabUsedAudit(const EabKey& key, const Account& account);

}  // namespace anvil::storage::internal
