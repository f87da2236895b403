#include "base/base64url.h"

#include <gtest/gtest.h>

namespace anvil {
namespace {

TEST(Base64Url, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64url::Encode(""), "");
  EXPECT_EQ(base64url::Encode("f"), "Zg");
  EXPECT_EQ(base64url::Encode("fo"), "Zm8");
  EXPECT_EQ(base64url::Encode("foo"), "Zm9v");
  EXPECT_EQ(base64url::Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url::Encode(std::string("\xfb\xff", 2)), "-_8");
}

TEST(Base64Url, RoundTripsAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(char(i));
  for (size_t n = 0; n < all.size(); n += 7) {
    auto s = all.substr(0, n);
    auto decoded = base64url::Decode(base64url::Encode(s));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, s);
  }
}

TEST(Base64Url, RejectsPaddingAndForeignCharacters) {
  EXPECT_FALSE(base64url::Decode("Zg==").ok());
  EXPECT_FALSE(base64url::Decode("Zm9v+").ok());
  EXPECT_FALSE(base64url::Decode("Zm9 v").ok());
  EXPECT_FALSE(base64url::Decode("Z").ok());
  EXPECT_EQ(base64url::Decode("Z!").status().code(), Code::kMalformed);
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
  EXPECT_TRUE(base64url::Decode("Zg").ok());
  EXPECT_FALSE(base64url::Decode("Zh").ok());
}

TEST(Base64, DecodesPemStyleInputWithWhitespace) {
  auto d = base64::Decode("Zm9v\nYmFy\r\nZg==");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, "foobarf");
  EXPECT_EQ(base64::Encode("foobarf"), "Zm9vYmFyZg==");
  EXPECT_FALSE(base64::Decode("Zg==Zg").ok());
}

}  // namespace
}  // namespace anvil
