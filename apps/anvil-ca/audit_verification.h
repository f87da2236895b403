// The audit trail verified (docs/audit.md), shared by `anvil-ca audit verify` and the admin API's
// GET /admin/v1/audit/verify. Reads the store and the CA's roots; thread-safe if the store is.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "storage/audit_chain.h"
#include "storage/store.h"

namespace anvil::app {

// The audit trail checked as `audit verify` checks it: every stored anchor's signature and signer against the
// roots in `data_dir` (stopping at the first that is not genuine), then the chain against those anchors and
// `given`. Shared with the admin API's GET /audit/verify.
struct AuditTrailCheck {
  std::string bad_anchor;  // "anchor N (signed … by …) is not genuine: why"; empty when all are
  size_t stored_anchors = 0;
  storage::AuditVerification chain;  // not run when an anchor is not genuine
};
Result<AuditTrailCheck> VerifyAuditTrail(storage::Store& store, const std::string& data_dir,
                                         std::vector<storage::AuditAnchorCheck> given);

// "CN (serial S)" of an anchor's signer, for findings and log lines.
std::string SignerName(const std::string& der);

}  // namespace anvil::app
