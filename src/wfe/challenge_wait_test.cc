// The response to a challenge (RFC 8555 §7.5.1) waits up to acme.challenge_wait for the validation it started
// and then carries the outcome, so that a client needs no poll; a slower validation is answered "processing".
// Real RA and front end, in-memory store, a FakeValidator that completes validations when the test says, and
// a fake steady clock for the waits: a test learns that a response waits, and until when, from the harness's
// FakeSteadyClock, and moves it instead of waiting.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>

#include "support/wfe_harness.h"
#include "support/without_time.h"

namespace anvil::wfe {
namespace {

using namespace std::chrono_literals;
using testing::BodyJson;
using testing::TestKey;
using testing::WfeHarness;
using testing::WithoutTime;
using Json = nlohmann::json;
using TimePoint = SteadyClock::TimePoint;

class ChallengeWaitTest : public ::testing::Test {
 protected:
  void Start(std::chrono::seconds wait) {
    h_ = std::make_unique<WfeHarness>([wait](config::Config& c) { c.acme.challenge_wait = wait; });
    kid_ = h_->NewAccount(key_);
    Json identifier = {{"type", "dns"}, {"value", "a.example.com"}};
    auto r = h_->Post("/acme/new-order", Json{{"identifiers", Json::array({identifier})}}, key_, kid_);
    ASSERT_EQ(r.status, 201) << r.body;
    authz_ = WfeHarness::PathOf(BodyJson(r)["authorizations"][0]);
    Json authz = BodyJson(h_->Post(authz_, std::nullopt, key_, kid_));
    for (const auto& c : authz["challenges"]) {
      if (c["type"] == "http-01") challenge_ = WfeHarness::PathOf(c["url"]);
      if (c["type"] == "dns-01") dns_challenge_ = WfeHarness::PathOf(c["url"]);
    }
    ASSERT_FALSE(challenge_.empty()) << authz.dump();
  }
  http::Response Respond() { return h_->Post(challenge_, Json::object(), key_, kid_); }
  std::future<http::Response> RespondOnAnotherThread() {
    return std::async(std::launch::async, [this] { return Respond(); });
  }
  Json Authorization() { return BodyJson(h_->Post(authz_, std::nullopt, key_, kid_)); }
  // The time until which a response waits for its validation, once it waits (nullopt after 10 s of real
  // time).
  std::optional<TimePoint> AwaitTheWait() { return h_->steady_clock().AwaitTimedWait(); }

  std::unique_ptr<WfeHarness> h_;
  TestKey key_ = TestKey::Make();
  std::string kid_, authz_, challenge_, dns_challenge_;
};

TEST_F(ChallengeWaitTest, ResponseCarriesTheOutcomeOfAValidationThatEndsWithinTheWait) {
  ASSERT_NO_FATAL_FAILURE(Start(5s));
  h_->validator().set_deferred(true);
  const TimePoint start = h_->steady_clock().Now();
  std::future<http::Response> response = RespondOnAnotherThread();
  EXPECT_EQ(AwaitTheWait(), start + 5s);
  EXPECT_EQ(h_->validator().Release(), 1u);  // within the wait: the clock has not moved
  http::Response r = response.get();
  ASSERT_EQ(r.status, 200) << r.body;
  Json challenge = BodyJson(r);
  EXPECT_EQ(challenge["status"], "valid") << r.body;
  EXPECT_TRUE(challenge.contains("validated")) << r.body;
  EXPECT_FALSE(r.headers.Get("Retry-After").has_value());
  EXPECT_NE(r.headers.Get("Link").value_or("").find("rel=\"up\""), std::string::npos);
  EXPECT_EQ(Authorization()["status"], "valid");
}

TEST_F(ChallengeWaitTest, ResponseCarriesAFailedValidationsError) {
  ASSERT_NO_FATAL_FAILURE(Start(5s));
  h_->validator().set_result(Status(Code::kIncorrectResponse, "wrong key authorization"));
  http::Response r = Respond();
  ASSERT_EQ(r.status, 200) << r.body;
  Json challenge = BodyJson(r);
  EXPECT_EQ(challenge["status"], "invalid") << r.body;
  EXPECT_EQ(challenge["error"]["type"], "urn:ietf:params:acme:error:incorrectResponse") << r.body;
  EXPECT_EQ(Authorization()["status"], "invalid");
}

TEST_F(ChallengeWaitTest, ValidationLongerThanTheWaitIsAnsweredProcessingAndFinishesLater) {
  ASSERT_NO_FATAL_FAILURE(Start(1s));
  h_->validator().set_deferred(true);
  const TimePoint start = h_->steady_clock().Now();
  std::future<http::Response> response = RespondOnAnotherThread();
  std::optional<TimePoint> until = AwaitTheWait();
  ASSERT_EQ(until, start + 1s);
  h_->steady_clock().AdvanceTo(*until);
  http::Response r = response.get();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BodyJson(r)["status"], "processing") << r.body;
  EXPECT_TRUE(r.headers.Get("Retry-After").has_value());
  EXPECT_EQ(Authorization()["status"], "pending");
  EXPECT_EQ(h_->validator().Release(), 1u);
  EXPECT_EQ(Authorization()["status"], "valid");
}

TEST_F(ChallengeWaitTest, ZeroWaitAnswersProcessingAtOnce) {
  ASSERT_NO_FATAL_FAILURE(Start(0s));
  h_->validator().set_deferred(true);
  http::Response r = WithoutTime(h_->steady_clock(), [this] { return Respond(); });
  EXPECT_EQ(BodyJson(r)["status"], "processing") << r.body;
  EXPECT_EQ(h_->validator().Release(), 1u);
  EXPECT_EQ(Authorization()["status"], "valid");
}

TEST_F(ChallengeWaitTest, RespondingAgainWhileProcessingDoesNotStartASecondValidation) {
  ASSERT_NO_FATAL_FAILURE(Start(0s));
  h_->validator().set_deferred(true);
  EXPECT_EQ(BodyJson(Respond())["status"], "processing");
  EXPECT_EQ(BodyJson(Respond())["status"], "processing");
  EXPECT_EQ(h_->validator().seen().size(), 1u);
  EXPECT_EQ(h_->validator().Release(), 1u);
  EXPECT_EQ(BodyJson(Respond())["status"], "valid");
}

TEST_F(ChallengeWaitTest, AnotherChallengeOfTheAuthorizationWaitsForTheRunningValidation) {
  ASSERT_NO_FATAL_FAILURE(Start(5s));
  h_->validator().set_deferred(true);
  std::future<http::Response> first = RespondOnAnotherThread();
  ASSERT_TRUE(AwaitTheWait().has_value());  // the response waits: its validation is held
  // The http-01 validation is running but not yet recorded: a dns-01 response must not start a second one,
  // and shows the http-01 challenge as processing.
  http::Response second = h_->Post(dns_challenge_, Json::object(), key_, kid_);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(BodyJson(second)["status"], "pending") << second.body;
  EXPECT_EQ(h_->validator().seen().size(), 1u);
  Json authz = Authorization();
  EXPECT_EQ(authz["status"], "pending");
  EXPECT_EQ(h_->validator().Release(), 1u);
  http::Response first_response = first.get();
  EXPECT_EQ(BodyJson(first_response)["status"], "valid") << first_response.body;
  EXPECT_EQ(Authorization()["status"], "valid");
  EXPECT_EQ(h_->validator().seen().size(), 1u);
}

}  // namespace
}  // namespace anvil::wfe
