// A lexical check of TOML text before it reaches toml++, shared by the two TOML readers (config::ParseConfig
// and the agent's lineage.toml). toml++ 3.3 (Debian 12) fails internal assertions on some invalid input
// (a table header "[/x]", an array "[ }") and reaches __builtin_unreachable() on a
// non-ASCII character where it looks for whitespace (its is_non_ascii_horizontal_whitespace() covers only
// part of its range), which a release build makes undefined behaviour. tests/fuzz found both. This check
// refuses every such input first: it is a subset of TOML 1.0's own lexical rules, plus one restriction
// (below), so no valid file the readers accept is refused. Pure; thread-safe.
#pragma once

#include <string_view>

#include "base/status.h"

namespace anvil {

// kInvalidArgument ("line N: ...") for: a table header ("[" or "[[" at the start of a line) whose key does
// not start with a bare-key character or a quote; brackets and braces that do not pair up; a control
// character (U+0000-U+001F other than tab, LF and CR, or U+007F) anywhere (TOML 1.0 allows none, even in
// strings and comments); a non-ASCII byte outside strings and comments (keys and values other than strings
// are ASCII); an unterminated string; a backslash in a basic string followed by anything but an escape letter
// or whitespace; and, the one restriction beyond TOML, a non-ASCII character right after a line-ending
// backslash's run of whitespace in a multi-line basic string.
Status CheckTomlText(std::string_view text);

}  // namespace anvil
