// External authorization (issue 15, docs/policy.md "External authorization"): a service outside the CA — a
// CMDB, a ticketing system — asked, after the policies have allowed a request, whether a new order may be
// accepted and whether a finalized order may be signed. The RA knows only this interface; the composition
// root gives it the webhook (webhook/authorization_webhook.h). Implementations must be thread-safe, and may
// wait (the RA calls them on request fibers; see base/blocking_pool.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "base/time.h"

namespace anvil::ra {

struct AuthorizationQuestion {
  enum class Stage { kNewOrder, kFinalize };
  Stage stage = Stage::kNewOrder;
  std::string account_id;
  std::vector<std::string> contacts;
  std::string eab_kid, eab_label;  // of the EAB key the account was created with; "" without one
  std::vector<acme::Identifier> identifiers;
  std::string profile;
  std::string order_id;  // finalize only
  std::string key_type;  // finalize only: the CSR's key ("ec256", "rsa2048" …)
  std::string replaces;  // the RFC 9773 certificate ID the order replaces, if any
  std::optional<TimePoint> not_before, not_after;  // as requested
};

struct AuthorizationAnswer {
  bool allowed = false;
  std::string reason;  // the service's words on a refusal, shown to the client
};

class AuthorizationHook {
 public:
  virtual ~AuthorizationHook() = default;
  // The service's answer, or an error when none could be had (unreachable, timed out, not an answer): the RA
  // then refuses (fail closed) unless RaOptions::authorization_fail_open.
  virtual Result<AuthorizationAnswer> Ask(const AuthorizationQuestion& question) = 0;
};

// "new-order" or "finalize".
inline const char* StageName(AuthorizationQuestion::Stage stage) {
  return stage == AuthorizationQuestion::Stage::kNewOrder ? "new-order" : "finalize";
}

}  // namespace anvil::ra
