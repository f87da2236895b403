// For tests on a FakeSteadyClock: runs a call that must return without the clock moving (a wait that ends
// at once, a destructor that must not wait for its timers), so that a wrong wait fails the test instead of
// hanging it: the call runs on another thread, and if it has not returned after 10 s of real time the test
// fails and the clock is moved a day on, which ends any wait.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "base/steady_clock.h"

namespace anvil::testing {

template <typename Call>
auto WithoutTime(FakeSteadyClock& clock, Call call) {
  auto result = std::async(std::launch::async, std::move(call));
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "the call waited for the fake clock to move";
    clock.Advance(std::chrono::hours(24));
  }
  return result.get();
}

}  // namespace anvil::testing
