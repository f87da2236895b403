#include "base/strings.h"

#include <gtest/gtest.h>

namespace anvil {
namespace {

TEST(Strings, TrimAsciiWhitespaceTakesSpacesTabsCrAndLfFromBothEnds) {
  EXPECT_EQ(TrimAsciiWhitespace(" \t whsec_abc\r\n"), "whsec_abc");
  EXPECT_EQ(TrimAsciiWhitespace("a b"), "a b");
  EXPECT_EQ(TrimAsciiWhitespace(" \r\n\t "), "");
  EXPECT_EQ(TrimAsciiWhitespace(""), "");
  EXPECT_EQ(TrimAsciiWhitespace("\vx\f"), "\vx\f");  // only the four
}

}  // namespace
}  // namespace anvil
