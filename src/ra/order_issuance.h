// The RA's record of one order's issuance: the ca::IssuanceLog the CA writes through while it signs the
// certificate of a finalized order, so the CA never sees the order. Each call is one store transaction
// (docs/issuance.md):
//   Record   → IssuanceStore::BeginIssuance: the order `from` → processing (the finalize gate) and the
//              pending certificate;
//   Complete → IssuanceStore::FinishIssuance: the certificate issued, the order valid, audit
//              "certificate.issued";
//   Abandon  → IssuanceStore::AbandonIssuance: the certificate abandoned, the order invalid with
//              serverInternal, audit "certificate.abandoned".
// One object per issuance, used by one thread.
#pragma once

#include <string>
#include <vector>

#include "acme/types.h"
#include "base/time.h"
#include "ca/issuer.h"
#include "storage/store.h"

namespace anvil::ra {

class OrderIssuance final : public ca::IssuanceLog {
 public:
  // `order` is the order being finalized as the RA read it; `from` is the status the gate expects (pending
  // or ready). All references must outlive the object.
  // `limits` are applied by Record's transaction (kRateLimited, nothing recorded, when one refuses).
  OrderIssuance(storage::IssuanceStore& store, const Clock& clock, const storage::Order& order,
                acme::OrderStatus from, std::vector<storage::RateLimit> limits = {});

  // kOrderNotReady when the order is no longer `from` (a concurrent or repeated finalize won).
  Status Record(const ca::PendingCertificate& pending) override;
  Status Complete(const std::string& serial, const std::string& der) override;
  Status Abandon(const std::string& serial, const Status& why) override;
  // Whether Record succeeded: the issuance passed the finalize gate, so it ends issued or abandoned.
  bool recorded() const { return recorded_; }

 private:
  storage::IssuanceStore& store_;
  const Clock& clock_;
  const storage::Order& order_;
  const acme::OrderStatus from_;
  const std::vector<storage::RateLimit> limits_;
  bool recorded_ = false;
};

}  // namespace anvil::ra
