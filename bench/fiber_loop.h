// FiberLoop: anvil-bench's workers as fibers (base/fiber.h) on a few threads that share one io_context (an
// http::FiberRunner).
//
// A worker thread that waits for each response sleeps in the kernel and is woken by it: two context switches
// per request, which on this paravirtualised VM were a fifth of anvil-bench's CPU (docs/performance.md). As
// fibers, the workers keep their synchronous code (AcmeClient) and wait without a switch: BeastHttpClient
// and FiberSleeper suspend the fiber they run on and resume it from the loop when the I/O or the timer
// completes. A lock held across such a wait must be a FiberMutex.
//
// Thread-safety: RunAll may be called from one thread at a time; FiberMutex and FiberSleeper are thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "agent/sleeper.h"
#include "base/fiber.h"
#include "http/fiber_runner.h"

namespace anvil::bench {

class FiberLoop {
 public:
  explicit FiberLoop(int threads) : runner_(threads) {}

  // Runs each body as a fiber with its own strand, started in order; returns when all have finished.
  void RunAll(const std::vector<std::function<void()>>& bodies);

 private:
  http::FiberRunner runner_;
};

// Sleeps: suspends the calling fiber of a FiberLoop on a timer; blocks the thread elsewhere.
class FiberSleeper final : public agent::Sleeper {
 public:
  void Sleep(std::chrono::milliseconds d) override;
};

// A mutex that may be held across a fiber's waits: a fiber that finds it held waits as a fiber
// (fiber::Await), so the thread goes on running the holder and the others. Ownership passes to the first
// waiter on unlock.
class FiberMutex {
 public:
  void lock();
  void unlock();

 private:
  std::mutex mu_;
  bool locked_ = false;              // guarded by mu_
  std::deque<fiber::Wake> waiters_;  // guarded by mu_
};

}  // namespace anvil::bench
