// SteadyClock: the monotonic time of code that bounds a wait (TimerQueue, and through it
// fiber::Event::WaitFor and ra::ChallengeWaits), injected so that a test moves the time instead of waiting
// for it. Production code uses SteadyClock::Real() (std::chrono::steady_clock); tests use FakeSteadyClock.
//
// A thread that waits for a time of the clock does so through a Waiter the clock made for it, so that a clock
// that jumps (FakeSteadyClock::Advance) can wake it: the waiter knows the mutex the thread holds while it
// checks the time, and a jump notifies the thread under that mutex, so a check just before the jump is never
// followed by a sleep through it.
//
// Thread-safe: every method may be called from any thread. A Waiter is used by one waiting thread (WaitUntil)
// and any number of notifying ones (Notify).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

namespace anvil {

class SteadyClock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  class Waiter {
   public:
    virtual ~Waiter() = default;
    // Blocks, releasing `lock` (on the mutex given to NewWaiter) meanwhile as condition_variable::wait_until
    // does, until `when` has come by the clock, until Notify(), or spuriously: the caller checks again.
    // TimePoint::max() waits for Notify() only.
    virtual void WaitUntil(std::unique_lock<std::mutex>& lock, TimePoint when) = 0;
    // Wakes the thread in WaitUntil, if any, after the caller has changed (under the mutex) what that thread
    // checks. The caller must not hold the mutex.
    virtual void Notify() = 0;
  };

  virtual ~SteadyClock() = default;
  virtual TimePoint Now() const = 0;
  // A waiter for a thread that holds `mu` while it checks the time; `mu` and the clock must outlive it, and
  // it must be destroyed without holding `mu`.
  virtual std::unique_ptr<Waiter> NewWaiter(std::mutex& mu) = 0;

  // std::chrono::steady_clock. It has no state, so one instance serves every caller.
  static SteadyClock& Real();
};

// A clock for tests that moves only when told to, and lets a test await what the waiting threads do: a
// thread waiting in WaitUntil for a time that has not come has done everything that was due. Time starts at
// `start`.
class FakeSteadyClock final : public SteadyClock {
 public:
  explicit FakeSteadyClock(TimePoint start = TimePoint());
  ~FakeSteadyClock() override;

  TimePoint Now() const override;
  std::unique_ptr<Waiter> NewWaiter(std::mutex& mu) override;

  // Moves the time forward by `d` (to `t`; never back) and wakes every waiter's thread.
  void Advance(Duration d);
  void AdvanceTo(TimePoint t);

  // These wait in real time for at most `bound` (a test that would otherwise hang fails instead).
  // Until every waiter's thread waits in WaitUntil for a time that has not come (all that was due has run),
  // and at least one of them for a time rather than for Notify(): returns the earliest such time, or nullopt
  // at the bound. A waiter whose thread has not started counts as waiting for Notify().
  std::optional<TimePoint> AwaitTimedWait(std::chrono::milliseconds bound = std::chrono::milliseconds(10000));
  // Until every waiter's thread waits in WaitUntil for a time that has not come; false at the bound.
  bool AwaitQuiet(std::chrono::milliseconds bound = std::chrono::milliseconds(10000));

 private:
  class FakeWaiter;
  // `timed`: at least one waits for a time. Returns the earliest time waited for (max() if none).
  std::optional<TimePoint> AwaitWaits(bool timed, std::chrono::milliseconds bound);

  // Lock order: registry_mu_, then a waiter's mutex, then state_mu_.
  std::mutex registry_mu_;            // held by Advance while it notifies, so no waiter goes away meanwhile
  mutable std::mutex state_mu_;       // guards now_, the waiters' states and (with registry_mu_) waiters_
  std::condition_variable state_cv_;  // a waiter's state changed
  TimePoint now_;
  std::set<FakeWaiter*> waiters_;
};

}  // namespace anvil
