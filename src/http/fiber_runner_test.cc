#include "http/fiber_runner.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "base/fiber.h"
#include "http/fiber_runner_executor.h"

namespace anvil::http {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A pipe whose ends are closed with the object.
struct Pipe {
  Pipe() { EXPECT_EQ(pipe(fds), 0); }
  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
  void CloseWriteEnd() {
    close(fds[1]);
    fds[1] = -1;
  }
  int read_end() const { return fds[0]; }
  int write_end() const { return fds[1]; }
  int fds[2] = {-1, -1};
};

int PollReadable(int fd, int timeout_ms, short* revents = nullptr) {
  pollfd p{fd, POLLIN, 0};
  int n = Poll(&p, 1, timeout_ms);
  if (revents != nullptr) *revents = p.revents;
  return n;
}

TEST(FiberRunnerTest, PollOffARunnerIsPlainPoll) {
  Pipe p;
  auto start = SteadyClock::now();
  EXPECT_EQ(PollReadable(p.read_end(), 30), 0);
  EXPECT_GE(SteadyClock::now() - start, 30ms);
  ASSERT_EQ(write(p.write_end(), "x", 1), 1);
  short revents = 0;
  EXPECT_EQ(PollReadable(p.read_end(), -1, &revents), 1);
  EXPECT_EQ(revents, POLLIN);
}

// With one thread, a fiber waiting in Poll must leave the thread to the fiber that makes it ready: if Poll
// blocked the thread, the writer would never run.
TEST(FiberRunnerTest, AWaitingFiberLeavesTheOnlyThreadToOthers) {
  Pipe p;
  std::promise<int> polled;
  std::atomic<bool> writer_ran{false};
  {
    FiberRunner runner(1);
    runner.Spawn([&] {
      short revents = 0;
      int n = PollReadable(p.read_end(), 10000, &revents);
      polled.set_value(n == 1 && revents == POLLIN ? 1 : -1);
    });
    runner.Spawn([&] {
      writer_ran = true;
      EXPECT_EQ(write(p.write_end(), "x", 1), 1);
    });
    auto result = polled.get_future();
    ASSERT_EQ(result.wait_for(5s), std::future_status::ready) << "the waiting fiber blocked the thread";
    EXPECT_EQ(result.get(), 1);
  }
  EXPECT_TRUE(writer_ran);
}

TEST(FiberRunnerTest, TimeoutReturnsZeroWithoutEvents) {
  Pipe p;
  std::atomic<int> result{-2};
  std::atomic<short> revents{-1};
  std::atomic<long> waited_ms{0};
  {
    FiberRunner runner(1);
    runner.Spawn([&] {
      EXPECT_TRUE(fiber::OnFiber());
      auto start = SteadyClock::now();
      short r = -1;
      result = PollReadable(p.read_end(), 50, &r);
      revents = r;
      waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
    });
  }  // the destructor waits for the fiber
  EXPECT_EQ(result, 0);
  EXPECT_EQ(revents, 0);
  EXPECT_GE(waited_ms, 50);
}

TEST(FiberRunnerTest, HangUpIsReadinessForWhatWasAsked) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  std::atomic<int> result{-2};
  std::atomic<short> revents{0};
  {
    FiberRunner runner(1);
    runner.Spawn([&] {
      short r = 0;
      result = PollReadable(pair[0], 10000, &r);
      revents = r;
    });
    std::this_thread::sleep_for(20ms);  // usually waiting by now (else the first ::poll sees POLLHUP too)
    close(pair[1]);
  }
  close(pair[0]);
  EXPECT_EQ(result, 1);
  EXPECT_TRUE(revents & POLLIN) << revents;
}

TEST(FiberRunnerTest, AskingForReadAndWriteReportsWhatIsReady) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  std::atomic<short> revents{0};
  std::atomic<int> result{-2};
  {
    FiberRunner runner(2);
    runner.Spawn([&] {
      pollfd p[2] = {{pair[0], POLLIN, 0}, {pair[1], POLLIN | POLLOUT, 0}};
      result = Poll(p, 2, 10000);
      revents = p[1].revents;
      EXPECT_EQ(p[0].revents, 0);
    });
  }
  close(pair[0]);
  close(pair[1]);
  EXPECT_EQ(result, 1);
  EXPECT_EQ(revents, POLLOUT);  // writable at once, nothing to read
}

// Many fibers wait at once on two threads and are released in the reverse order of their start.
TEST(FiberRunnerTest, ManyWaitersAreEachWokenByTheirOwnDescriptor) {
  constexpr int kFibers = 200;
  std::vector<Pipe> pipes(kFibers);
  std::atomic<int> woken{0};
  std::atomic<int> started{0};
  {
    FiberRunner runner(2);
    for (int i = 0; i < kFibers; ++i) {
      runner.Spawn([&, i] {
        ++started;
        char c = 0;
        if (PollReadable(pipes[i].read_end(), 10000) == 1 && read(pipes[i].read_end(), &c, 1) == 1 &&
            c == 'x') {
          ++woken;
        }
      });
    }
    while (started < kFibers) std::this_thread::sleep_for(1ms);
    for (int i = kFibers - 1; i >= 0; --i) ASSERT_EQ(write(pipes[i].write_end(), "x", 1), 1);
  }
  EXPECT_EQ(woken, kFibers);
}

TEST(FiberRunnerTest, AClosedWriterEndsAWaitWithoutTimeout) {
  Pipe p;
  std::atomic<int> result{-2};
  {
    FiberRunner runner(1);
    runner.Spawn([&] { result = PollReadable(p.read_end(), -1); });
    std::this_thread::sleep_for(10ms);
    p.CloseWriteEnd();
  }
  EXPECT_EQ(result, 1);
}

TEST(FiberRunnerTest, WaitIdleReturnsWhenEverySpawnedBodyHasReturned) {
  FiberRunner runner(2);
  std::atomic<int> done{0};
  for (int round = 1; round <= 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      runner.Spawn([&] {
        pollfd none{-1, 0, 0};
        Poll(&none, 1, 5);  // a wait: the body returns later, on the runner
        ++done;
      });
    }
    runner.WaitIdle();
    EXPECT_EQ(done, 10 * round);
  }
  runner.WaitIdle();  // nothing running: returns at once
}

// Code that starts its own asio I/O on the fiber's executor and waits with fiber::Await (anvil-bench's
// client).
TEST(FiberRunnerTest, CurrentFiberExecutorServesAsioWaitsOfTheFiber) {
  EXPECT_EQ(CurrentFiberExecutor(), nullptr);
  std::atomic<bool> had_executor{false}, timer_fired{false};
  {
    FiberRunner runner(1);
    runner.Spawn([&] {
      const boost::asio::any_io_executor* executor = CurrentFiberExecutor();
      had_executor = executor != nullptr;
      if (executor == nullptr) return;
      boost::asio::steady_timer timer(*executor);
      timer.expires_after(10ms);
      fiber::Await([&](fiber::Wake wake) {
        timer.async_wait([&, wake = std::move(wake)](const boost::system::error_code& ec) {
          timer_fired = !ec;
          wake();
        });
      });
    });
  }
  EXPECT_TRUE(had_executor);
  EXPECT_TRUE(timer_fired);
}

}  // namespace
}  // namespace anvil::http
