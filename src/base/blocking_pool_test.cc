#include "base/blocking_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "base/fiber.h"

namespace anvil {
namespace {

TEST(BlockingPool, RunsTheCallOnAPoolThreadAndWaitsForIt) {
  BlockingPool pool(2);
  std::thread::id ran_on;
  int value = 0;
  pool.Run([&] {
    ran_on = std::this_thread::get_id();
    value = 42;
  });
  EXPECT_EQ(value, 42);
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

// On a fiber, Run suspends the fiber: the thread that resumed it gets control back while the call runs, and
// the fiber finishes once it is resumed after the call's end.
TEST(BlockingPool, OnAFiberTheThreadIsFreeWhileTheCallRuns) {
  BlockingPool pool(1);
  std::atomic<bool> release{false}, scheduled{false};
  bool done = false;
  fiber::Fiber f(
      [&] {
        pool.Run([&] {
          while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
        done = true;
      },
      [&] { scheduled = true; });
  EXPECT_FALSE(f.Resume());  // suspended in Run: this thread is free although the call has not ended
  EXPECT_FALSE(done);
  release = true;
  while (!scheduled.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(f.Resume());
  EXPECT_TRUE(done);
}

TEST(BlockingPool, ConcurrentCallersAllComplete) {
  BlockingPool pool(3);
  std::atomic<int> count{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      for (int j = 0; j < 50; ++j) pool.Run([&] { count.fetch_add(1); });
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(count.load(), 400);
}

}  // namespace
}  // namespace anvil
