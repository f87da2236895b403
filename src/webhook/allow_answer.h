// The answer of a webhook that decides (docs/webhooks.md): 200 with {"allow": true} or {"allow": false,
// "reason": "…"}. Anything else — another status, a body that is not such an object, no response — is no
// answer. Shared by the external authorization and the MDM check. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "http/client.h"

namespace anvil::webhook {

struct AllowAnswer {
  bool allowed = false;
  std::string reason;  // at most 512 bytes: it goes into a problem document
};

// `response` as `what` at `url` answered it; kUnavailable "WHAT URL: why" when it is no answer.
Result<AllowAnswer> ParseAllowAnswer(const Result<http::ClientResponse>& response, std::string_view what,
                                     std::string_view url);

}  // namespace anvil::webhook
