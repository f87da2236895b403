// The configured outgoing webhooks (docs/webhooks.md): a Sender from a [*.webhook] table, its secret read from
// its file, and `anvil-ca webhook new-secret`.
#pragma once

#include <memory>

#include "base/status.h"
#include "base/time.h"
#include "config/config.h"
#include "webhook/sender.h"

namespace anvil::app {

// A sender for `config` (its url must be set). kInvalidArgument naming the file for a secret that cannot be
// read or is not a "whsec_" secret; the sender's own errors otherwise.
Result<std::unique_ptr<webhook::Sender>> WebhookSenderFrom(const config::WebhookConfig& config, const Clock& clock);

// `anvil-ca webhook new-secret`: prints a fresh secret for a receiver and a secret_file.
int NewWebhookSecretCommand();

}  // namespace anvil::app
