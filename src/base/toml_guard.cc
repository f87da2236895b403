#include "base/toml_guard.h"

#include <string>

namespace anvil {
namespace {

bool IsControl(unsigned char c) { return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F; }
bool IsAsciiSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsBareKeyCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

Status CheckTomlText(std::string_view text) {
  int line = 1;
  auto refuse = [&line](const std::string& what) {
    return Error(Code::kInvalidArgument, "line " + std::to_string(line) + ": " + what);
  };
  enum class State { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  State state = State::kCode;
  bool line_start = true;  // only whitespace so far on this line (outside strings)
  std::string nesting;     // the open "[" and "{" of the value being read
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (IsControl(c)) return refuse("a control character is not allowed in TOML");
    const bool newline = c == '\n';
    switch (state) {
      case State::kCode:
        if (c >= 0x80) return refuse("a non-ASCII character outside a string or comment");
        if (c == '\n') {
          line_start = true;
        } else if (c == '[' && line_start && nesting.empty()) {
          // A table header: toml++ assumes (TOML_ASSERT_ASSUME) that the key after "[" or "[[" and spaces
          // starts with a bare-key character or a quote; "[]" it refuses itself.
          size_t j = i + 1;
          if (j < text.size() && text[j] == '[') ++j;
          while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
          if (j >= text.size() ||
              !(IsBareKeyCharacter(text[j]) || text[j] == '"' || text[j] == '\'' || text[j] == ']')) {
            return refuse("a table header must start with a key");
          }
          i = j - 1;
          line_start = false;
          break;
        } else if (c == '[' || c == '{') {
          nesting.push_back(static_cast<char>(c));
        } else if (c == ']' || c == '}') {
          // toml++ parses the value after "[" or "," assuming it does not start with a closing bracket of
          // the other kind (TOML_ASSERT_ASSUME in parse_value): brackets must pair up.
          if (nesting.empty()) {
            if (c == '}') return refuse("an unmatched \"}\"");
          } else {
            if (nesting.back() != (c == ']' ? '[' : '{')) return refuse("unbalanced brackets");
            nesting.pop_back();
          }
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') line_start = false;
        if (c == '#') {
          state = State::kComment;
        } else if (c == '"') {
          state = text.substr(i, 3) == "\"\"\"" ? State::kMultiBasic : State::kBasic;
          if (state == State::kMultiBasic) i += 2;
        } else if (c == '\'') {
          state = text.substr(i, 3) == "'''" ? State::kMultiLiteral : State::kLiteral;
          if (state == State::kMultiLiteral) i += 2;
        }
        break;
      case State::kComment:
        if (newline) {
          state = State::kCode;
          line_start = true;
        }
        break;
      case State::kBasic:
      case State::kMultiBasic: {
        const bool multi = state == State::kMultiBasic;
        if (newline && !multi) return refuse("a newline in a single-line string");
        if (c == '"' && (!multi || text.substr(i, 3) == "\"\"\"")) {
          // A multi-line string may end with up to two more quotes ("""a"""""), which the code state takes
          // as an empty string's start: skip them here.
          if (multi) {
            i += 2;
            while (i + 1 < text.size() && text[i + 1] == '"') ++i;
          }
          state = State::kCode;
        } else if (c == '\\') {
          if (i + 1 >= text.size()) return refuse("an unterminated string");
          const auto next = static_cast<unsigned char>(text[i + 1]);
          if (std::string_view("btnfr\"\\uU").find(static_cast<char>(next)) != std::string_view::npos) {
            ++i;  // The escaped character is no delimiter.
          } else if (multi && IsAsciiSpace(next)) {
            // A line-ending backslash: toml++ skips the whitespace after it with a check that is undefined
            // for part of the non-ASCII range, so the first character after the run must be ASCII.
            size_t j = i + 1;
            while (j < text.size() && IsAsciiSpace(static_cast<unsigned char>(text[j]))) {
              if (text[j] == '\n') ++line;
              ++j;
            }
            if (j < text.size() && static_cast<unsigned char>(text[j]) >= 0x80) {
              return refuse("a non-ASCII character after a line-ending backslash");
            }
            i = j - 1;
          } else {
            return refuse("an invalid escape sequence in a string");
          }
        }
        break;
      }
      case State::kLiteral:
        if (newline) return refuse("a newline in a single-line string");
        if (c == '\'') state = State::kCode;
        break;
      case State::kMultiLiteral:
        if (c == '\'' && text.substr(i, 3) == "'''") {
          i += 2;
          while (i + 1 < text.size() && text[i + 1] == '\'') ++i;
          state = State::kCode;
        }
        break;
    }
    if (newline) ++line;
  }
  if (state != State::kCode && state != State::kComment) return refuse("an unterminated string");
  return Status::Ok();
}

}  // namespace anvil
