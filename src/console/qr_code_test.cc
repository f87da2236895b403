// QR codes as SVG (console/qr_code.h): the SVG's modules, read back from its path, are libqrencode's symbol —
// the three finder patterns in their corners, the quiet zone empty — and bad text is refused. The browser test
// (tests/browser/) decodes a rendered code with a real reader.
#include "console/qr_code.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <utility>

namespace anvil::console {
namespace {

// The dark modules the SVG's path draws (each segment "Mx yhNv1h-Nz").
std::set<std::pair<int, int>> DarkModules(const std::string& svg, int* size) {
  std::smatch box;
  EXPECT_TRUE(std::regex_search(svg, box, std::regex("viewBox=\"0 0 ([0-9]+) ([0-9]+)\"")));
  *size = std::stoi(box[1]);
  std::set<std::pair<int, int>> dark;
  const std::regex segment("M([0-9]+) ([0-9]+)h([0-9]+)v1h-([0-9]+)z");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), segment); it != std::sregex_iterator(); ++it) {
    const int x = std::stoi((*it)[1]), y = std::stoi((*it)[2]), n = std::stoi((*it)[3]);
    EXPECT_EQ(n, std::stoi((*it)[4]));
    for (int i = 0; i < n; ++i) dark.insert({x + i, y});
  }
  return dark;
}

// A finder pattern at (x, y): a dark 7×7 ring, a light ring, a dark 3×3 centre.
bool FinderAt(const std::set<std::pair<int, int>>& dark, int x, int y) {
  for (int dy = 0; dy < 7; ++dy) {
    for (int dx = 0; dx < 7; ++dx) {
      const bool ring = dx == 0 || dy == 0 || dx == 6 || dy == 6;
      const bool centre = dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4;
      if (dark.count({x + dx, y + dy}) != (ring || centre ? 1u : 0u)) return false;
    }
  }
  return true;
}

TEST(QrCodeTest, TheSvgDrawsASymbolWithItsFinderPatternsAndQuietZone) {
  Result<std::string> svg =
      QrCodeSvg("anvil issue --server https://ca.example:14000/directory --eab-kid k --eab-hmac-key v -d host");
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  int size = 0;
  std::set<std::pair<int, int>> dark = DarkModules(*svg, &size);
  const int width = size - 8;
  ASSERT_GE(width, 21);
  EXPECT_EQ((width - 17) % 4, 0) << "a QR symbol is 17 + 4 × version modules wide";
  EXPECT_TRUE(FinderAt(dark, 4, 4));
  EXPECT_TRUE(FinderAt(dark, 4 + width - 7, 4));
  EXPECT_TRUE(FinderAt(dark, 4, 4 + width - 7));
  EXPECT_FALSE(FinderAt(dark, 4 + width - 7, 4 + width - 7));
  for (const auto& [x, y] : dark) {
    EXPECT_TRUE(x >= 4 && y >= 4 && x < 4 + width && y < 4 + width) << x << "," << y;
  }
}

TEST(QrCodeTest, LongerTextMakesALargerSymbolAndBadTextIsRefused) {
  int small = 0, large = 0;
  DarkModules(*QrCodeSvg("short"), &small);
  DarkModules(*QrCodeSvg(std::string(500, 'x')), &large);
  EXPECT_LT(small, large);
  EXPECT_EQ(QrCodeSvg("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(QrCodeSvg(std::string(kMaxQrText + 1, 'x')).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(QrCodeSvg(std::string("a\0b", 3)).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(QrCodeSvg(std::string(kMaxQrText, 'x')).ok());
}

}  // namespace
}  // namespace anvil::console
