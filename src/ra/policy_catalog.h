// The named policies in force (docs/policy.md): the configuration's, fixed for the process's life, and those
// defined at run time, which live in the store (storage::PolicyDefinitionStore). Together they form one
// immutable PolicySet, replaced whole when the stored definitions change. A request takes the set in force
// (Current: one shared_ptr copy under a mutex, no store read) and keeps it for as long as it uses the
// policies (EffectivePolicy holds it), so a change never pulls a policy from under a request.
//
// A change made through this process's RA replaces the set at once (the RA calls Reload after its write). A
// change made by another process on the same database (`anvil-ca policy define` while a server runs) is seen
// within kRecheckPeriod: Current() reads the store's version of the definitions at most once per period, on
// the caller's thread, and reloads them when it moved.
//
// Thread-safe: every method may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/steady_clock.h"
#include "ra/policy_set.h"
#include "storage/store.h"

namespace anvil::ra {

class PolicyCatalog {
 public:
  static constexpr std::chrono::seconds kRecheckPeriod{1};

  // `store` and `steady_clock` must outlive the catalog. Nothing is read before the first Current or Reload;
  // until then (and while the store cannot be read) the configured policies alone are in force.
  PolicyCatalog(PolicySet configured, storage::PolicyDefinitionStore& store, SteadyClock& steady_clock);

  // The policies in force. At most once per kRecheckPeriod (and at the first call) it first reads the store's
  // version of the definitions and reloads them when it differs from the set's. A store error keeps the set
  // in force: a request bound to a policy it lacks is refused (RegistrationAuthority::PolicyFor fails
  // closed).
  std::shared_ptr<const PolicySet> Current() const;

  // Reads every stored definition now and puts the set they make with the configured policies in force
  // (unless a concurrent reload already put a newer one). A definition that cannot be used is left out, and
  // described in the result ("NAME: why"): rules that no longer parse or validate, or a name that the
  // configuration file now takes (the configured policy wins). Errors: the store's; the set in force stays.
  Result<std::vector<std::string>> Reload() const;

  // The configuration's policies alone.
  const PolicySet& configured() const { return configured_; }

 private:
  const PolicySet configured_;
  storage::PolicyDefinitionStore& store_;
  SteadyClock& steady_clock_;
  // When Current next reads the version, in the steady clock's ticks; the caller that moves it checks.
  mutable std::atomic<int64_t> next_check_;
  mutable std::mutex mu_;  // guards the two below; held only to copy or swap them
  mutable std::shared_ptr<const PolicySet> snapshot_;
  mutable int64_t version_ = -1;  // the store's version snapshot_ reflects; -1 before the first read
};

}  // namespace anvil::ra
