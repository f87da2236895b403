#include "webhooks.h"

#include <iostream>

#include "base/file.h"
#include "webhook/signature.h"

namespace anvil::app {

Result<std::unique_ptr<webhook::Sender>> WebhookSenderFrom(const config::WebhookConfig& config, const Clock& clock) {
  auto text = ReadFile(config.secret_file);
  if (!text.ok()) {
    return Error(Code::kInvalidArgument, "webhook secret " + config.secret_file + ": " + text.status().message());
  }
  auto key = webhook::ParseSecret(*text);
  if (!key.ok()) return Error(Code::kInvalidArgument, "webhook secret " + config.secret_file + ": " + key.status().message());
  webhook::SenderOptions options;
  options.url = config.url;
  options.secret_key = std::move(*key);
  options.ca_file = config.ca_file;
  options.timeout = config.timeout;
  return webhook::Sender::Create(std::move(options), clock);
}

int NewWebhookSecretCommand() {
  std::cout << webhook::NewSecret() << "\n";
  return 0;
}

}  // namespace anvil::app
