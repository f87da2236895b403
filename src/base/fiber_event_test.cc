#include "base/fiber_event.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "support/without_time.h"

namespace anvil::fiber {
namespace {

using namespace std::chrono_literals;
using testing::WithoutTime;
using TimePoint = SteadyClock::TimePoint;

// The waits below are bounded by a queue on a fake clock: a test learns that a wait has begun from the time
// the queue's thread waits for (AwaitTimedWait), and ends it by signalling or by moving the clock.
class FiberEventTest : public ::testing::Test {
 protected:
  // Once a wait has begun, moves the clock to its timer; the future holds the time the timer was set for.
  std::future<std::optional<TimePoint>> ExpireTheWait() {
    return std::async(std::launch::async, [this] {
      std::optional<TimePoint> when = clock_.AwaitTimedWait();
      if (when) clock_.AdvanceTo(*when);
      return when;
    });
  }
  // Once a wait has begun, signals `event`; the future holds the time the wait's timer was set for.
  std::future<std::optional<TimePoint>> SignalTheWait(std::shared_ptr<Event> event) {
    return std::async(std::launch::async, [this, event] {
      std::optional<TimePoint> when = clock_.AwaitTimedWait();
      event->Signal();
      return when;
    });
  }

  FakeSteadyClock clock_{TimePoint() + 1h};
  const TimePoint start_ = clock_.Now();
  TimerQueue timers_{clock_};
};

TEST_F(FiberEventTest, SignalledBeforeTheWaitReturnsAtOnce) {
  auto event = Event::Make();
  event->Signal();
  EXPECT_TRUE(WithoutTime(clock_, [&] { return event->WaitFor(timers_, 1h); }));
}

TEST_F(FiberEventTest, ZeroTimeoutOnlyReportsTheState) {
  auto event = Event::Make();
  EXPECT_FALSE(WithoutTime(clock_, [&] { return event->WaitFor(timers_, 0s); }));
  event->Signal();
  EXPECT_TRUE(event->WaitFor(timers_, 0s));
}

TEST_F(FiberEventTest, ThreadWaitEndsWhenAnotherThreadSignals) {
  auto event = Event::Make();
  auto signaller = SignalTheWait(event);
  EXPECT_TRUE(event->WaitFor(timers_, 1h));
  EXPECT_EQ(signaller.get(), start_ + 1h);
  EXPECT_EQ(clock_.Now(), start_);
}

TEST_F(FiberEventTest, ThreadWaitEndsAtTheTimeout) {
  auto event = Event::Make();
  auto expiry = ExpireTheWait();
  EXPECT_FALSE(event->WaitFor(timers_, 50ms));
  EXPECT_EQ(expiry.get(), start_ + 50ms);
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

TEST_F(FiberEventTest, FiberWaitSuspendsUntilSignalled) {
  auto event = Event::Make();
  std::optional<bool> result;
  auto signaller = SignalTheWait(event);
  RunOnFiber([&] { result = event->WaitFor(timers_, 1h); });
  EXPECT_EQ(result, true);
  EXPECT_EQ(signaller.get(), start_ + 1h);
}

TEST_F(FiberEventTest, FiberWaitEndsAtTheTimeout) {
  auto event = Event::Make();
  std::optional<bool> result;
  auto expiry = ExpireTheWait();
  RunOnFiber([&] { result = event->WaitFor(timers_, 30ms); });
  EXPECT_EQ(result, false);
  EXPECT_EQ(expiry.get(), start_ + 30ms);
}

// A signal and the timeout race, at varying offsets (spins, not sleeps) from each other and from the start of
// the wait; whichever comes first wakes the fiber, exactly once (a second wake would resume it twice).
TEST_F(FiberEventTest, ManyRacesBetweenSignalAndTimeoutWakeExactlyOnce) {
  auto spin = [](int n) {
    for (int i = 0; i < n; ++i) std::this_thread::yield();
  };
  for (int i = 0; i < 200; ++i) {
    auto event = Event::Make();
    const auto timeout = (i % 5 + 1) * 1ms;
    std::atomic<bool> go{false};
    std::thread signaller([&, event] {
      while (!go) std::this_thread::yield();
      spin(i % 7);
      event->Signal();
    });
    std::thread expirer([&] {
      while (!go) std::this_thread::yield();
      spin(i % 3);
      clock_.Advance(timeout);
    });
    std::optional<bool> result;
    RunOnFiber([&] {
      go = true;
      result = event->WaitFor(timers_, timeout);
    });
    signaller.join();
    expirer.join();
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(event->signaled());
  }
}

}  // namespace
}  // namespace anvil::fiber
