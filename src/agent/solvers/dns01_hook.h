// dns-01 through a user hook (RFC 8555 §8.4): the hook publishes and removes the TXT record.
//
// Contract (docs/agent.md): the hook is run as `HOOK add NAME VALUE` before validation and `HOOK remove NAME
// VALUE` after it, where NAME is "_acme-challenge.<domain>" (no trailing dot; the wildcard label is dropped)
// and VALUE is base64url(SHA-256(key authorization)). The same facts are in the environment:
// ANVIL_DNS_ACTION, ANVIL_DNS_NAME, ANVIL_DNS_VALUE, ANVIL_DOMAIN, ANVIL_TOKEN. `add` must return only once
// the record is published; a non-zero exit of `add` fails the authorization, of `remove` only logs. After
// each add, the optional PropagationChecker waits until DNS answers the value (dns_propagation.h), then the
// optional fixed `propagation_delay` is waited.
//
// Thread-safety: see solver.h.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/sleeper.h"
#include "agent/solvers/dns_propagation.h"
#include "agent/solvers/solver.h"

namespace anvil::agent {

// The TXT record of a dns-01 challenge.
std::string Dns01RecordName(const acme::Identifier& identifier);
std::string Dns01RecordValue(std::string_view key_authorization);

class Dns01HookSolver final : public Solver {
 public:
  Dns01HookSolver(std::string hook, Sleeper& sleeper,
                  std::chrono::seconds propagation_delay = std::chrono::seconds(0),
                  std::chrono::seconds timeout = std::chrono::seconds(600),
                  std::unique_ptr<PropagationChecker> propagation = nullptr)
      : hook_(std::move(hook)),
        sleeper_(sleeper),
        propagation_delay_(propagation_delay),
        timeout_(timeout),
        propagation_(std::move(propagation)) {}
  std::string_view challenge_type() const override { return "dns-01"; }
  Status Present(const ChallengeTask& task) override;
  Status CleanUp(const ChallengeTask& task) override;

 private:
  Status Run(const char* action, const ChallengeTask& task);
  std::string hook_;
  Sleeper& sleeper_;
  std::chrono::seconds propagation_delay_;
  std::chrono::seconds timeout_;
  std::unique_ptr<PropagationChecker> propagation_;  // nullptr = no check
};

}  // namespace anvil::agent
