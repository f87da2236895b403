// Small string helpers shared by the components. Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace anvil {

// `text` without its leading and trailing spaces, tabs, CRs and LFs (a file's final newline, a header value's
// padding).
inline std::string_view TrimAsciiWhitespace(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace anvil
