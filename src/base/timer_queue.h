// TimerQueue: runs callbacks at given times on one thread of its own, for code that has no event loop of its
// own and must bound a wait (fiber::Event::WaitFor). The thread starts with the first Schedule. The times are
// those of an injected SteadyClock (the real one by default; tests move a FakeSteadyClock instead of
// waiting).
//
// Callbacks run one at a time on the queue's thread, so they must be short and must not block (waking a
// fiber or notifying a condition variable is what they are for). A callback may call Schedule and Cancel.
// Destroying the queue runs the callbacks still pending at once, in time order, then joins the thread: a
// wait bounded by the queue never outlives it.
//
// Thread-safe: Schedule and Cancel may be called from any thread, concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "base/steady_clock.h"

namespace anvil {

class TimerQueue {
 public:
  using TimePoint = SteadyClock::TimePoint;

  // `clock` must outlive the queue.
  explicit TimerQueue(SteadyClock& clock = SteadyClock::Real());
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // The queue's clock's time: what `when` is measured against.
  TimePoint Now() const { return clock_.Now(); }
  // Runs `fn` at (or soon after) `when`; returns an id for Cancel, never 0.
  uint64_t Schedule(TimePoint when, std::function<void()> fn);
  // Removes a pending callback; false when it has already run, is running, or never existed.
  bool Cancel(uint64_t id);

 private:
  void Run();

  SteadyClock& clock_;
  std::mutex mu_;
  // (when, id) → callback: time order, ids break ties in scheduling order.
  std::map<std::pair<TimePoint, uint64_t>, std::function<void()>> pending_;
  std::map<uint64_t, TimePoint> when_;  // id → its key in pending_
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
  // Where the thread waits for the first time in pending_ (or for work). Destroyed first, after the join.
  const std::unique_ptr<SteadyClock::Waiter> waiter_;
};

}  // namespace anvil
