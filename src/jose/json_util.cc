#include "jose/json_util.h"

namespace anvil::jose::internal {

Result<std::string> DumpJson(const nlohmann::json& value) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    return Error(Code::kInvalidArgument, std::string("cannot serialize JSON: ") + e.what());
  }
}

nlohmann::json ParseJson(std::string_view text) {
  return nlohmann::json::parse(text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
}

}  // namespace anvil::jose::internal
