#include "ra/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace anvil::ra {
namespace {

const TimePoint kStart = TimePoint(std::chrono::seconds(1795000000));  // 2026-11-18

bool UrlSafe(const std::string& s) {
  return s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
         std::string::npos;
}

TEST(NewId, TwentyUrlSafeCharactersAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId(kStart);  // the same millisecond: only the random part differs
    EXPECT_EQ(id.size(), 20u);
    EXPECT_TRUE(UrlSafe(id)) << id;
    EXPECT_TRUE(seen.insert(id).second) << id;
  }
}

TEST(NewId, LaterIdsSortAfterEarlierOnes) {
  // Steps of 1 ms, and across each character's carry (64 ms, 4096 ms, ...), and years.
  const std::chrono::milliseconds steps[] = {std::chrono::milliseconds(1),    std::chrono::milliseconds(63),
                                             std::chrono::milliseconds(64),   std::chrono::milliseconds(4095),
                                             std::chrono::milliseconds(4096), std::chrono::hours(24 * 365)};
  TimePoint t = kStart;
  std::string previous = NewId(t);
  for (int round = 0; round < 50; ++round) {
    for (auto step : steps) {
      t += step;
      std::string next = NewId(t);
      EXPECT_LT(previous, next) << "at +" << step.count() << " ms";
      previous = next;
    }
  }
}

TEST(NewId, IdsOfTheSameMomentShareTheirTimePrefix) {
  EXPECT_EQ(NewId(kStart).substr(0, 8), NewId(kStart).substr(0, 8));
  EXPECT_NE(NewId(kStart).substr(0, 8), NewId(kStart + std::chrono::milliseconds(1)).substr(0, 8));
}

TEST(NewToken, Is256BitsOfBase64url) {
  std::string a = NewToken(), b = NewToken();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_TRUE(UrlSafe(a));
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace anvil::ra
