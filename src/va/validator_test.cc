// The production validator: bounded queue, never blocking the caller, validations waiting side by side on
// the validator's fibers, and shutdown that answers every callback.
#include "va/network_validator.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "base/fiber.h"
#include "va/va_test_util.h"

namespace anvil::va {
namespace {

using std::chrono::milliseconds;
constexpr std::chrono::seconds kBound{30};

class VaValidatorPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto silent = testing::SilentTcpServer::Start();
    ASSERT_TRUE(silent.ok()) << silent.status().ToString();
    silent_ = std::move(silent).value();
    resolver_ = std::make_shared<testing::StaticResolver>();
    resolver_->addresses["hang.test"] = {"127.0.0.1"};
    options_.http_port = silent_->port();
    options_.http_timeout = milliseconds(1000);
  }

  static ValidationRequest HangingRequest() {
    ValidationRequest r;
    r.type = acme::ChallengeType::kHttp01;
    r.identifier = {acme::IdentifierType::kDns, "hang.test"};
    r.token = "tok";
    r.key_authorization = "tok.thumb";
    return r;
  }

  // Validate, with the result delivered to a future; a refused Validate is returned directly.
  static Status Start(Validator& v, std::future<ValidationResult>& out) {
    auto promise = std::make_shared<std::promise<ValidationResult>>();
    out = promise->get_future();
    return v.Validate(HangingRequest(), [promise](ValidationResult r) { promise->set_value(std::move(r)); });
  }

  std::unique_ptr<testing::SilentTcpServer> silent_;
  std::shared_ptr<testing::StaticResolver> resolver_;
  ValidatorOptions options_;
};

TEST_F(VaValidatorPoolTest, FullQueueIsRateLimitedWithoutBlocking) {
  options_.workers = 1;
  options_.max_queue = 1;
  std::future<ValidationResult> running, queued, refused;
  {
    auto validator = NewValidator(options_, resolver_);
    ASSERT_TRUE(Start(*validator, running).ok());
    // The single worker is now busy with the silent target.
    ASSERT_EQ(silent_->first_accept().wait_for(kBound), std::future_status::ready);
    ASSERT_TRUE(Start(*validator, queued).ok());

    const auto before = std::chrono::steady_clock::now();
    Status s = Start(*validator, refused);
    EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(500));
    EXPECT_EQ(s.code(), Code::kRateLimited);
    EXPECT_TRUE(s.retry_after().has_value());
  }
  // Destruction answered both accepted validations.
  ASSERT_EQ(running.wait_for(milliseconds(0)), std::future_status::ready);
  ASSERT_EQ(queued.wait_for(milliseconds(0)), std::future_status::ready);
  EXPECT_EQ(running.get().status.code(), Code::kConnection);
  ValidationResult q = queued.get();
  EXPECT_EQ(q.status.code(), Code::kServerInternal);
  EXPECT_EQ(q.status.message(), "validator shutting down");
}

TEST_F(VaValidatorPoolTest, DestructorWithWorkInFlightCallsEveryDone) {
  options_.workers = 2;
  constexpr int kCount = 6;
  std::vector<std::future<ValidationResult>> futures(kCount);
  const auto start = std::chrono::steady_clock::now();
  {
    auto validator = NewValidator(options_, resolver_);
    for (auto& f : futures) ASSERT_TRUE(Start(*validator, f).ok());
    ASSERT_EQ(silent_->first_accept().wait_for(kBound), std::future_status::ready);
  }
  // Bounded: the running ones end at their timeout, the rest at once.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
  int timed_out = 0, shut_down = 0;
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(milliseconds(0)), std::future_status::ready);
    const Code code = f.get().status.code();
    if (code == Code::kConnection) ++timed_out;
    if (code == Code::kServerInternal) ++shut_down;
  }
  EXPECT_GE(timed_out, 1);
  EXPECT_LE(timed_out, 2);
  EXPECT_EQ(timed_out + shut_down, kCount);
}

// The validator has one thread: validations waiting for a silent target must wait side by side (one after
// the other, 16 of them would take 16 timeouts).
TEST_F(VaValidatorPoolTest, ValidationsWaitSideBySide) {
  options_.workers = 16;
  std::vector<std::future<ValidationResult>> futures(16);
  const auto start = std::chrono::steady_clock::now();
  {
    auto validator = NewValidator(options_, resolver_);
    for (auto& f : futures) ASSERT_TRUE(Start(*validator, f).ok());
    for (auto& f : futures) {
      ASSERT_EQ(f.wait_for(kBound), std::future_status::ready);
      EXPECT_EQ(f.get().status.code(), Code::kConnection);
    }
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8 * options_.http_timeout);
}

// A validation stuck on a silent target does not hold up one that can finish.
TEST_F(VaValidatorPoolTest, AHangingValidationDoesNotDelayOthers) {
  options_.workers = 2;
  options_.http_timeout = milliseconds(20000);
  resolver_->addresses["quick.test"] = {};  // no address: fails at once with kDns
  auto validator = NewValidator(options_, resolver_);
  std::future<ValidationResult> hanging;
  ASSERT_TRUE(Start(*validator, hanging).ok());
  ASSERT_EQ(silent_->first_accept().wait_for(kBound), std::future_status::ready);
  ValidationRequest quick = HangingRequest();
  quick.identifier.value = "quick.test";
  std::promise<ValidationResult> quick_result;
  ASSERT_TRUE(
      validator->Validate(quick, [&](ValidationResult r) { quick_result.set_value(std::move(r)); }).ok());
  auto quick_future = quick_result.get_future();
  ASSERT_EQ(quick_future.wait_for(milliseconds(10000)), std::future_status::ready);
  EXPECT_EQ(quick_future.get().status.code(), Code::kDns);
  EXPECT_EQ(hanging.wait_for(milliseconds(0)), std::future_status::timeout);
  silent_.reset();  // closes the silent target's connections: the hanging validation ends
}

TEST_F(VaValidatorPoolTest, RefusesRequestWithoutToken) {
  auto validator = NewValidator(options_, resolver_);
  ValidationRequest r = HangingRequest();
  r.token.clear();
  EXPECT_EQ(validator->Validate(r, [](ValidationResult) { ADD_FAILURE() << "done must not run"; }).code(),
            Code::kMalformed);
}

TEST_F(VaValidatorPoolTest, DoneRunsOnAValidatorThread) {
  resolver_->addresses.clear();  // hang.test now fails at DNS: a quick result
  auto validator = NewValidator(options_, resolver_);
  std::promise<std::thread::id> where;
  auto future = where.get_future();
  ASSERT_TRUE(validator
                  ->Validate(HangingRequest(),
                             [&where](ValidationResult r) {
                               EXPECT_EQ(r.status.code(), Code::kDns);
                               EXPECT_TRUE(fiber::OnFiber());  // so a store write in `done` suspends it
                               where.set_value(std::this_thread::get_id());
                             })
                  .ok());
  ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());
}

}  // namespace
}  // namespace anvil::va
