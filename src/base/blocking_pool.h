// BlockingPool: threads for calls that block (a libcurl request to a webhook), so that a handler running as a
// fiber on a network thread (base/fiber.h) suspends while one runs instead of holding that thread — and with
// it every other request the thread serves.
//
// Run() queues the call and waits for it: on a fiber through fiber::Await, off a fiber by blocking the calling
// thread. At most `threads` calls run at once; more wait in the queue, in order. Destruction finishes the
// queued calls and joins the threads. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace anvil {

class BlockingPool {
 public:
  explicit BlockingPool(int threads);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs `call` on a pool thread and returns once it has returned. `call` must not throw.
  void Run(const std::function<void()>& call);

 private:
  void Loop();

  std::mutex mu_;  // guards queue_ and stopping_
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace anvil
