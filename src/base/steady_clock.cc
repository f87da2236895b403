#include "base/steady_clock.h"

#include <algorithm>

namespace anvil {
namespace {

class RealWaiter final : public SteadyClock::Waiter {
 public:
  void WaitUntil(std::unique_lock<std::mutex>& lock, SteadyClock::TimePoint when) override {
    if (when == SteadyClock::TimePoint::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, when);
    }
  }
  void Notify() override { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

class RealSteadyClock final : public SteadyClock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::unique_ptr<Waiter> NewWaiter(std::mutex&) override { return std::make_unique<RealWaiter>(); }
};

}  // namespace

SteadyClock& SteadyClock::Real() {
  static RealSteadyClock clock;
  return clock;
}

// Its state (waiting_, until_) is guarded by the clock's state_mu_.
class FakeSteadyClock::FakeWaiter final : public SteadyClock::Waiter {
 public:
  FakeWaiter(FakeSteadyClock& clock, std::mutex& mu) : clock_(clock), mu_(mu) {
    std::lock_guard registry(clock_.registry_mu_);
    std::lock_guard state(clock_.state_mu_);
    clock_.waiters_.insert(this);
  }
  ~FakeWaiter() override {
    std::lock_guard registry(clock_.registry_mu_);
    std::lock_guard state(clock_.state_mu_);
    clock_.waiters_.erase(this);
    clock_.state_cv_.notify_all();
  }

  void WaitUntil(std::unique_lock<std::mutex>& lock, TimePoint when) override {
    {
      std::lock_guard state(clock_.state_mu_);
      if (when <= clock_.now_) return;  // the time came after the caller looked
      waiting_ = true;
      until_ = when;
      clock_.state_cv_.notify_all();
    }
    cv_.wait(lock);  // Advance notifies under `lock`'s mutex, so not before this thread waits
    std::lock_guard state(clock_.state_mu_);
    waiting_ = false;
  }
  void Notify() override {
    {
      // Under the thread's mutex: it either waits in cv_ (and the notification below wakes it) or will look
      // at what changed before it records another wait; a wait recorded since the change is not undone.
      std::lock_guard lock(mu_);
      std::lock_guard state(clock_.state_mu_);
      waiting_ = false;  // until it has looked at what changed
    }
    cv_.notify_all();
  }

 private:
  friend class FakeSteadyClock;
  FakeSteadyClock& clock_;
  std::mutex& mu_;
  std::condition_variable cv_;
  bool waiting_ = true;  // a thread not started yet has nothing due
  TimePoint until_ = TimePoint::max();
};

FakeSteadyClock::FakeSteadyClock(TimePoint start) : now_(start) {}

FakeSteadyClock::~FakeSteadyClock() = default;

SteadyClock::TimePoint FakeSteadyClock::Now() const {
  std::lock_guard state(state_mu_);
  return now_;
}

std::unique_ptr<SteadyClock::Waiter> FakeSteadyClock::NewWaiter(std::mutex& mu) {
  return std::make_unique<FakeWaiter>(*this, mu);
}

void FakeSteadyClock::Advance(Duration d) {
  std::lock_guard registry(registry_mu_);
  {
    std::lock_guard state(state_mu_);
    now_ += d;
    for (FakeWaiter* w : waiters_) w->waiting_ = false;  // until it has looked at the new time
  }
  for (FakeWaiter* w : waiters_) {
    // A thread that looked at the time before the jump holds its mutex until it waits.
    std::lock_guard lock(w->mu_);
    w->cv_.notify_all();
  }
}

void FakeSteadyClock::AdvanceTo(TimePoint t) {
  const TimePoint now = Now();
  if (t > now) Advance(t - now);
}

std::optional<SteadyClock::TimePoint> FakeSteadyClock::AwaitWaits(bool timed,
                                                                  std::chrono::milliseconds bound) {
  std::unique_lock state(state_mu_);
  TimePoint earliest = TimePoint::max();
  const bool done = state_cv_.wait_for(state, bound, [&] {
    earliest = TimePoint::max();
    for (const FakeWaiter* w : waiters_) {
      if (!w->waiting_) return false;
      earliest = std::min(earliest, w->until_);
    }
    return !timed || earliest != TimePoint::max();
  });
  if (!done) return std::nullopt;
  return earliest;
}

std::optional<SteadyClock::TimePoint> FakeSteadyClock::AwaitTimedWait(std::chrono::milliseconds bound) {
  return AwaitWaits(true, bound);
}

bool FakeSteadyClock::AwaitQuiet(std::chrono::milliseconds bound) {
  return AwaitWaits(false, bound).has_value();
}

}  // namespace anvil
