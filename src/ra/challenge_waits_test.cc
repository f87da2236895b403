#include "ra/challenge_waits.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>

#include "support/without_time.h"

namespace anvil::ra {
namespace {

using namespace std::chrono_literals;
using testing::WithoutTime;
using TimePoint = SteadyClock::TimePoint;

// The waits run on a fake clock: a test learns that a response waits, and until when, from the time the
// waits' timer thread waits for (FakeSteadyClock::AwaitTimedWait), and ends the wait by storing the outcome
// or by moving the clock.
class ChallengeWaitsTest : public ::testing::Test {
 protected:
  // Once a response waits, stores the outcome of `ticket`'s validation; the future holds the time the wait
  // would have ended.
  std::future<std::optional<TimePoint>> DoneWhileWaiting(ChallengeWaits& waits,
                                                         ChallengeWaits::Ticket& ticket) {
    return std::async(std::launch::async, [this, &waits, &ticket] {
      std::optional<TimePoint> until = clock_.AwaitTimedWait();
      waits.Done(ticket);
      return until;
    });
  }
  // Once a response waits, moves the clock to the end of its wait; the future holds that time.
  std::future<std::optional<TimePoint>> ExpireTheWait() {
    return std::async(std::launch::async, [this] {
      std::optional<TimePoint> until = clock_.AwaitTimedWait();
      if (until) clock_.AdvanceTo(*until);
      return until;
    });
  }

  FakeSteadyClock clock_{TimePoint() + 1h};
  const TimePoint start_ = clock_.Now();
};

TEST_F(ChallengeWaitsTest, OutcomeStoredBeforeTheWaitReturnsTrueAtOnce) {
  ChallengeWaits waits(10s, clock_);
  auto ticket = waits.Begin("acct-1", "authz-1", "c1");
  waits.Done(*ticket);
  EXPECT_TRUE(WithoutTime(clock_, [&] { return waits.Wait(*ticket); }));
}

TEST_F(ChallengeWaitsTest, WaitEndsWhenTheOutcomeIsStored) {
  ChallengeWaits waits(10s, clock_);
  auto ticket = waits.Begin("acct-1", "authz-1", "c1");
  auto validation = DoneWhileWaiting(waits, *ticket);
  EXPECT_TRUE(waits.Wait(*ticket));
  EXPECT_EQ(validation.get(), start_ + 10s);
  EXPECT_EQ(clock_.Now(), start_);
}

TEST_F(ChallengeWaitsTest, AfterASlowValidationTheAccountDoesNotWaitUntilItEnds) {
  ChallengeWaits waits(1s, clock_);
  auto slow = waits.Begin("acct-1", "authz-1", "c1");
  auto expiry = ExpireTheWait();
  EXPECT_FALSE(waits.Wait(*slow));
  EXPECT_EQ(expiry.get(), start_ + 1s);

  // The same account: no wait while `slow` runs. Another account: the full wait.
  auto next = waits.Begin("acct-1", "authz-2", "c1");
  EXPECT_FALSE(WithoutTime(clock_, [&] { return waits.Wait(*next); }));
  auto other = waits.Begin("acct-2", "authz-3", "c1");
  expiry = ExpireTheWait();
  EXPECT_FALSE(waits.Wait(*other));
  EXPECT_EQ(expiry.get(), start_ + 2s);

  // Both of acct-1's validations end: its responses wait again.
  waits.Done(*slow);
  waits.Done(*next);
  auto again = waits.Begin("acct-1", "authz-4", "c1");
  auto validation = DoneWhileWaiting(waits, *again);
  EXPECT_TRUE(waits.Wait(*again));
  EXPECT_EQ(validation.get(), start_ + 3s);
  waits.Done(*other);
}

TEST_F(ChallengeWaitsTest, OneValidationPerAuthorizationAtATime) {
  ChallengeWaits waits(0s, clock_);
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

TEST_F(ChallengeWaitsTest, ZeroWaitNeverBlocks) {
  ChallengeWaits waits(0s, clock_);
  auto ticket = waits.Begin("acct-1", "authz-1", "c1");
  EXPECT_FALSE(WithoutTime(clock_, [&] { return waits.Wait(*ticket); }));
  waits.Done(*ticket);
}

}  // namespace
}  // namespace anvil::ra
