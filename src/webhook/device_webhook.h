// The MDM check as a webhook ([device_attestation.webhook], docs/device-attestation.md "The MDM check"): each
// verified attestation is posted, signed, as the event "device.check" with the full evidence; the receiver (the
// MDM, or a bridge to it) answers 200 with {"allow": true} or {"allow": false, "reason": "…"}. Anything else is
// no answer, and the RA refuses the device (fail closed). Thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "ra/device_check.h"
#include "webhook/sender.h"

namespace anvil::webhook {

class DeviceWebhook final : public ra::DeviceCheck {
 public:
  explicit DeviceWebhook(std::unique_ptr<Sender> sender) : sender_(std::move(sender)) {}

  Result<ra::DeviceAnswer> Ask(const ra::DeviceQuestion& question) override;

  // The event's data for `question` (docs/device-attestation.md shows one).
  static nlohmann::json QuestionJson(const ra::DeviceQuestion& question);

 private:
  std::unique_ptr<Sender> sender_;
};

}  // namespace anvil::webhook
