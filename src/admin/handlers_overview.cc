// The overview (the console's first page; docs/admin-api.md): counts by status, the certificates that will
// expire without a successor, the expiry timeline by profile, issuances and revocations per day, and the CA's
// health — each from an index-backed inventory count (docs/inventory.md), so the page stays quick at 1,000,000
// certificates.
#include <string>

#include "admin/handlers.h"

namespace anvil::admin {
namespace {

// "2026-12-07" for a UTC day number (days since 1970-01-01).
std::string DateOfDay(int64_t day) { return FormatRfc3339(FromUnixSeconds(day * 86400)).substr(0, 10); }

nlohmann::json IssuersJson(const std::vector<IssuerStatus>& issuers) {
  nlohmann::json out = nlohmann::json::array();
  for (const IssuerStatus& issuer : issuers) {
    out.push_back({{"id", issuer.id},
                   {"name", issuer.name},
                   {"key_id", issuer.key_id},
                   {"not_after", FormatRfc3339(issuer.not_after)},
                   {"current", issuer.issuing}});
  }
  return out;
}

// GET /issuers: the CA certificates served, without the overview's counts (the certificates page's issuer
// filter).
Result<Reply> Issuers(const HandlerDeps& deps, const Call&) {
  ANVIL_ASSIGN_OR_RETURN(std::vector<IssuerStatus> issuers, deps.ca.Issuers());
  return Reply{200, {{"issuers", IssuersJson(issuers)}}};
}

Result<Reply> Overview(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(int64_t timeline_days, call.IntParam("timeline_days", 90, 1, 400));
  ANVIL_ASSIGN_OR_RETURN(int64_t activity_days, call.IntParam("activity_days", 30, 1, 400));
  const TimePoint now = deps.clock.Now();
  constexpr auto kDay = std::chrono::seconds(86400);
  ANVIL_ASSIGN_OR_RETURN(storage::CertificateCounts counts, deps.store.CountCertificates(now, 30 * kDay));
  nlohmann::json out = {{"now", FormatRfc3339(now)},
                        {"counts",
                         {{"valid", counts.valid},
                          {"expiring", counts.expiring},
                          {"expired", counts.expired},
                          {"revoked", counts.revoked}}}};
  // The status "expiring" over 30 days is already the month's figure (unrevoked, unreplaced, expiring within
  // the window: CountExpiringCertificates' definition); the day and the week are their own ranges.
  out["expiring_unreplaced"]["month"] = counts.expiring;
  for (const auto& [name, days] : {std::pair{"day", 1}, std::pair{"week", 7}}) {
    ANVIL_ASSIGN_OR_RETURN(int64_t expiring, deps.store.CountExpiringCertificates(now, days * kDay));
    out["expiring_unreplaced"][name] = expiring;
  }

  ANVIL_ASSIGN_OR_RETURN(std::vector<storage::ExpiryDay> expiry,
                         deps.store.CountExpiryByDay(now, timeline_days * kDay));
  out["timeline"] = nlohmann::json::array();
  for (const storage::ExpiryDay& d : expiry) {
    nlohmann::json& timeline = out["timeline"];
    if (timeline.empty() || timeline.back()["date"] != DateOfDay(d.day)) {
      timeline.push_back({{"date", DateOfDay(d.day)}, {"profiles", nlohmann::json::object()}});
    }
    timeline.back()["profiles"][d.profile] = d.count;
  }

  // Whole UTC days: from the start of the day `activity_days - 1` days ago to now.
  const int64_t today = ToUnixSeconds(now) / 86400;
  const TimePoint from = FromUnixSeconds((today - activity_days + 1) * 86400);
  ANVIL_ASSIGN_OR_RETURN(std::vector<storage::ActivityDay> activity,
                         deps.store.CountActivityByDay(from, now + std::chrono::seconds(1)));
  out["activity"] = nlohmann::json::array();
  for (const storage::ActivityDay& d : activity) {
    out["activity"].push_back({{"date", DateOfDay(d.day)}, {"issued", d.issued}, {"revoked", d.revoked}});
  }

  ANVIL_ASSIGN_OR_RETURN(std::optional<TimePoint> last, deps.store.LastIssuedAt());
  ANVIL_ASSIGN_OR_RETURN(std::vector<IssuerStatus> issuers, deps.ca.Issuers());
  nlohmann::json ca = {{"issuers", IssuersJson(issuers)},
                       {"crls", nlohmann::json::array()},
                       {"last_issuance", last ? nlohmann::json(FormatRfc3339(*last)) : nlohmann::json(nullptr)}};
  for (const IssuerStatus& issuer : issuers) {
    if (issuer.crl_this_update) {
      ca["crls"].push_back({{"issuer", issuer.name},
                            {"id", issuer.id},
                            {"this_update", FormatRfc3339(*issuer.crl_this_update)},
                            {"next_update", issuer.crl_next_update ? nlohmann::json(FormatRfc3339(*issuer.crl_next_update))
                                                                   : nlohmann::json(nullptr)}});
    }
  }
  out["ca"] = std::move(ca);
  return Reply{200, out};
}

}  // namespace

void AddOverviewRoutes(AdminApi& api, const HandlerDeps& deps) {
  api.Add({"GET", "/overview", Role::kViewer, Bind(deps, Overview), {"timeline_days", "activity_days"}});
  api.Add({"GET", "/issuers", Role::kViewer, Bind(deps, Issuers)});
}

}  // namespace anvil::admin
