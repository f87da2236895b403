#include "base/timer_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace anvil {
namespace {

using namespace std::chrono_literals;

// Collects the callbacks' labels in the order they ran.
struct Log {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> ran;
  void Add(int label) {
    std::lock_guard lock(mu);
    ran.push_back(label);
    cv.notify_all();
  }
  bool WaitForCount(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 10s, [&] { return ran.size() >= n; });
  }
};

TEST(TimerQueueTest, RunsCallbacksInTimeOrderNotSchedulingOrder) {
  Log log;
  TimerQueue q;
  auto now = TimerQueue::Clock::now();
  q.Schedule(now + 60ms, [&] { log.Add(3); });
  q.Schedule(now + 20ms, [&] { log.Add(1); });
  q.Schedule(now + 40ms, [&] { log.Add(2); });
  ASSERT_TRUE(log.WaitForCount(3));
  EXPECT_EQ(log.ran, (std::vector<int>{1, 2, 3}));
}

TEST(TimerQueueTest, DoesNotRunACallbackBeforeItsTime) {
  std::atomic<bool> ran{false};
  TimerQueue q;
  auto start = TimerQueue::Clock::now();
  std::atomic<TimerQueue::Clock::time_point> at{start};
  q.Schedule(start + 50ms, [&] {
    at = TimerQueue::Clock::now();
    ran = true;
  });
  while (!ran) std::this_thread::sleep_for(1ms);
  EXPECT_GE(at.load() - start, 50ms);
}

TEST(TimerQueueTest, CancelledCallbackNeverRuns) {
  Log log;
  TimerQueue q;
  auto now = TimerQueue::Clock::now();
  uint64_t a = q.Schedule(now + 20ms, [&] { log.Add(1); });
  q.Schedule(now + 40ms, [&] { log.Add(2); });
  EXPECT_TRUE(q.Cancel(a));
  EXPECT_FALSE(q.Cancel(a));
  ASSERT_TRUE(log.WaitForCount(1));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(log.ran, (std::vector<int>{2}));
}

TEST(TimerQueueTest, CancellingTheTimerTheThreadWaitsForLeavesItWaitingForTheNext) {
  Log log;
  TimerQueue q;
  auto now = TimerQueue::Clock::now();
  uint64_t first = q.Schedule(now + 1h, [&] { log.Add(1); });
  std::this_thread::sleep_for(20ms);  // the thread now waits until `first` is due (ASan checks it lets go)
  EXPECT_TRUE(q.Cancel(first));
  q.Schedule(TimerQueue::Clock::now() + 10ms, [&] { log.Add(2); });
  ASSERT_TRUE(log.WaitForCount(1));
  EXPECT_EQ(log.ran, (std::vector<int>{2}));
}

TEST(TimerQueueTest, CancelAfterTheCallbackRanReturnsFalse) {
  Log log;
  TimerQueue q;
  uint64_t id = q.Schedule(TimerQueue::Clock::now(), [&] { log.Add(1); });
  ASSERT_TRUE(log.WaitForCount(1));
  EXPECT_FALSE(q.Cancel(id));
  EXPECT_FALSE(q.Cancel(12345));
}

TEST(TimerQueueTest, AnEarlierTimerScheduledLaterWakesTheThread) {
  Log log;
  TimerQueue q;
  auto start = TimerQueue::Clock::now();
  q.Schedule(start + 1h, [&] { log.Add(2); });
  std::this_thread::sleep_for(10ms);  // the thread now sleeps until the hour is up
  q.Schedule(TimerQueue::Clock::now() + 10ms, [&] { log.Add(1); });
  ASSERT_TRUE(log.WaitForCount(1));
  EXPECT_LT(TimerQueue::Clock::now() - start, 5s);
  EXPECT_EQ(log.ran, (std::vector<int>{1}));
}

TEST(TimerQueueTest, DestructionRunsPendingCallbacksAtOnceInTimeOrder) {
  Log log;
  auto start = TimerQueue::Clock::now();
  {
    TimerQueue q;
    q.Schedule(start + 2h, [&] { log.Add(2); });
    q.Schedule(start + 1h, [&] { log.Add(1); });
  }
  EXPECT_LT(TimerQueue::Clock::now() - start, 5s);
  EXPECT_EQ(log.ran, (std::vector<int>{1, 2}));
}

TEST(TimerQueueTest, CallbackMayScheduleAnother) {
  Log log;
  TimerQueue q;
  q.Schedule(TimerQueue::Clock::now(), [&] {
    log.Add(1);
    q.Schedule(TimerQueue::Clock::now() + 5ms, [&] { log.Add(2); });
  });
  ASSERT_TRUE(log.WaitForCount(2));
  EXPECT_EQ(log.ran, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace anvil
