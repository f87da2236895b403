// The expiry watch (issue 15, docs/inventory.md): the certificates that expire within `expiry.window` and have
// not been replaced (no ARI renewal named them), reported in the log every `expiry.check_period` — the outage
// the agent exists to prevent, seen even when an agent is broken. The metric anvil_certificates_expiring
// (docs/metrics.md) counts the same certificates for 7 and 30 days. With [expiry.webhook], each check also
// sends the notices due (expiry_notices.h).
#pragma once

#include <chrono>
#include <cstdint>

#include "base/periodic_thread.h"
#include "base/status.h"
#include "base/time.h"
#include "expiry_notices.h"
#include "storage/store.h"

namespace anvil::app {

class ExpiryWatch {
 public:
  // At most this many certificates are named one per line at each check; the summary line counts them all.
  static constexpr int kListed = 50;

  // `notices`: sent at each check when not null (not owned; must outlive the watch).
  ExpiryWatch(storage::CertificateInventory& inventory, const Clock& clock, std::chrono::seconds window,
              ExpiryNotices* notices = nullptr);
  ~ExpiryWatch();

  // Logs, when there are any, a warning "expiry watch: N certificates expire within W and are not replaced"
  // and then one line per certificate, soonest first ("expiry watch: serial S (names) of account A expires at
  // T"; "of no account (imported)" for one `ca import-inventory` recorded), then sends the notices due;
  // returns N.
  Result<int64_t> CheckNow();
  // Checks at once and then every `period` until Stop, on the watch's thread (notices to a slow receiver do
  // not hold up the server's start); a failed check is logged and tried again next time.
  void Start(std::chrono::seconds period);
  void Stop();

 private:
  storage::CertificateInventory& inventory_;
  const Clock& clock_;
  const std::chrono::seconds window_;
  ExpiryNotices* notices_;
  PeriodicThread thread_;
};

}  // namespace anvil::app
