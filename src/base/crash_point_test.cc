// Built only with ANVIL_TEST_HOOKS (src/base/CMakeLists.txt).
#include "base/crash_point.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <thread>
#include <vector>

namespace anvil::crash {
namespace {

TEST(CrashPoint, ASpecIsAKnownPointWithAnOptionalPositiveCount) {
  auto first = ParseCrashSpec("issuance.after_sign");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->point, "issuance.after_sign");
  EXPECT_EQ(first->hit, 1);
  auto fifth = ParseCrashSpec("issuance.after_store:5");
  ASSERT_TRUE(fifth.has_value());
  EXPECT_EQ(fifth->point, "issuance.after_store");
  EXPECT_EQ(fifth->hit, 5);
  for (const char* bad :
       {"", "issuance.after_sgn", "issuance.after_sign:", "issuance.after_sign:0", "issuance.after_sign:-1",
        "issuance.after_sign:2x", "issuance.after_sign:1:2", "issuance.after_sign:99999999999"}) {
    EXPECT_FALSE(ParseCrashSpec(bad).has_value()) << bad;
  }
}

TEST(CrashPoint, TheCounterFiresOnceAtItsHitAcrossThreads) {
  CrashCounter counter({"issuance.after_reserve", 50});
  std::atomic<int> fired{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (counter.Reached("issuance.after_sign")) fired.fetch_add(1000);  // another point never counts
        if (counter.Reached("issuance.after_reserve")) fired.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fired.load(), 1);
}

TEST(CrashPointDeathTest, AnArmedPointKillsTheProcessWithSigkillAtItsHit) {
  EXPECT_EXIT(
      {
        ::setenv("ANVIL_CRASH_AT", "issuance.before_valid:2", 1);
        ANVIL_CRASH_POINT("issuance.after_sign");
        ANVIL_CRASH_POINT("issuance.before_valid");
        ANVIL_CRASH_POINT("issuance.before_valid");
        std::exit(0);  // not reached
      },
      ::testing::KilledBySignal(SIGKILL), "crash point issuance.before_valid reached");
}

TEST(CrashPointDeathTest, AMisspeltPointStopsTheProcessWithExitCode2) {
  EXPECT_EXIT(
      {
        ::setenv("ANVIL_CRASH_AT", "issuance.after_sgn", 1);
        ANVIL_CRASH_POINT("issuance.after_sign");
        std::exit(0);
      },
      ::testing::ExitedWithCode(2), "names no crash point");
}

TEST(CrashPointDeathTest, APointMissingFromTheListStopsTheProcessWithExitCode2) {
  EXPECT_EXIT(
      {
        ::unsetenv("ANVIL_CRASH_AT");
        ANVIL_CRASH_POINT("issuance.after_sgn");
        std::exit(0);
      },
      ::testing::ExitedWithCode(2), "is not listed");
}

}  // namespace
}  // namespace anvil::crash
