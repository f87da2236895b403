// base64url without padding (RFC 4648 §5, as JOSE uses it: RFC 7515 §2) and standard base64.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace anvil::base64url {

std::string Encode(std::string_view bytes);
// Rejects padding, whitespace and characters outside the URL-safe alphabet (RFC 7515 §2 requires unpadded).
Result<std::string> Decode(std::string_view text);

}  // namespace anvil::base64url

namespace anvil::base64 {
// Standard alphabet with padding (RFC 4648 §4); used for PEM bodies and HMAC keys in configs.
std::string Encode(std::string_view bytes);
// Accepts padded or unpadded input; ignores ASCII whitespace (PEM line breaks).
Result<std::string> Decode(std::string_view text);
}  // namespace anvil::base64
