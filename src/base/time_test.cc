#include "base/time.h"

#include <gtest/gtest.h>

namespace anvil {
namespace {

TEST(Rfc3339, FormatsUtcSeconds) {
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(1795376838)), "2026-11-22T19:47:18Z");
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
  auto t = ParseRfc3339("2026-11-22T19:47:18Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(ToUnixSeconds(*t), 1795376838);
  auto off = ParseRfc3339("2026-11-22T21:47:18+02:00");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(ToUnixSeconds(*off), 1795376838);
  auto frac = ParseRfc3339("2026-11-22T19:47:18.5z");
  ASSERT_TRUE(frac.ok());
  EXPECT_EQ(ToUnixSeconds(*frac), 1795376838);
}

TEST(Rfc3339, RejectsMalformedTimestamps) {
  for (const char* bad : {"", "2026-11-22", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-22T19:47:18",
                          "2026-11-22T19:47:18Zjunk", "2026-11-22 19:47:18Z", "2026-11-22T19:47:18.Z"}) {
    auto r = ParseRfc3339(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kMalformed);
    }
  }
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(FromUnixSeconds(100));
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 100);
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 105);
}

// A TimePoint holds nanoseconds in 64 bits (1677-09-21 to 2262-04-11); a four-digit year outside overflowed
// the conversion (undefined behaviour: tests/fuzz/acme_request_fuzzer, a newOrder's "notAfter").
TEST(Rfc3339, RefusesTimesATimePointCannotHold) {
  for (const char* text : {"0026-01-08T00:00:00.5+01:00", "1677-09-20T00:00:00Z", "2262-04-12T00:00:00Z",
                           "9999-12-31T23:59:59Z"}) {
    auto t = ParseRfc3339(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.status().code(), Code::kMalformed) << text;
  }
  EXPECT_TRUE(ParseRfc3339("1677-09-22T00:00:00Z").ok());
  EXPECT_TRUE(ParseRfc3339("2262-04-10T00:00:00Z").ok());
}

}  // namespace
}  // namespace anvil
