// A CertificateIssuer for unit tests of the RA: it follows the CA's issuance protocol (ca/issuer.h) against
// the caller's IssuanceLog — record with a fresh serial, retry a taken one, complete, abandon on failure —
// but "signs" by writing a recognisable placeholder instead of a certificate, and can be told to fail at
// signing. It records every request. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "ca/issuer.h"

namespace anvil::testing {

class FakeIssuer final : public ca::CertificateIssuer {
 public:
  Result<ca::IssuedCertificate> Issue(const ca::IssuanceRequest& request, ca::IssuanceLog& log) override {
    ca::PendingCertificate pending;
    bool fail_signing = false;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      fail_signing = fail_signing_;
    }
    pending.tbs_der = "tbs";
    pending.authority_key_id = "fake-aki";
    pending.profile = request.profile.name;
    for (const auto& id : request.identifiers) pending.names.push_back(id.value);
    for (int attempt = 0;; ++attempt) {
      pending.serial = NextSerial();
      Status recorded = log.Record(pending);
      if (recorded.ok()) break;
      if (recorded.code() != Code::kConflict || attempt >= 2) return recorded;
    }
    Status failed = fail_signing ? Error(Code::kServerInternal, "signing failed (injected)")
                                 : log.Complete(pending.serial, "signed:" + pending.serial);
    if (!failed.ok()) {
      Status abandoned = log.Abandon(pending.serial, failed);
      if (!abandoned.ok()) return Status(failed.code(), failed.message() + "; " + abandoned.message());
      return failed;
    }
    return ca::IssuedCertificate{"signed:" + pending.serial, pending.serial};
  }

  void set_fail_signing(bool fail) {
    std::lock_guard lock(mu_);
    fail_signing_ = fail;
  }
  std::vector<ca::IssuanceRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::string NextSerial() {
    std::lock_guard lock(mu_);
    return std::to_string(++serials_);
  }

  std::mutex mu_;
  bool fail_signing_ = false;
  int serials_ = 0;
  std::vector<ca::IssuanceRequest> requests_;
};

}  // namespace anvil::testing
