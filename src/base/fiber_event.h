// fiber::Event: a one-shot event that a fiber (or a plain thread) waits on with a time bound.
//
// Why: a challenge response waits a moment for the validation it started, so that the client usually learns
// the outcome in the response and needs no poll (docs/performance.md); the handler runs on a fiber, and the
// validation's completion arrives on another thread, or never within the bound.
//
// Shared by the waiter and the signaller through a shared_ptr (either may finish first). Signal() wakes the
// waiter, if any, and makes every later WaitFor return true at once. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

#include "base/fiber.h"
#include "base/steady_clock.h"
#include "base/timer_queue.h"

namespace anvil::fiber {

class Event : public std::enable_shared_from_this<Event> {
 public:
  static std::shared_ptr<Event> Make() { return std::shared_ptr<Event>(new Event()); }

  void Signal();
  // Waits (suspending the fiber, or blocking the thread off a fiber) until Signal() or until `timeout` has
  // passed by the clock of `timers`, which bounds the wait; whichever is first. Returns whether the event was
  // signalled. At most one waiter at a time.
  bool WaitFor(TimerQueue& timers, SteadyClock::Duration timeout);
  bool signaled();

 private:
  Event() = default;
  // Takes the waiter's wake function (if one is waiting) so that exactly one party calls it.
  Wake TakeWake();

  std::mutex mu_;
  bool signaled_ = false;
  Wake wake_;
};

}  // namespace anvil::fiber
