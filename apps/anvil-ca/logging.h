// Process-wide logging set-up for anvil-ca: spdlog to stderr as human-readable text or JSON lines.
#pragma once

#include <string>

#include "base/status.h"

namespace anvil::app {

// format: "text" | "json"; level: trace|debug|info|warn|error.
Status SetUpLogging(const std::string& format, const std::string& level);

}  // namespace anvil::app
