// CrlUpdater: keeps the CRL (RFC 5280 §5) of one issuing CA current — the publication side of revocation
// (docs/revocation.md).
//
// A CRL is made at start (so that revocations recorded before a crash are on the first CRL after it), then
// every `period`, and within `revocation_delay` of a revocation the RA reports (Revoked(); revocations in the
// meantime share one CRL). Each CRL:
//   1. reads the series' state (the last cRLNumber and thisUpdate) from the store;
//   2. lists the issuer's revoked certificates, page by page, leaving out those that expired before the last
//      CRL's thisUpdate: every revoked certificate is listed until it has appeared on one CRL made after it
//      expired, and never dropped before (the failure behind Vault's CVE-2021-29653);
//   3. is signed by the CA (ca::CrlSigner) with cRLNumber = last + 1;
//   4. records the new number and thisUpdate in the store — durably, before anyone can see the CRL, so
//      numbers strictly increase across restarts (RFC 5280 §5.2.3);
//   5. is written atomically to `output_path` and becomes Current() for the publication listener.
// A failure leaves the previous CRL in place and is retried after a back-off; it is logged.
//
// Thread-safety: every method may be called from any thread; CRLs are made one at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/steady_clock.h"
#include "base/time.h"
#include "ca/crl_signer.h"
#include "storage/store.h"

namespace anvil::publish {

struct CrlUpdaterOptions {
  // The CRL's issuingDistributionPoint, the URL the certificates name in their cRLDistributionPoints; empty:
  // no IDP (the CRL is then complete for the issuer, and no certificate points at it).
  std::string distribution_point_url;
  std::string output_path;  // where each CRL is written (DER, mode 0644); empty: not written
  std::chrono::seconds period{3600};
  std::chrono::seconds lifetime{86400};  // nextUpdate - thisUpdate
  std::chrono::seconds revocation_delay{10};
  std::chrono::seconds retry_after{30};  // after a failed CRL
  int page_size = 10000;                 // revoked certificates read per store call
};

class CrlUpdater {
 public:
  // `store`, `signer` and the clocks must outlive the updater.
  CrlUpdater(CrlUpdaterOptions options, storage::RevocationListStore& store, ca::CrlSigner& signer,
             const Clock& clock, SteadyClock& steady_clock = SteadyClock::Real());
  ~CrlUpdater();  // stops the thread (a CRL being made is finished first)
  CrlUpdater(const CrlUpdater&) = delete;
  CrlUpdater& operator=(const CrlUpdater&) = delete;

  // Makes, records, writes and publishes one CRL now, on the calling thread. Errors: the store's or the
  // signer's, or kIo when the file cannot be written (the CRL is then recorded and published all the same).
  Status UpdateNow();
  // Starts the thread that keeps the CRL current. Call once, after a first UpdateNow().
  void Start();
  // A certificate of this issuer was revoked: a CRL within revocation_delay.
  void Revoked();

  // The last CRL published (DER); null before the first.
  std::shared_ptr<const std::string> Current() const;
  // The thisUpdate of Current(); nullopt before the first. Its age is what a relying party's copy may lag
  // (the metric anvil_crl_age_seconds, docs/metrics.md).
  std::optional<TimePoint> CurrentThisUpdate() const;
  // How the series and the CRL's URL name the issuer: lowercase hex of its subjectKeyIdentifier.
  const std::string& issuer_id() const { return issuer_id_; }
  static std::string IssuerId(const crypto::Certificate& issuer);

 private:
  struct Made {
    std::string der;
    TimePoint this_update;
  };
  Result<Made> MakeCrl();
  void Run();

  const CrlUpdaterOptions options_;
  storage::RevocationListStore& store_;
  ca::CrlSigner& signer_;
  const Clock& clock_;
  SteadyClock& steady_clock_;
  const std::string issuer_id_;

  std::mutex update_mu_;  // one CRL at a time (UpdateNow from the thread and from callers)

  mutable std::mutex mu_;  // guards the fields below
  std::shared_ptr<const std::string> current_;
  std::optional<TimePoint> current_this_update_;
  std::optional<SteadyClock::TimePoint> revocation_due_;
  SteadyClock::TimePoint next_due_;
  bool stopping_ = false;
  std::unique_ptr<SteadyClock::Waiter> waiter_;  // for mu_
  std::thread thread_;
};

}  // namespace anvil::publish
