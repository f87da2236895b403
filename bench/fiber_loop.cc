#include "fiber_loop.h"

#include <boost/asio/steady_timer.hpp>
#include <thread>

#include "http/fiber_runner_executor.h"

namespace anvil::bench {

namespace asio = boost::asio;

void FiberLoop::RunAll(const std::vector<std::function<void()>>& bodies) {
  for (const std::function<void()>& body : bodies) runner_.Spawn(body);
  runner_.WaitIdle();
}

void FiberSleeper::Sleep(std::chrono::milliseconds d) {
  const asio::any_io_executor* strand = http::CurrentFiberExecutor();
  if (strand == nullptr) {
    std::this_thread::sleep_for(d);
    return;
  }
  asio::steady_timer timer(*strand);
  timer.expires_after(d);
  fiber::Await([&](fiber::Wake wake) { timer.async_wait([wake = std::move(wake)](auto) { wake(); }); });
}

void FiberMutex::lock() {
  {
    std::lock_guard lock(mu_);
    if (!locked_) {
      locked_ = true;
      return;
    }
  }
  fiber::Await([&](fiber::Wake wake) {
    std::lock_guard lock(mu_);
    if (!locked_) {  // released meanwhile
      locked_ = true;
      wake();
      return;
    }
    waiters_.push_back(std::move(wake));
  });
}

void FiberMutex::unlock() {
  fiber::Wake next;
  {
    std::lock_guard lock(mu_);
    if (waiters_.empty()) {
      locked_ = false;
      return;
    }
    next = std::move(waiters_.front());  // stays locked: ownership passes to that waiter
    waiters_.pop_front();
  }
  next();
}

}  // namespace anvil::bench
