// A Validator for unit tests of the RA and front end: records each request and answers with a preset result,
// synchronously, so tests need no network. Integration tests use the real va::NewValidator instead.
#pragma once

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
    }
    done(va::ValidationResult{result, {}});
    return Status::Ok();
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
  std::vector<va::ValidationRequest> seen_;
};

}  // namespace anvil::testing
