#include "base/steady_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

namespace anvil {
namespace {

using namespace std::chrono_literals;
using TimePoint = SteadyClock::TimePoint;

// A thread that waits on a clock the way TimerQueue's does: until `deadline` by the clock, or until stopped.
class WaitingThread {
 public:
  WaitingThread(SteadyClock& clock, TimePoint deadline)
      : clock_(clock), deadline_(deadline), waiter_(clock.NewWaiter(mu_)), thread_([this] { Run(); }) {}
  ~WaitingThread() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    waiter_->Notify();
    thread_.join();
  }
  std::optional<TimePoint> reached() {
    std::lock_guard lock(mu_);
    return reached_;
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      const TimePoint now = clock_.Now();
      if (now >= deadline_ && !reached_) reached_ = now;
      waiter_->WaitUntil(lock, reached_ ? TimePoint::max() : deadline_);
    }
  }

  SteadyClock& clock_;
  const TimePoint deadline_;
  std::mutex mu_;
  bool stopping_ = false;
  std::optional<TimePoint> reached_;
  std::unique_ptr<SteadyClock::Waiter> waiter_;
  std::thread thread_;
};

TEST(FakeSteadyClockTest, MovesOnlyWhenAdvanced) {
  FakeSteadyClock clock(TimePoint() + 1h);
  EXPECT_EQ(clock.Now(), TimePoint() + 1h);
  clock.Advance(5ms);
  EXPECT_EQ(clock.Now(), TimePoint() + 1h + 5ms);
  clock.AdvanceTo(TimePoint());  // never back
  EXPECT_EQ(clock.Now(), TimePoint() + 1h + 5ms);
  clock.AdvanceTo(TimePoint() + 2h);
  EXPECT_EQ(clock.Now(), TimePoint() + 2h);
}

TEST(FakeSteadyClockTest, AwaitTimedWaitReportsTheTimeAThreadWaitsFor) {
  FakeSteadyClock clock;
  WaitingThread thread(clock, clock.Now() + 30s);
  EXPECT_EQ(clock.AwaitTimedWait(), clock.Now() + 30s);
  EXPECT_EQ(thread.reached(), std::nullopt);
}

TEST(FakeSteadyClockTest, AdvancingToTheTimeWakesTheWaitingThread) {
  FakeSteadyClock clock;
  const TimePoint deadline = clock.Now() + 30s;
  WaitingThread thread(clock, deadline);
  ASSERT_EQ(clock.AwaitTimedWait(), deadline);
  clock.Advance(29s);
  // The thread looked at the new time and waits again, for the same deadline.
  EXPECT_EQ(clock.AwaitTimedWait(), deadline);
  EXPECT_EQ(thread.reached(), std::nullopt);
  clock.Advance(1s);
  ASSERT_TRUE(clock.AwaitQuiet());
  EXPECT_EQ(thread.reached(), deadline);
}

TEST(FakeSteadyClockTest, AdvancingPastTheTimeWakesTheWaitingThread) {
  FakeSteadyClock clock;
  WaitingThread thread(clock, clock.Now() + 30s);
  ASSERT_TRUE(clock.AwaitTimedWait().has_value());
  clock.Advance(1h);
  ASSERT_TRUE(clock.AwaitQuiet());
  EXPECT_EQ(thread.reached(), clock.Now());
}

TEST(FakeSteadyClockTest, AwaitsGiveUpAtTheirBoundWhenNoThreadWaitsForATime) {
  FakeSteadyClock clock;
  EXPECT_TRUE(clock.AwaitQuiet(0ms));  // no waiter at all
  std::mutex mu;
  auto idle = clock.NewWaiter(mu);  // no thread: counts as waiting for Notify()
  EXPECT_TRUE(clock.AwaitQuiet(0ms));
  EXPECT_EQ(clock.AwaitTimedWait(0ms), std::nullopt);
  idle->Notify();  // something changed that no thread has looked at
  EXPECT_FALSE(clock.AwaitQuiet(0ms));
}

TEST(RealSteadyClockTest, FollowsTheSteadyClock) {
  const auto before = std::chrono::steady_clock::now();
  const TimePoint now = SteadyClock::Real().Now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, std::chrono::steady_clock::now());
}

}  // namespace
}  // namespace anvil
