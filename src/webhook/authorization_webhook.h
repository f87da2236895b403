// The external authorization as a webhook ([authorization.webhook], docs/webhooks.md): each question of the RA
// (ra/authorization_hook.h) is posted, signed, as the event "authorization.request"; the receiver answers
// 200 with {"allow": true} or {"allow": false, "reason": "…"}. Anything else — another status, a body that is
// not such an object, no answer within the timeout — is no answer (the RA fails closed unless told otherwise).
// Thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "ra/authorization_hook.h"
#include "webhook/sender.h"

namespace anvil::webhook {

class AuthorizationWebhook final : public ra::AuthorizationHook {
 public:
  explicit AuthorizationWebhook(std::unique_ptr<Sender> sender) : sender_(std::move(sender)) {}

  Result<ra::AuthorizationAnswer> Ask(const ra::AuthorizationQuestion& question) override;

  // The event's data for `question` (docs/webhooks.md shows one).
  static nlohmann::json QuestionJson(const ra::AuthorizationQuestion& question);

 private:
  std::unique_ptr<Sender> sender_;
};

}  // namespace anvil::webhook
