// Signing outgoing webhooks as the Standard Webhooks specification (version 1.0.0,
// github.com/standard-webhooks/standard-webhooks) says, so that a receiver can check them with any of that
// project's libraries: the headers `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
// ("v1," + base64 of HMAC-SHA256 over "ID.TIMESTAMP.BODY") under a shared secret written "whsec_" + base64.
// docs/webhooks.md shows a receiver's check. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace anvil::webhook {

// The HMAC key of a secret "whsec_<base64>" (surrounding whitespace ignored, as a file's final newline).
// kInvalidArgument when it is not that form or holds fewer than 16 bytes (the specification asks 24 to 64).
Result<std::string> ParseSecret(std::string_view text);

// A new secret of 32 random bytes, in the "whsec_" form (`anvil-ca webhook new-secret`).
std::string NewSecret();

// The `webhook-signature` value: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
std::string Sign(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body);

// Whether one of the space-separated signatures in `header` is Sign's for these values (constant time).
bool Verify(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body,
            std::string_view header);

}  // namespace anvil::webhook
