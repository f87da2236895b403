// ChallengeWaits: the validations this instance is running, and the waits of the challenge responses that
// started them (RFC 8555 §7.5.1).
//
// A response waits, up to acme.challenge_wait, for its validation's outcome to be stored, so that it usually
// carries the outcome and the client needs no poll (docs/acme-compliance.md); the handler's fiber waits, not
// its thread. The RA records a challenge as processing only when its validation outlasts the wait, so this
// class also keeps one validation per authorization at a time meanwhile (Begin refuses a second).
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
#include "base/steady_clock.h"
#include "base/timer_queue.h"

namespace anvil::ra {

class ChallengeWaits {
 public:
  // One validation: made by Begin before it is queued, ended by Done from its `done` callback.
  class Ticket {
   public:
    Ticket(std::string account_id, std::string authz_id)
        : account_id_(std::move(account_id)), authz_id_(std::move(authz_id)) {}

   private:
    friend class ChallengeWaits;
    const std::string account_id_, authz_id_;
    const std::shared_ptr<fiber::Event> stored_ = fiber::Event::Make();
    bool counted_slow_ = false;  // guarded by ChallengeWaits::mu_
  };

  // `clock` bounds the waits (tests pass a FakeSteadyClock); it must outlive this object.
  explicit ChallengeWaits(std::chrono::seconds wait, SteadyClock& clock = SteadyClock::Real())
      : wait_(wait), timers_(clock) {}

  // Null when a validation of this authorization is already running here; `running_challenge` (if not null)
  // then receives its challenge id.
  std::shared_ptr<Ticket> Begin(const std::string& account_id, const std::string& authz_id,
                                const std::string& challenge_id, std::string* running_challenge = nullptr);
  // The validation's outcome is stored (or it was never queued): ends the wait, if any.
  void Done(Ticket& ticket);
  // Waits for Done, within the bound; true when the outcome is stored.
  bool Wait(Ticket& ticket);

 private:
  const std::chrono::seconds wait_;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> running_;  // authorization → the challenge being validated
  std::unordered_map<std::string, int> slow_;  // account → its validations that outlasted their wait, running
  TimerQueue timers_;
};

}  // namespace anvil::ra
