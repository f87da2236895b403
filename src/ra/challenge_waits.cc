#include "ra/challenge_waits.h"

namespace anvil::ra {

std::shared_ptr<ChallengeWaits::Ticket> ChallengeWaits::Begin(const std::string& account_id,
                                                              const std::string& authz_id,
                                                              const std::string& challenge_id,
                                                              std::string* running_challenge) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = running_.emplace(authz_id, challenge_id);
  if (!inserted) {
    if (running_challenge != nullptr) *running_challenge = it->second;
    return nullptr;
  }
  return std::make_shared<Ticket>(account_id, authz_id);
}

void ChallengeWaits::Done(Ticket& ticket) {
  ticket.stored_->Signal();
  // After the signal: Wait counts a validation as slow only if, under this lock, it sees no signal.
  std::lock_guard lock(mu_);
  running_.erase(ticket.authz_id_);
  if (!ticket.counted_slow_) return;
  ticket.counted_slow_ = false;
  auto it = slow_.find(ticket.account_id_);
  if (it != slow_.end() && --it->second == 0) slow_.erase(it);
}

bool ChallengeWaits::Wait(Ticket& ticket) {
  std::chrono::seconds wait = wait_;
  {
    std::lock_guard lock(mu_);
    if (slow_.count(ticket.account_id_) != 0) wait = std::chrono::seconds(0);
  }
  if (ticket.stored_->WaitFor(timers_, wait)) return true;
  // Still running: count it until Done (which checks the count under the same lock, after signalling).
  std::lock_guard lock(mu_);
  if (ticket.stored_->signaled()) return true;  // it ended just now
  ticket.counted_slow_ = true;
  ++slow_[ticket.account_id_];
  return false;
}

}  // namespace anvil::ra
