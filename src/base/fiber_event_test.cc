#include "base/fiber_event.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace anvil::fiber {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

TEST(FiberEventTest, SignalledBeforeTheWaitReturnsAtOnce) {
  TimerQueue timers;
  auto event = Event::Make();
  event->Signal();
  auto start = SteadyClock::now();
  EXPECT_TRUE(event->WaitFor(timers, 1h));
  EXPECT_LT(SteadyClock::now() - start, 5s);
}

TEST(FiberEventTest, ZeroTimeoutOnlyReportsTheState) {
  TimerQueue timers;
  auto event = Event::Make();
  EXPECT_FALSE(event->WaitFor(timers, 0s));
  event->Signal();
  EXPECT_TRUE(event->WaitFor(timers, 0s));
}

TEST(FiberEventTest, ThreadWaitEndsWhenAnotherThreadSignals) {
  TimerQueue timers;
  auto event = Event::Make();
  std::thread signaller([event] {
    std::this_thread::sleep_for(20ms);
    event->Signal();
  });
  auto start = SteadyClock::now();
  EXPECT_TRUE(event->WaitFor(timers, 1h));
  EXPECT_LT(SteadyClock::now() - start, 5s);
  signaller.join();
}

TEST(FiberEventTest, ThreadWaitEndsAtTheTimeout) {
  TimerQueue timers;
  auto event = Event::Make();
  auto start = SteadyClock::now();
  EXPECT_FALSE(event->WaitFor(timers, 50ms));
  EXPECT_GE(SteadyClock::now() - start, 50ms);
  event->Signal();  // a late signal is harmless and remembered
  EXPECT_TRUE(event->signaled());
}

// Runs `body` on a fiber driven by the test thread: returns once the body has finished, resuming it each time
// a wait wakes it (from whichever thread).
void RunOnFiber(const std::function<void()>& body) {
  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  Fiber fiber(body, [&] {
    std::lock_guard lock(mu);
    woken = true;
    cv.notify_all();
  });
  while (!fiber.Resume()) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return woken; });
    woken = false;
  }
}

TEST(FiberEventTest, FiberWaitSuspendsUntilSignalled) {
  TimerQueue timers;
  auto event = Event::Make();
  std::optional<bool> result;
  std::thread signaller([event] {
    std::this_thread::sleep_for(20ms);
    event->Signal();
  });
  RunOnFiber([&] { result = event->WaitFor(timers, 1h); });
  signaller.join();
  EXPECT_EQ(result, true);
}

TEST(FiberEventTest, FiberWaitEndsAtTheTimeout) {
  TimerQueue timers;
  auto event = Event::Make();
  std::optional<bool> result;
  auto start = SteadyClock::now();
  RunOnFiber([&] { result = event->WaitFor(timers, 30ms); });
  EXPECT_EQ(result, false);
  EXPECT_GE(SteadyClock::now() - start, 30ms);
}

TEST(FiberEventTest, ManyRacesBetweenSignalAndTimeoutWakeExactlyOnce) {
  TimerQueue timers;
  for (int i = 0; i < 200; ++i) {
    auto event = Event::Make();
    std::thread signaller([event, i] {
      std::this_thread::sleep_for(std::chrono::microseconds(i % 7 * 100));
      event->Signal();
    });
    std::optional<bool> result;
    RunOnFiber([&] { result = event->WaitFor(timers, std::chrono::microseconds(i % 5 * 150 + 1)); });
    signaller.join();
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(event->signaled());
  }
}

}  // namespace
}  // namespace anvil::fiber
