#include "base/timer_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "support/without_time.h"

namespace anvil {
namespace {

using namespace std::chrono_literals;
using testing::WithoutTime;
using TimePoint = TimerQueue::TimePoint;

// Collects the callbacks' labels in the order they ran.
class Log {
 public:
  void Add(int label) {
    std::lock_guard lock(mu_);
    ran_.push_back(label);
    cv_.notify_all();
  }
  std::vector<int> ran() {
    std::lock_guard lock(mu_);
    return ran_;
  }
  // For the real clock: waits (up to a bound) for `n` callbacks to have run.
  bool AwaitCount(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return ran_.size() >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> ran_;
};

// The queues below run on a fake clock: a test moves the time and awaits the queue's thread (AwaitQuiet: it
// has run everything due and waits again; AwaitTimedWait: the time it waits for).
class TimerQueueTest : public ::testing::Test {
 protected:
  FakeSteadyClock clock_{TimePoint() + 1h};
  const TimePoint start_ = clock_.Now();
  Log log_;
};

TEST_F(TimerQueueTest, RunsCallbacksInTimeOrderNotSchedulingOrder) {
  TimerQueue q(clock_);
  q.Schedule(start_ + 60ms, [&] { log_.Add(3); });
  q.Schedule(start_ + 20ms, [&] { log_.Add(1); });
  q.Schedule(start_ + 40ms, [&] { log_.Add(2); });
  clock_.Advance(60ms);
  ASSERT_TRUE(clock_.AwaitQuiet());
  EXPECT_EQ(log_.ran(), (std::vector<int>{1, 2, 3}));
}

TEST_F(TimerQueueTest, RunsEachCallbackAtItsTimeAndNotBefore) {
  TimerQueue q(clock_);
  std::optional<TimePoint> first_at, second_at;  // written on the queue's thread, read after AwaitQuiet
  q.Schedule(start_ + 50ms, [&] { first_at = clock_.Now(); });
  q.Schedule(start_ + 80ms, [&] { second_at = clock_.Now(); });
  EXPECT_EQ(clock_.AwaitTimedWait(), start_ + 50ms);
  clock_.Advance(49ms);
  EXPECT_EQ(clock_.AwaitTimedWait(), start_ + 50ms);
  EXPECT_EQ(first_at, std::nullopt);
  clock_.Advance(1ms);
  EXPECT_EQ(clock_.AwaitTimedWait(), start_ + 80ms);
  EXPECT_EQ(first_at, start_ + 50ms);
  EXPECT_EQ(second_at, std::nullopt);
  clock_.Advance(1h);  // past its time: it runs at the thread's first look
  ASSERT_TRUE(clock_.AwaitQuiet());
  EXPECT_EQ(second_at, start_ + 50ms + 1h);
}

TEST_F(TimerQueueTest, CancelledCallbackNeverRuns) {
  TimerQueue q(clock_);
  uint64_t a = q.Schedule(start_ + 20ms, [&] { log_.Add(1); });
  q.Schedule(start_ + 40ms, [&] { log_.Add(2); });
  EXPECT_TRUE(q.Cancel(a));
  EXPECT_FALSE(q.Cancel(a));
  clock_.Advance(40ms);
  ASSERT_TRUE(clock_.AwaitQuiet());
  EXPECT_EQ(log_.ran(), (std::vector<int>{2}));
}

TEST_F(TimerQueueTest, CancellingTheTimerTheThreadWaitsForLeavesItWaitingForTheNext) {
  TimerQueue q(clock_);
  uint64_t first = q.Schedule(start_ + 1h, [&] { log_.Add(1); });
  ASSERT_EQ(clock_.AwaitTimedWait(), start_ + 1h);  // the thread now waits until `first` is due
  EXPECT_TRUE(q.Cancel(first));
  ASSERT_TRUE(clock_.AwaitQuiet());
  EXPECT_EQ(clock_.AwaitTimedWait(0ms), std::nullopt);  // it no longer waits for a time
  q.Schedule(start_ + 10ms, [&] { log_.Add(2); });
  EXPECT_EQ(clock_.AwaitTimedWait(), start_ + 10ms);
  clock_.Advance(2h);
  ASSERT_TRUE(clock_.AwaitQuiet());
  EXPECT_EQ(log_.ran(), (std::vector<int>{2}));
}

TEST_F(TimerQueueTest, CancelAfterTheCallbackRanReturnsFalse) {
  TimerQueue q(clock_);
  uint64_t id = q.Schedule(start_, [&] { log_.Add(1); });
  ASSERT_TRUE(clock_.AwaitQuiet());
  EXPECT_EQ(log_.ran(), (std::vector<int>{1}));
  EXPECT_FALSE(q.Cancel(id));
  EXPECT_FALSE(q.Cancel(12345));
}

TEST_F(TimerQueueTest, AnEarlierTimerScheduledLaterWakesTheThread) {
  TimerQueue q(clock_);
  q.Schedule(start_ + 1h, [&] { log_.Add(2); });
  ASSERT_EQ(clock_.AwaitTimedWait(), start_ + 1h);  // the thread now waits until the hour is up
  q.Schedule(start_ + 10ms, [&] { log_.Add(1); });
  EXPECT_EQ(clock_.AwaitTimedWait(), start_ + 10ms);
  clock_.Advance(10ms);
  EXPECT_EQ(clock_.AwaitTimedWait(), start_ + 1h);
  EXPECT_EQ(log_.ran(), (std::vector<int>{1}));
}

TEST_F(TimerQueueTest, DestructionRunsPendingCallbacksAtOnceInTimeOrder) {
  auto q = std::make_unique<TimerQueue>(clock_);
  q->Schedule(start_ + 2h, [&] { log_.Add(2); });
  q->Schedule(start_ + 1h, [&] { log_.Add(1); });
  ASSERT_EQ(clock_.AwaitTimedWait(), start_ + 1h);
  WithoutTime(clock_, [&] { q.reset(); });
  EXPECT_EQ(log_.ran(), (std::vector<int>{1, 2}));
}

TEST_F(TimerQueueTest, CallbackMayScheduleAnother) {
  TimerQueue q(clock_);
  q.Schedule(start_, [&] {
    log_.Add(1);
    q.Schedule(q.Now() + 5ms, [&] { log_.Add(2); });
  });
  EXPECT_EQ(clock_.AwaitTimedWait(), start_ + 5ms);
  EXPECT_EQ(log_.ran(), (std::vector<int>{1}));
  clock_.Advance(5ms);
  ASSERT_TRUE(clock_.AwaitQuiet());
  EXPECT_EQ(log_.ran(), (std::vector<int>{1, 2}));
}

// The real clock's waiter: a callback a millisecond away runs, and not before its time.
TEST(TimerQueueRealClockTest, RunsACallbackNoEarlierThanItsTime) {
  Log log;
  TimerQueue q;
  const TimePoint when = q.Now() + 1ms;
  std::optional<TimePoint> ran_at;
  q.Schedule(when, [&] {
    ran_at = q.Now();
    log.Add(1);
  });
  ASSERT_TRUE(log.AwaitCount(1));
  EXPECT_GE(ran_at, when);
}

}  // namespace
}  // namespace anvil
