// The MDM check of device enrollment (issue 17, docs/device-attestation.md "The MDM check"): after a
// device-attest-01 attestation has been verified, a device-management service (or a static allow list) says
// whether this device is managed and its enrollment expected. The RA knows only this interface; the
// composition root gives it the allow list (apps/anvil-ca) or the webhook (webhook/device_webhook.h).
// Implementations must be thread-safe and may wait (the RA calls them on the validator's fibers; see
// base/blocking_pool.h).
#pragma once

#include <string>

#include "acme/types.h"
#include "base/status.h"

namespace anvil::ra {

struct DeviceQuestion {
  std::string account_id;
  std::string eab_kid;  // the EAB key (the MDM's enrollment token) the account was created with; "" without one
  acme::Identifier identifier;  // the authorization's device identifier
  // The verified evidence (docs/device-attestation.md "Evidence"): format, public_key, identifiers,
  // chain_sha256, claims — a JSON object's text.
  std::string evidence_json;
};

struct DeviceAnswer {
  bool allowed = false;
  std::string reason;  // the service's words on a refusal, shown to the client
};

class DeviceCheck {
 public:
  virtual ~DeviceCheck() = default;
  // The answer, or an error when none could be had (unreachable, timed out, not an answer): the RA then
  // refuses the attestation (fail closed).
  virtual Result<DeviceAnswer> Ask(const DeviceQuestion& question) = 0;
};

}  // namespace anvil::ra
