// The production Validator (see validator.h): a bounded FIFO of pending validations served by at most
// `workers` fibers on one http::FiberRunner thread, each running one synchronous, time-bounded check at a
// time; the checks wait through http::Poll, so a fiber waiting for its target leaves the thread to the
// others.
#include "va/network_validator.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <utility>

#include "http/fiber_runner.h"
#include "va/common.h"

namespace anvil::va {
namespace {

ValidationResult Prove(const ValidationRequest& request, const ValidatorOptions& options,
                       DnsResolver& resolver) {
  switch (request.type) {
    case acme::ChallengeType::kHttp01:
      return ValidateHttp01(request, options, resolver);
    case acme::ChallengeType::kDns01:
      return ValidateDns01(request, resolver);
    case acme::ChallengeType::kTlsAlpn01:
      return ValidateTlsAlpn01(request, options, resolver);
    case acme::ChallengeType::kDeviceAttest01:
      return ValidateDeviceAttest01(request, options.attestation_anchors, std::chrono::system_clock::now());
  }
  ValidationResult unknown;
  unknown.status = Error(Code::kMalformed, "unsupported challenge type");
  return unknown;
}

// The challenge's proof, then, for a DNS identifier proven, CAA (RFC 8659 §3: checked before issuance; doing
// it here lets the client learn of a CAA refusal on the authorization, as with Boulder).
ValidationResult Run(const ValidationRequest& request, const ValidatorOptions& options, DnsResolver& resolver) {
  ValidationResult result = Prove(request, options, resolver);
  if (!result.status.ok() || request.identifier.type != acme::IdentifierType::kDns) return result;
  CaaCheck caa;
  caa.name = request.identifier.authorization_value();
  caa.wildcard = request.wildcard || request.identifier.wildcard();
  caa.account_uri = request.account_uri;
  caa.method = request.type;
  result.status = ValidateCaa(caa, options.caa_identities, resolver);
  return result;
}

// At most `workers` fibers take validations off the queue; a fiber that finds it empty ends.
class FiberValidator final : public Validator {
 public:
  FiberValidator(ValidatorOptions options, std::shared_ptr<DnsResolver> resolver)
      : options_(std::move(options)),
        resolver_(std::move(resolver)),
        max_running_(std::max(1, options_.workers)) {}

  ~FiberValidator() override {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    // runner_, destroyed first, waits for the fibers; they answer what is still queued.
  }

  FiberValidator(const FiberValidator&) = delete;
  FiberValidator& operator=(const FiberValidator&) = delete;

  Status Validate(ValidationRequest request, std::function<void(ValidationResult)> done) override {
    if (!done) return Error(Code::kInvalidArgument, "Validate needs a completion callback");
    if (request.token.empty() || request.identifier.value.empty()) {
      return Error(Code::kMalformed, "validation request without token or identifier");
    }
    return Enqueue([this, request = std::move(request), done = std::move(done)](bool shutting_down) {
      ValidationResult result;
      if (shutting_down) {
        result.status = ShuttingDown();
      } else {
        result = Run(request, options_, *resolver_);
      }
      done(std::move(result));
    });
  }

  Status CheckCaa(CaaCheck check, std::function<void(Status)> done) override {
    if (!done) return Error(Code::kInvalidArgument, "CheckCaa needs a completion callback");
    return Enqueue([this, check = std::move(check), done = std::move(done)](bool shutting_down) {
      done(shutting_down ? ShuttingDown() : ValidateCaa(check, options_.caa_identities, *resolver_));
    });
  }

 private:
  // One queued piece of work; the argument says the validator is shutting down (answer, do not start).
  using Task = std::function<void(bool shutting_down)>;

  static Status ShuttingDown() { return Error(Code::kServerInternal, "validator shutting down"); }

  Status Enqueue(Task task) {
    bool spawn = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return ShuttingDown();
      if (queue_.size() >= options_.max_queue) {
        return Error(Code::kRateLimited, "too many validations in progress; retry later").set_retry_after(5);
      }
      queue_.push_back(std::move(task));
      if (running_ < max_running_) {
        ++running_;
        spawn = true;
      }
    }
    if (spawn) runner_.Spawn([this] { Drain(); });
    return Status::Ok();
  }

  // Runs on a fiber: validations until the queue is empty. The lock is never held across a wait.
  void Drain() {
    while (true) {
      Task task;
      bool shutting_down;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (queue_.empty()) {
          --running_;
          return;
        }
        task = std::move(queue_.front());
        queue_.pop_front();
        shutting_down = stopping_;
      }
      // Work not started before shutdown is answered, not dropped: callers never wait forever.
      task(shutting_down);
    }
  }

  const ValidatorOptions options_;
  const std::shared_ptr<DnsResolver> resolver_;
  const int max_running_;
  std::mutex mu_;
  std::deque<Task> queue_;  // guarded by mu_
  int running_ = 0;         // fibers in Drain; guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  // One thread: the checks' libraries (curl, c-ares, OpenSSL) and the probe read errno and their error
  // queues around their waits, which must not move the fiber to another thread (base/fiber.h). Declared
  // last, so destroyed first.
  http::FiberRunner runner_{1};
};

}  // namespace

std::unique_ptr<Validator> NewValidator(ValidatorOptions options, std::shared_ptr<DnsResolver> resolver) {
  internal::EnsureCurlInitialized();
  return std::make_unique<FiberValidator>(std::move(options), std::move(resolver));
}

}  // namespace anvil::va
