#include "base/fiber.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace anvil::fiber {
namespace {

// A minimal scheduler: a queue of fibers to resume, run by whoever calls RunUntilIdle / RunOne.
class Queue {
 public:
  void Push(Fiber* f) {
    std::lock_guard lock(mu_);
    ready_.push_back(f);
    cv_.notify_all();
  }
  // Waits for a woken fiber and resumes it; returns whether it finished.
  bool ResumeNext() {
    Fiber* f;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !ready_.empty(); });
      f = ready_.front();
      ready_.pop_front();
    }
    return f->Resume();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Fiber*> ready_;
};

TEST(FiberTest, BodyThatDoesNotWaitFinishesInTheFirstResume) {
  int ran = 0;
  Fiber f([&] { ++ran; }, [] { FAIL() << "nothing to schedule"; });
  EXPECT_FALSE(f.finished());
  EXPECT_TRUE(f.Resume());
  EXPECT_TRUE(f.finished());
  EXPECT_EQ(ran, 1);
}

TEST(FiberTest, OnFiberOnlyInsideTheBody) {
  EXPECT_FALSE(OnFiber());
  bool inside = false;
  Fiber f([&] { inside = OnFiber(); }, [] {});
  f.Resume();
  EXPECT_TRUE(inside);
  EXPECT_FALSE(OnFiber());
}

TEST(FiberTest, AwaitSuspendsUntilWokenAndResumesWhereItLeftOff) {
  Queue queue;
  Wake saved;
  std::vector<std::string> steps;
  Fiber* self = nullptr;
  Fiber f(
      [&] {
        steps.push_back("before");
        Await([&](Wake wake) { saved = std::move(wake); });
        steps.push_back("after");
      },
      [&] { queue.Push(self); });
  self = &f;
  EXPECT_FALSE(f.Resume());  // suspended in Await
  EXPECT_EQ(steps, std::vector<std::string>{"before"});
  saved();  // schedules
  EXPECT_TRUE(queue.ResumeNext());
  EXPECT_EQ(steps, (std::vector<std::string>{"before", "after"}));
}

TEST(FiberTest, WakeCalledInsideStartStillSuspendsOnce) {
  Queue queue;
  Fiber* self = nullptr;
  int after = 0;
  Fiber f(
      [&] {
        Await([](Wake wake) { wake(); });
        ++after;
      },
      [&] { queue.Push(self); });
  self = &f;
  EXPECT_FALSE(f.Resume());
  EXPECT_TRUE(queue.ResumeNext());
  EXPECT_EQ(after, 1);
}

TEST(FiberTest, ManyFibersWokenFromAnotherThreadResumeOnThisOne) {
  // Each fiber awaits three times; a waker thread wakes them in reverse order. Locals on each fiber's stack
  // must survive every switch.
  constexpr int kFibers = 50;
  Queue queue;
  std::mutex mu;
  std::vector<Wake> pending;
  std::vector<std::unique_ptr<Fiber>> fibers;
  std::vector<int> sums(kFibers, 0);
  for (int i = 0; i < kFibers; ++i) {
    fibers.push_back(std::make_unique<Fiber>(
        [&, i] {
          int local = i * 1000;
          for (int round = 0; round < 3; ++round) {
            Await([&](Wake wake) {
              std::lock_guard lock(mu);
              pending.push_back(std::move(wake));
            });
            local += round;
          }
          sums[i] = local;
        },
        [&queue, i, &fibers] { queue.Push(fibers[i].get()); }));
  }
  for (auto& f : fibers) ASSERT_FALSE(f->Resume());
  std::atomic<bool> done{false};
  std::thread waker([&] {
    while (!done) {
      std::vector<Wake> batch;
      {
        std::lock_guard lock(mu);
        batch.swap(pending);
      }
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) (*it)();
      std::this_thread::yield();
    }
  });
  int finished = 0;
  while (finished < kFibers) finished += queue.ResumeNext() ? 1 : 0;
  done = true;
  waker.join();
  for (int i = 0; i < kFibers; ++i) EXPECT_EQ(sums[i], i * 1000 + 3) << i;
}

// Opaque to the optimizer, which may otherwise reuse pthread_self's result across the switch (see fiber.h).
[[gnu::noipa]] std::thread::id ThisThread() { return std::this_thread::get_id(); }

TEST(FiberTest, FiberResumedOnAnotherThreadContinues) {
  Queue queue;
  Wake saved;
  Fiber* self = nullptr;
  std::thread::id first, second;
  Fiber f(
      [&] {
        first = ThisThread();
        Await([&](Wake wake) { saved = std::move(wake); });
        second = ThisThread();
      },
      [&] { queue.Push(self); });
  self = &f;
  ASSERT_FALSE(f.Resume());
  saved();
  bool finished = false;
  std::thread other([&] { finished = queue.ResumeNext(); });
  other.join();
  EXPECT_TRUE(finished);
  EXPECT_EQ(first, std::this_thread::get_id());
  EXPECT_NE(second, first);
}

TEST(FiberTest, ExceptionFromTheBodyIsRethrownByResume) {
  Fiber f([] { throw std::runtime_error("boom"); }, [] {});
  EXPECT_THROW(f.Resume(), std::runtime_error);
  EXPECT_TRUE(f.finished());
}

TEST(FiberTest, AwaitOffAFiberBlocksUntilWokenFromAnotherThread) {
  std::thread waker;
  bool woken_before_return = false;
  std::atomic<bool> woke{false};
  Await([&](Wake wake) {
    waker = std::thread([&woke, wake = std::move(wake)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      woke = true;
      wake();
    });
  });
  woken_before_return = woke;
  waker.join();
  EXPECT_TRUE(woken_before_return);
}

TEST(FiberTest, DeepRecursionFitsInTheStack) {
  // Handlers run SQLite, OpenSSL and JSON code on fiber stacks: 200 KiB of frames must fit.
  std::function<int(int)> recurse = [&](int depth) -> int {
    volatile char frame[1024];
    frame[0] = static_cast<char>(depth);
    return depth == 0 ? frame[0] : recurse(depth - 1) + 1;
  };
  int result = 0;
  Fiber f([&] { result = recurse(200); }, [] {});
  EXPECT_TRUE(f.Resume());
  EXPECT_EQ(result, 200);
}

TEST(FiberTest, StacksAreReusedAcrossFibers) {
  for (int i = 0; i < 200; ++i) {
    int x = 0;
    Fiber f([&] { x = i; }, [] {});
    ASSERT_TRUE(f.Resume());
    ASSERT_EQ(x, i);
  }
}

}  // namespace
}  // namespace anvil::fiber
