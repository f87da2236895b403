// Internal to jose/: nlohmann::json calls that could throw, wrapped so that no exception leaves jose/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace anvil::jose::internal {

// Compact serialization (no whitespace, members sorted). kInvalidArgument if a string is not valid UTF-8
// (nlohmann's dump() would throw).
Result<std::string> DumpJson(const nlohmann::json& value);

// Parses `text` without exceptions; the result is_discarded() on any syntax error.
nlohmann::json ParseJson(std::string_view text);

}  // namespace anvil::jose::internal
