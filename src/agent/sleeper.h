// Sleeper: how the agent waits (between polls, for Retry-After, for a renewal time). Injected so that tests
// run on a FakeClock and never really sleep: FakeSleeper advances the fake clock by the requested amount
// instead.
//
// Thread-safety: RealSleeper is stateless and thread-safe; FakeSleeper is as thread-safe as FakeClock.
#pragma once

#include <chrono>
#include <thread>
#include <vector>

#include "base/time.h"

namespace anvil::agent {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void Sleep(std::chrono::milliseconds d) = 0;
};

class RealSleeper final : public Sleeper {
 public:
  void Sleep(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
};

// Records each requested sleep and advances `clock` by it.
class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(FakeClock& clock) : clock_(clock) {}
  void Sleep(std::chrono::milliseconds d) override {
    sleeps_.push_back(d);
    clock_.Advance(d);
  }
  const std::vector<std::chrono::milliseconds>& sleeps() const { return sleeps_; }

 private:
  FakeClock& clock_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace anvil::agent
