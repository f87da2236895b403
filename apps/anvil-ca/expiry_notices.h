// Expiry notices (issue 15, docs/inventory.md, docs/webhooks.md): each certificate the expiry watch finds —
// issued, not revoked, not replaced, expiring within the window — is told once to [expiry.webhook] as the
// event "certificate.expiring", with its names, expiry and the account's contacts, so that the receiver can
// reach the people whose agent did not renew. A notice is delivered when the receiver answers 2xx; it is then
// recorded in the audit trail (`certificate.expiry_notified`, subject the serial), and that record is what
// "once" checks, across restarts. A notice not delivered is tried again at the next check; one delivered
// whose record could not be written is sent again then (at least once, not exactly once).
#pragma once

#include <chrono>
#include <atomic>
#include <cstdint>

#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"
#include "webhook/sender.h"

namespace anvil::app {

class ExpiryNotices {
 public:
  // At most this many notices are sent per check; the rest wait for the next (a first check over a large
  // inventory does not flood the receiver).
  static constexpr int kPerCheck = 1000;

  ExpiryNotices(storage::Store& store, webhook::Sender& sender, const Clock& clock, std::chrono::seconds window)
      : store_(store), sender_(sender), clock_(clock), window_(window) {}

  // Sends the notices due now; returns how many were delivered. Errors of the store end the check; a notice
  // the receiver does not take is logged and skipped.
  Result<int64_t> SendDue();
  // Ends a SendDue under way after the notice being sent (the server's stop); later ones send nothing.
  void Stop() { stopping_ = true; }

 private:
  // Whether `serial` has a certificate.expiry_notified audit record.
  Result<bool> Notified(const std::string& serial);
  // Posts the notice of `c`; OK when delivered and recorded.
  Status Notify(const storage::CertificateRecord& c);

  storage::Store& store_;
  webhook::Sender& sender_;
  const Clock& clock_;
  const std::chrono::seconds window_;
  std::atomic<bool> stopping_{false};
};

}  // namespace anvil::app
