#include "base/periodic_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

namespace anvil {
namespace {

TEST(PeriodicThread, RunsEveryPeriodUntilStoppedAndStopsAtOnce) {
  std::atomic<int> runs{0};
  PeriodicThread thread;
  thread.Start(std::chrono::milliseconds(5), [&] { ++runs; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (runs < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_GE(runs.load(), 3);
  thread.Stop();
  const int stopped_at = runs;
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(runs.load(), stopped_at);
}

TEST(PeriodicThread, AStopBeforeThePeriodEndsRunsNothing) {
  std::atomic<int> runs{0};
  const auto started = std::chrono::steady_clock::now();
  {
    PeriodicThread thread;
    thread.Start(std::chrono::hours(1), [&] { ++runs; });
  }  // destroyed: stopped without waiting for the hour
  EXPECT_EQ(runs.load(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(PeriodicThread, FirstAtOnceRunsBeforeThePeriod) {
  std::atomic<int> runs{0};
  PeriodicThread thread;
  thread.Start(std::chrono::hours(1), [&] { ++runs; }, /*first_at_once=*/true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (runs < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  thread.Stop();
  EXPECT_EQ(runs.load(), 1);
}

}  // namespace
}  // namespace anvil
