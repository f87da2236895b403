#include "base/fiber_event.h"

#include <cstdint>
#include <utility>

namespace anvil::fiber {

Wake Event::TakeWake() {
  Wake wake = std::move(wake_);
  wake_ = nullptr;
  return wake;
}

void Event::Signal() {
  Wake wake;
  {
    std::lock_guard lock(mu_);
    signaled_ = true;
    wake = TakeWake();
  }
  if (wake) wake();
}

bool Event::signaled() {
  std::lock_guard lock(mu_);
  return signaled_;
}

bool Event::WaitFor(TimerQueue& timers, SteadyClock::Duration timeout) {
  if (timeout <= SteadyClock::Duration::zero()) return signaled();
  uint64_t timer = 0;
  Await([&](Wake wake) {
    std::unique_lock lock(mu_);
    if (signaled_) {
      lock.unlock();
      wake();
      return;
    }
    wake_ = std::move(wake);
    // The timer ends the wait unless Signal() took the wake first; it keeps the event alive until it runs.
    timer = timers.Schedule(timers.Now() + timeout, [self = shared_from_this()] {
      Wake expired;
      {
        std::lock_guard guard(self->mu_);
        expired = self->TakeWake();
      }
      if (expired) expired();
    });
  });
  if (timer != 0) timers.Cancel(timer);  // a no-op when it has fired
  return signaled();
}

}  // namespace anvil::fiber
