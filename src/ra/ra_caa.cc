// The RA's CAA re-check before finalize (RFC 8659 §3: CAA is checked before issuance; the VA checked it when
// the authorization was validated, which may have been up to acme.authorization_lifetime ago when valid
// authorizations are reused). Authorizations validated longer ago than RaOptions::caa_recheck_after are
// checked again, all at once, through the validator.
#include <atomic>

#include "base/fiber.h"
#include "ra/registration_authority.h"

namespace anvil::ra {

Status RegistrationAuthority::RecheckCaa(const storage::Account& account, const storage::Order& order) {
  if (!options_.check_caa) return Status::Ok();
  const TimePoint stale_before = clock_.Now() - options_.caa_recheck_after;
  std::vector<va::CaaCheck> checks;
  for (const std::string& authz_id : order.authorization_ids) {
    ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, store_.GetAuthorization(authz_id));
    if (authz.identifier.type != acme::IdentifierType::kDns) continue;  // CAA is for DNS names only
    for (const storage::Challenge& c : authz.challenges) {
      if (c.status != acme::ChallengeStatus::kValid || !c.validated_at || *c.validated_at >= stale_before)
        continue;
      va::CaaCheck check;
      check.name = authz.identifier.value;
      check.wildcard = authz.wildcard;
      check.account_uri = options_.account_url_prefix + account.id;
      check.method = c.type;
      checks.push_back(std::move(check));
    }
  }
  if (checks.empty()) return Status::Ok();

  // Every check runs at once on the validator's fibers; this caller (a handler's fiber) waits for the last.
  struct Outcome {
    explicit Outcome(size_t n) : results(n), left(static_cast<int>(n)) {}
    std::vector<Status> results;
    std::atomic<int> left;
    fiber::Wake wake;
  };
  auto outcome = std::make_shared<Outcome>(checks.size());
  fiber::Await([&](fiber::Wake wake) {
    outcome->wake = std::move(wake);
    for (size_t i = 0; i < checks.size(); ++i) {
      auto finish = [outcome, i](Status s) {
        outcome->results[i] = std::move(s);
        if (outcome->left.fetch_sub(1, std::memory_order_acq_rel) == 1) outcome->wake();
      };
      Status queued = validator_.CheckCaa(checks[i], finish);
      if (!queued.ok()) finish(std::move(queued));
    }
  });

  Status failure;
  for (size_t i = 0; i < checks.size(); ++i) {
    const Status& s = outcome->results[i];
    if (s.ok()) continue;
    const std::string value = (checks[i].wildcard ? "*." : "") + checks[i].name;
    if (failure.ok()) failure = Status(s.code(), s.message());
    failure.AddSubproblem({"dns", value, s.code(), s.message()});
  }
  if (failure.subproblems().size() > 1) {
    // §6.7.1: one problem for the request, one subproblem per identifier; caa when any record forbids.
    bool any_caa = false;
    for (const auto& sub : failure.subproblems()) any_caa = any_caa || sub.code == Code::kCaa;
    Status compound(any_caa ? Code::kCaa : failure.code(),
                    "several identifiers failed the CAA check before issuance; see subproblems");
    for (const auto& sub : failure.subproblems()) compound.AddSubproblem(sub);
    return compound;
  }
  return failure;
}

}  // namespace anvil::ra
