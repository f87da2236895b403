#include "ra/policy_catalog.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "ra/policy_json.h"

namespace anvil::ra {

PolicyCatalog::PolicyCatalog(PolicySet configured, storage::PolicyDefinitionStore& store,
                             SteadyClock& steady_clock)
    : configured_(std::move(configured)),
      store_(store),
      steady_clock_(steady_clock),
      next_check_(std::numeric_limits<int64_t>::min()),
      snapshot_(std::make_shared<const PolicySet>(configured_)) {}

std::shared_ptr<const PolicySet> PolicyCatalog::Current() const {
  const int64_t now = steady_clock_.Now().time_since_epoch().count();
  int64_t due = next_check_.load(std::memory_order_relaxed);
  const int64_t period = std::chrono::duration_cast<SteadyClock::Duration>(kRecheckPeriod).count();
  // One caller per period wins the exchange and checks; the others use the set in force meanwhile.
  if (now >= due && next_check_.compare_exchange_strong(due, now + period, std::memory_order_relaxed)) {
    Result<int64_t> version = store_.PolicyDefinitionsVersion();
    bool stale = false;
    if (version.ok()) {
      std::lock_guard lock(mu_);
      stale = *version != version_;
    }
    if (stale) (void)Reload();  // on an error the set in force stays, and the next period tries again
  }
  std::lock_guard lock(mu_);
  return snapshot_;
}

Result<std::vector<std::string>> PolicyCatalog::Reload() const {
  ANVIL_ASSIGN_OR_RETURN(storage::PolicyDefinitions stored, store_.ListPolicyDefinitions());
  std::vector<std::string> left_out;
  PolicySet set = configured_;
  for (const storage::PolicyDefinition& d : stored.definitions) {
    const nlohmann::json json = nlohmann::json::parse(d.rules_json, nullptr, false);
    Result<PolicyRules> rules = PolicyRulesFromJson(json, d.name);
    Result<PolicySet> next = rules.ok() ? set.WithStored({*rules}) : Result<PolicySet>(rules.status());
    if (!next.ok()) {
      left_out.push_back(d.name + ": " + next.status().message());
      continue;
    }
    set = std::move(*next);
  }
  auto fresh = std::make_shared<const PolicySet>(std::move(set));
  std::lock_guard lock(mu_);
  // Versions only grow: a slower concurrent reload of an older version must not undo a newer one.
  if (stored.version > version_) {
    snapshot_ = std::move(fresh);
    version_ = stored.version;
  }
  return left_out;
}

}  // namespace anvil::ra
