#include "expiry_watch.h"

#include <spdlog/spdlog.h>

#include <string>

#include "config/values.h"

namespace anvil::app {

ExpiryWatch::ExpiryWatch(storage::CertificateInventory& inventory, const Clock& clock, std::chrono::seconds window,
                         ExpiryNotices* notices)
    : inventory_(inventory), clock_(clock), window_(window), notices_(notices) {}

ExpiryWatch::~ExpiryWatch() { Stop(); }

Result<int64_t> ExpiryWatch::CheckNow() {
  const TimePoint now = clock_.Now();
  ANVIL_ASSIGN_OR_RETURN(int64_t expiring, inventory_.CountExpiringCertificates(now, window_));
  if (expiring == 0) return expiring;
  spdlog::warn("expiry watch: {} certificate{} within {} and {} not replaced", expiring,
               expiring == 1 ? " expires" : "s expire", config::internal::FormatDuration(window_),
               expiring == 1 ? "is" : "are");
  storage::CertificateQuery query;
  query.now = now;
  query.status = storage::InventoryStatus::kExpiring;
  query.expiring_within = window_;
  query.limit = kListed;
  ANVIL_ASSIGN_OR_RETURN(storage::CertificatePage page, inventory_.ListCertificates(query));
  for (const storage::CertificateRecord& c : page.certificates) {
    std::string names;
    for (const std::string& name : c.names) names += (names.empty() ? "" : ", ") + name;
    spdlog::warn("expiry watch: serial {} ({}) of {} expires at {}", c.serial, names,
                 c.account_id.empty() ? "no account (imported)" : "account " + c.account_id, FormatRfc3339(c.not_after));
  }
  if (expiring > kListed) spdlog::warn("expiry watch: {} more: anvil-ca cert list --status expiring", expiring - kListed);
  if (notices_ != nullptr) ANVIL_RETURN_IF_ERROR(notices_->SendDue().status());
  return expiring;
}

void ExpiryWatch::Start(std::chrono::seconds period) {
  thread_.Start(
      period,
      [this, period] {
        if (auto checked = CheckNow(); !checked.ok()) {
          spdlog::error("expiry watch: check failed (next in {}s): {}", period.count(), checked.status().ToString());
        }
      },
      /*first_at_once=*/true);
}

void ExpiryWatch::Stop() {
  if (notices_ != nullptr) notices_->Stop();
  thread_.Stop();
}

}  // namespace anvil::app
