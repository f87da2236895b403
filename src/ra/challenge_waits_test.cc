#include "ra/challenge_waits.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace anvil::ra {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A validation that stores its outcome 20 ms from now, on another thread.
std::thread DoneSoon(ChallengeWaits& waits, ChallengeWaits::Ticket& ticket) {
  return std::thread([&waits, &ticket] {
    std::this_thread::sleep_for(20ms);
    waits.Done(ticket);
  });
}

TEST(ChallengeWaitsTest, OutcomeStoredBeforeTheWaitReturnsTrueAtOnce) {
  ChallengeWaits waits(10s);
  auto ticket = waits.Begin("acct-1", "authz-1", "c1");
  waits.Done(*ticket);
  auto start = SteadyClock::now();
  EXPECT_TRUE(waits.Wait(*ticket));
  EXPECT_LT(SteadyClock::now() - start, 5s);
}

TEST(ChallengeWaitsTest, WaitEndsWhenTheOutcomeIsStored) {
  ChallengeWaits waits(10s);
  auto ticket = waits.Begin("acct-1", "authz-1", "c1");
  std::thread validation = DoneSoon(waits, *ticket);
  auto start = SteadyClock::now();
  EXPECT_TRUE(waits.Wait(*ticket));
  EXPECT_LT(SteadyClock::now() - start, 5s);
  validation.join();
}

TEST(ChallengeWaitsTest, AfterASlowValidationTheAccountDoesNotWaitUntilItEnds) {
  ChallengeWaits waits(1s);
  auto slow = waits.Begin("acct-1", "authz-1", "c1");
  auto start = SteadyClock::now();
  EXPECT_FALSE(waits.Wait(*slow));
  EXPECT_GE(SteadyClock::now() - start, 1s);

  // The same account: no wait while `slow` runs. Another account: the full wait.
  auto next = waits.Begin("acct-1", "authz-2", "c1");
  start = SteadyClock::now();
  EXPECT_FALSE(waits.Wait(*next));
  EXPECT_LT(SteadyClock::now() - start, 500ms);
  auto other = waits.Begin("acct-2", "authz-3", "c1");
  start = SteadyClock::now();
  EXPECT_FALSE(waits.Wait(*other));
  EXPECT_GE(SteadyClock::now() - start, 1s);

  // Both of acct-1's validations end: its responses wait again.
  waits.Done(*slow);
  waits.Done(*next);
  auto again = waits.Begin("acct-1", "authz-4", "c1");
  std::thread validation = DoneSoon(waits, *again);
  EXPECT_TRUE(waits.Wait(*again));
  validation.join();
}

TEST(ChallengeWaitsTest, OneValidationPerAuthorizationAtATime) {
  ChallengeWaits waits(0s);
  auto first = waits.Begin("acct-1", "authz-1", "c1");
  ASSERT_NE(first, nullptr);
  std::string running;
  EXPECT_EQ(waits.Begin("acct-1", "authz-1", "c2", &running), nullptr);
  EXPECT_EQ(running, "c1");
  auto other = waits.Begin("acct-1", "authz-2", "c1");
  ASSERT_NE(other, nullptr);
  waits.Done(*first);
  EXPECT_NE(waits.Begin("acct-1", "authz-1", "c2"), nullptr);
  waits.Done(*other);
}

TEST(ChallengeWaitsTest, ZeroWaitNeverBlocks) {
  ChallengeWaits waits(0s);
  auto ticket = waits.Begin("acct-1", "authz-1", "c1");
  auto start = SteadyClock::now();
  EXPECT_FALSE(waits.Wait(*ticket));
  EXPECT_LT(SteadyClock::now() - start, 500ms);
  waits.Done(*ticket);
}

}  // namespace
}  // namespace anvil::ra
