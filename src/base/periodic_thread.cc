#include "base/periodic_thread.h"

#include <utility>

namespace anvil {

void PeriodicThread::Start(std::chrono::nanoseconds period, std::function<void()> task, bool first_at_once) {
  thread_ = std::thread([this, period, task = std::move(task), first_at_once] {
    if (first_at_once) task();
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
      lock.unlock();
      task();
      lock.lock();
    }
  });
}

void PeriodicThread::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace anvil
