// ChallengeWaits: lets the response to a challenge (RFC 8555 §7.5.1) wait, up to acme.challenge_wait, for the
// validation it started, so that it usually carries the outcome and the client needs no poll
// (docs/acme-compliance.md). The handler's fiber waits, not its thread.
//
// A client that answers an order's challenges one after another would wait the full bound for each slow
// validation in turn; so while a validation of an account has outlasted its wait, that account's further
// responses do not wait at all (they answer "processing", as with acme.challenge_wait = "0s").
//
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/fiber_event.h"
#include "base/timer_queue.h"

namespace anvil::ra {

class ChallengeWaits {
 public:
  // One validation: made before it is queued, completed by its `done` callback.
  class Ticket {
   public:
    explicit Ticket(std::string account_id) : account_id_(std::move(account_id)) {}

   private:
    friend class ChallengeWaits;
    const std::string account_id_;
    const std::shared_ptr<fiber::Event> stored_ = fiber::Event::Make();
    bool counted_slow_ = false;  // guarded by ChallengeWaits::mu_
  };

  explicit ChallengeWaits(std::chrono::seconds wait) : wait_(wait) {}

  std::shared_ptr<Ticket> Begin(const std::string& account_id) {
    return std::make_shared<Ticket>(account_id);
  }
  // The validation's outcome is stored: ends the wait, if any.
  void Done(Ticket& ticket);
  // Waits for Done, within the bound; true when the outcome is stored.
  bool Wait(Ticket& ticket);

 private:
  const std::chrono::seconds wait_;
  std::mutex mu_;
  std::unordered_map<std::string, int> slow_;  // account → its validations that outlasted their wait, running
  TimerQueue timers_;
};

}  // namespace anvil::ra
