#include "fiber_loop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace anvil::bench {
namespace {

using namespace std::chrono_literals;

// One loop thread: whatever another fiber does while the first sleeps (holding the mutex) ran on that same
// thread, so the sleep and the waits for the mutex did not hold it.
TEST(FiberLoopTest, SleepsAndMutexWaitsLeaveTheThreadToOtherFibers) {
  FiberLoop loop(1);
  FiberSleeper sleeper;
  FiberMutex mu;
  std::vector<std::string> order;  // appended under `mu` only
  std::atomic<bool> free_fiber_ran{false};
  bool seen_by_holder = false;
  int inside = 0;
  int most_inside = 0;
  auto critical = [&](const std::string& name, std::chrono::milliseconds hold) {
    std::lock_guard lock(mu);
    most_inside = std::max(most_inside, ++inside);
    order.push_back(name);
    sleeper.Sleep(hold);
    --inside;
  };
  loop.RunAll({
      [&] {
        critical("first", 0ms);  // takes the mutex before the others start
        std::lock_guard lock(mu);
        sleeper.Sleep(50ms);
        seen_by_holder = free_fiber_ran.load();
      },
      [&] { critical("second", 1ms); },
      [&] { critical("third", 1ms); },
      [&] { free_fiber_ran = true; },
  });
  EXPECT_TRUE(seen_by_holder);
  EXPECT_EQ(most_inside, 1);
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "third"}));  // handed over in arrival order
}

TEST(FiberLoopTest, RunAllCanRunAgainAndWithNoBodies) {
  FiberLoop loop(2);
  std::atomic<int> ran{0};
  loop.RunAll({});
  for (int round = 0; round < 3; ++round) {
    std::vector<std::function<void()>> bodies(10, [&] { ++ran; });
    loop.RunAll(bodies);
  }
  EXPECT_EQ(ran.load(), 30);
}

// Off a fiber (anvil-bench's curl workers are threads) the mutex and the sleeper block like ordinary ones.
TEST(FiberLoopTest, MutexAndSleeperWorkOnPlainThreads) {
  FiberMutex mu;
  FiberSleeper sleeper;
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        std::lock_guard lock(mu);
        ++counter;
      }
      sleeper.Sleep(1ms);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter, 4000);
}

}  // namespace
}  // namespace anvil::bench
