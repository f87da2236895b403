// RFC 7807 problem documents with ACME error types (RFC 8555 §6.7): the one place where an internal Status
// becomes what a client sees. Internal codes become "serverInternal" with a generic detail, so internal details
// never leak to clients. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace anvil::acme {

inline constexpr std::string_view kErrorPrefix = "urn:ietf:params:acme:error:";

// The HTTP status for a problem of this code (RFC 8555 §6.7 and Boulder's established mapping).
int HttpStatusFor(Code code);
// {"type": "urn:ietf:params:acme:error:badNonce", "detail": "...", "status": 400, "subproblems": [...]}
nlohmann::json ProblemJson(const Status& status);
// The ACME type URN for a code ("urn:ietf:params:acme:error:malformed" for kNotFound and other internal
// client-visible codes, serverInternal for internal failures).
std::string ProblemType(Code code);
// Parses a stored/received problem document back into a Status (client side and stored errors).
Status StatusFromProblem(const nlohmann::json& problem);

}  // namespace anvil::acme
