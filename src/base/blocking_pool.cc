#include "base/blocking_pool.h"

#include <utility>

#include "base/fiber.h"

namespace anvil {

BlockingPool::BlockingPool(int threads) {
  for (int i = 0; i < (threads < 1 ? 1 : threads); ++i) threads_.emplace_back([this] { Loop(); });
}

BlockingPool::~BlockingPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void BlockingPool::Run(const std::function<void()>& call) {
  // `call` outlives the queued task: Await returns only after the task has called wake.
  fiber::Await([&](fiber::Wake wake) {
    {
      std::lock_guard lock(mu_);
      queue_.emplace_back([&call, wake = std::move(wake)] {
        call();
        wake();
      });
    }
    cv_.notify_one();
  });
}

void BlockingPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace anvil
