// The response to a challenge (RFC 8555 §7.5.1) waits up to acme.challenge_wait for the validation it started
// and then carries the outcome, so that a client needs no poll; a slower validation is answered "processing".
// Real RA and front end, in-memory store, a FakeValidator that completes validations when the test says.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/wfe_harness.h"

namespace anvil::wfe {
namespace {

using namespace std::chrono_literals;
using testing::BodyJson;
using testing::TestKey;
using testing::WfeHarness;
using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

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
  Json Authorization() { return BodyJson(h_->Post(authz_, std::nullopt, key_, kid_)); }
  // A thread that completes the held validation 30 ms after the validator received it (gives up after 10 s).
  std::thread ReleaseSoon() {
    return std::thread([this] {
      auto deadline = SteadyClock::now() + 10s;
      while (h_->validator().seen().empty() && SteadyClock::now() < deadline)
        std::this_thread::sleep_for(1ms);
      std::this_thread::sleep_for(30ms);
      while (h_->validator().Release() == 0 && SteadyClock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    });
  }

  std::unique_ptr<WfeHarness> h_;
  TestKey key_ = TestKey::Make();
  std::string kid_, authz_, challenge_, dns_challenge_;
};

TEST_F(ChallengeWaitTest, ResponseCarriesTheOutcomeOfAValidationThatEndsWithinTheWait) {
  ASSERT_NO_FATAL_FAILURE(Start(5s));
  h_->validator().set_deferred(true);
  std::thread releaser = ReleaseSoon();
  http::Response r = Respond();
  releaser.join();
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
  auto start = SteadyClock::now();
  http::Response r = Respond();
  EXPECT_GE(SteadyClock::now() - start, 1s);
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
  auto start = SteadyClock::now();
  http::Response r = Respond();
  EXPECT_LT(SteadyClock::now() - start, 1s);
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
  http::Response first;
  std::thread responder([&] { first = Respond(); });  // waits: its validation is held
  while (h_->validator().seen().empty()) std::this_thread::sleep_for(1ms);
  // The http-01 validation is running but not yet recorded: a dns-01 response must not start a second one,
  // and shows the http-01 challenge as processing.
  http::Response second = h_->Post(dns_challenge_, Json::object(), key_, kid_);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(BodyJson(second)["status"], "pending") << second.body;
  EXPECT_EQ(h_->validator().seen().size(), 1u);
  Json authz = Authorization();
  EXPECT_EQ(authz["status"], "pending");
  EXPECT_EQ(h_->validator().Release(), 1u);
  responder.join();
  EXPECT_EQ(BodyJson(first)["status"], "valid") << first.body;
  EXPECT_EQ(Authorization()["status"], "valid");
  EXPECT_EQ(h_->validator().seen().size(), 1u);
}

}  // namespace
}  // namespace anvil::wfe
