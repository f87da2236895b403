// The worker-pool Validator (see validator.h): a bounded FIFO of pending validations served by a fixed number
// of std::threads, each running one synchronous, time-bounded check at a time.
#include "va/validator.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "va/common.h"

namespace anvil::va {
namespace {

ValidationResult Run(const ValidationRequest& request, const ValidatorOptions& options,
                     DnsResolver& resolver) {
  switch (request.type) {
    case acme::ChallengeType::kHttp01:
      return ValidateHttp01(request, options, resolver);
    case acme::ChallengeType::kDns01:
      return ValidateDns01(request, resolver);
    case acme::ChallengeType::kTlsAlpn01:
      return ValidateTlsAlpn01(request, options, resolver);
  }
  ValidationResult unknown;
  unknown.status = Error(Code::kMalformed, "unsupported challenge type");
  return unknown;
}

class PoolValidator final : public Validator {
 public:
  PoolValidator(ValidatorOptions options, std::shared_ptr<DnsResolver> resolver)
      : options_(std::move(options)), resolver_(std::move(resolver)) {
    const int workers = options_.workers > 0 ? options_.workers : 1;
    threads_.reserve(static_cast<size_t>(workers));
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { WorkerLoop(); });
  }

  ~PoolValidator() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  PoolValidator(const PoolValidator&) = delete;
  PoolValidator& operator=(const PoolValidator&) = delete;

  Status Validate(ValidationRequest request, std::function<void(ValidationResult)> done) override {
    if (!done) return Error(Code::kInvalidArgument, "Validate needs a completion callback");
    if (request.token.empty() || request.identifier.value.empty()) {
      return Error(Code::kMalformed, "validation request without token or identifier");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return Error(Code::kServerInternal, "validator shutting down");
      if (queue_.size() >= options_.max_queue) {
        return Error(Code::kRateLimited, "too many validations in progress; retry later").set_retry_after(5);
      }
      queue_.push_back(Task{std::move(request), std::move(done)});
    }
    cv_.notify_one();
    return Status::Ok();
  }

 private:
  struct Task {
    ValidationRequest request;
    std::function<void(ValidationResult)> done;
  };

  void WorkerLoop() {
    while (true) {
      Task task;
      bool shutting_down;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        task = std::move(queue_.front());
        queue_.pop_front();
        shutting_down = stopping_;
      }
      ValidationResult result;
      if (shutting_down) {
        // Work not started before shutdown is answered, not dropped: callers never wait forever.
        result.status = Error(Code::kServerInternal, "validator shutting down");
      } else {
        result = Run(task.request, options_, *resolver_);
      }
      task.done(std::move(result));
    }
  }

  const ValidatorOptions options_;
  const std::shared_ptr<DnsResolver> resolver_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<Validator> NewValidator(ValidatorOptions options, std::shared_ptr<DnsResolver> resolver) {
  internal::EnsureCurlInitialized();
  return std::make_unique<PoolValidator>(std::move(options), std::move(resolver));
}

}  // namespace anvil::va
