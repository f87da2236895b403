#include "base/toml_guard.h"

#include <gtest/gtest.h>

#include <string>

namespace anvil {
namespace {

TEST(CheckTomlText, AcceptsValidTomlWithStringsCommentsArraysAndTables) {
  const std::string text =
      "# commentaire: déjà vu [ } \"\n"
      "a = \"ü \\\" ] }\"\n"
      "b = 'x [ \\'\n"
      "c = \"\"\"\nzwei\n  Zeilen \\\n  weiter \"\"\"\n"
      "d = '''\n[nicht ein header]\n'''\n"
      "e = [\n  1, # ]\n  [2, 3],\n  { f = \"}\" },\n]\n"
      "[table]\n"
      "  [ \"quoted key\" ]\n"
      "[[array-of-tables]]\n"
      "g = { h = [1, {i = 2}] }\n";
  EXPECT_TRUE(CheckTomlText(text).ok()) << CheckTomlText(text).ToString();
}

// toml++ 3.3 fails an assertion, or with NDEBUG assumes what is false (undefined behaviour), on each of
// these (found by tests/fuzz/config_fuzzer and agent_inputs_fuzzer).
TEST(CheckTomlText, RefusesTableHeadersWhoseKeyStartsWithAnotherCharacter) {
  for (const char* text : {"[/m]\n", "a = 1\n[[/m%.t\n",
                           "[\x1b"
                           "acme]\n"}) {
    Status s = CheckTomlText(text);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << text;
  }
  EXPECT_EQ(CheckTomlText("a = 1\n[/m]\n").message(), "line 2: a table header must start with a key");
}

TEST(CheckTomlText, RefusesBracketsThatDoNotPairUp) {
  EXPECT_EQ(CheckTomlText("names = [ }\n").message(), "line 1: unbalanced brackets");
  EXPECT_EQ(CheckTomlText("a = }\n").code(), Code::kInvalidArgument);
}

TEST(CheckTomlText, RefusesControlCharactersEvenInStringsAndComments) {
  EXPECT_EQ(CheckTomlText(std::string("a = 1\nb = \"x\0y\"\n", 15)).message(),
            "line 2: a control character is not allowed in TOML");
  EXPECT_EQ(CheckTomlText("# \x7f\n").code(), Code::kInvalidArgument);
}

TEST(CheckTomlText, RefusesNonAsciiOutsideStringsAndComments) {
  EXPECT_EQ(CheckTomlText("server0= 9@H\xd0\xa1x\n").message(),
            "line 1: a non-ASCII character outside a string or comment");
  EXPECT_EQ(CheckTomlText("c = \"\"\"\\\n  \xd0\xa1\"\"\"\n").message(),
            "line 2: a non-ASCII character after a line-ending backslash");
}

TEST(CheckTomlText, RefusesUnterminatedStringsAndInvalidEscapes) {
  EXPECT_EQ(CheckTomlText("a = \"open\n").message(), "line 1: a newline in a single-line string");
  EXPECT_EQ(CheckTomlText("a = '''open\n").message(), "line 2: an unterminated string");
  EXPECT_EQ(CheckTomlText("a = \"\\q\"\n").message(), "line 1: an invalid escape sequence in a string");
}

}  // namespace
}  // namespace anvil
