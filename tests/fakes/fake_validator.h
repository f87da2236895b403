// A Validator for unit tests of the RA and front end: records each request and answers with a preset result,
// synchronously (or, deferred, when the test calls Release), so tests need no network. Integration tests use
// the real va::NewValidator instead.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "va/validator.h"

namespace anvil::testing {

class FakeValidator final : public va::Validator {
 public:
  Status Validate(va::ValidationRequest request, std::function<void(va::ValidationResult)> done) override {
    va::ValidationResult result;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(request);
      if (refuse_) return Error(Code::kRateLimited, "queue full");
      result = {result_, records_, result_.ok() ? attestation_json_ : std::string()};
      if (deferred_) {
        held_.push_back([done = std::move(done), result] { done(result); });
        return Status::Ok();
      }
    }
    done(std::move(result));
    return Status::Ok();
  }
  // Answers synchronously with caa_result (OK by default), recording the check.
  Status CheckCaa(va::CaaCheck check, std::function<void(Status)> done) override {
    Status result;
    {
      std::lock_guard lock(mu_);
      caa_seen_.push_back(check);
      if (refuse_) return Error(Code::kRateLimited, "queue full");
      auto it = caa_results_.find(check.name);
      result = it == caa_results_.end() ? Status::Ok() : it->second;
    }
    done(result);
    return Status::Ok();
  }
  // What CheckCaa answers for `name` (OK for names never set).
  void set_caa_result(const std::string& name, Status s) {
    std::lock_guard lock(mu_);
    caa_results_[name] = std::move(s);
  }
  std::vector<va::CaaCheck> caa_seen() {
    std::lock_guard lock(mu_);
    return caa_seen_;
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
  // The validation records every answer carries (none by default).
  void set_records(std::vector<va::ValidationRecord> records) {
    std::lock_guard lock(mu_);
    records_ = std::move(records);
  }
  // device-attest-01: the evidence a valid answer carries (ValidationResult::attestation_json).
  void set_attestation_json(std::string json) {
    std::lock_guard lock(mu_);
    attestation_json_ = std::move(json);
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
  std::vector<va::ValidationRecord> records_;
  std::string attestation_json_;
  bool refuse_ = false;
  bool deferred_ = false;
  std::vector<std::function<void()>> held_;
  std::vector<va::ValidationRequest> seen_;
  std::map<std::string, Status> caa_results_;
  std::vector<va::CaaCheck> caa_seen_;
};

}  // namespace anvil::testing
