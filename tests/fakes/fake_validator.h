// A Validator for unit tests of the RA and front end: records each request and answers with a preset result,
// synchronously (or, deferred, when the test calls Release), so tests need no network. Integration tests use
// the real va::NewValidator instead.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "va/validator.h"

namespace anvil::testing {

class FakeValidator final : public va::Validator {
 public:
  Status Validate(va::ValidationRequest request, std::function<void(va::ValidationResult)> done) override {
    Status result;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(request);
      if (refuse_) return Error(Code::kRateLimited, "queue full");
      result = result_;
      if (deferred_) {
        held_.push_back([done = std::move(done), result] { done(va::ValidationResult{result, {}}); });
        return Status::Ok();
      }
    }
    done(va::ValidationResult{result, {}});
    return Status::Ok();
  }
  // While deferred, Validate keeps `done` until Release() calls it (on the caller's thread), as a real
  // validator that finishes later.
  void set_deferred(bool deferred) {
    std::lock_guard lock(mu_);
    deferred_ = deferred;
  }
  // Completes every held validation; returns how many.
  size_t Release() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (auto& complete : held) complete();
    return held.size();
  }
  void set_result(Status s) {
    std::lock_guard lock(mu_);
    result_ = std::move(s);
  }
  void set_refuse(bool refuse) {
    std::lock_guard lock(mu_);
    refuse_ = refuse;
  }
  std::vector<va::ValidationRequest> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  Status result_;
  bool refuse_ = false;
  bool deferred_ = false;
  std::vector<std::function<void()>> held_;
  std::vector<va::ValidationRequest> seen_;
};

}  // namespace anvil::testing
