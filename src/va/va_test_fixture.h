// The GoogleTest fixture shared by the challenge tests: pebble-challtestsrv as the DNS server (every name has
// A 127.0.0.1 unless a test says otherwise), a c-ares resolver pointed at it, and helpers to run one
// validation through a Validator with a bounded wait.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "va/va_test_util.h"
#include "va/network_validator.h"

namespace anvil::va::testing {

class ValidatorTest : public ::testing::Test {
 protected:
  // Longer than any timeout a test configures: a wait that hits it is a failure, not a slow pass.
  static constexpr std::chrono::seconds kBound{30};

  void SetUp() override {
    auto srv = ChallTestSrv::Start();
    if (srv.status().code() == Code::kUnavailable) GTEST_SKIP() << srv.status().ToString();
    ASSERT_TRUE(srv.ok()) << srv.status().ToString();
    dns_ = std::move(srv).value();
    auto resolver = NewCaresResolver(
        {.server = dns_->dns_server(), .timeout = std::chrono::milliseconds(3000), .tries = 2});
    ASSERT_TRUE(resolver.ok()) << resolver.status().ToString();
    resolver_ = std::shared_ptr<DnsResolver>(std::move(resolver).value());
  }

  void TearDown() override {
    if (dns_) dns_->Stop();
  }

  static ValidationRequest Request(acme::ChallengeType type, acme::IdentifierType id_type, std::string value,
                                   std::string token = "tok_abc-123",
                                   std::string key_authorization = "tok_abc-123.thumbprint") {
    ValidationRequest r;
    r.type = type;
    r.identifier = acme::Identifier{id_type, std::move(value)};
    r.token = std::move(token);
    r.key_authorization = std::move(key_authorization);
    return r;
  }

  // Starts a validation; the future becomes ready when `done` runs.
  static std::future<ValidationResult> Start(Validator& validator, ValidationRequest request) {
    auto promise = std::make_shared<std::promise<ValidationResult>>();
    std::future<ValidationResult> future = promise->get_future();
    Status s = validator.Validate(std::move(request),
                                  [promise](ValidationResult r) { promise->set_value(std::move(r)); });
    if (!s.ok()) {
      ValidationResult refused;
      refused.status = s;
      promise->set_value(std::move(refused));
    }
    return future;
  }

  // Runs one validation to completion (bounded).
  ValidationResult RunOne(const ValidatorOptions& options, ValidationRequest request) {
    auto validator = NewValidator(options, resolver_);
    auto future = Start(*validator, std::move(request));
    if (future.wait_for(kBound) != std::future_status::ready) {
      ADD_FAILURE() << "validation did not complete within " << kBound.count() << " s";
      ValidationResult none;
      none.status = Error(Code::kInternal, "test timeout");
      return none;
    }
    return future.get();
  }

  std::unique_ptr<ChallTestSrv> dns_;
  std::shared_ptr<DnsResolver> resolver_;
};

}  // namespace anvil::va::testing
