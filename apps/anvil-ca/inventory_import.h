// `anvil-ca ca import-inventory`: the certificates an existing CA issued, brought into anvil-ca's store after
// its root and intermediate were imported (`ca init --import-*`), so that anvil-ca's CRLs and OCSP answers
// cover them (docs/ca-operations.md, "Migrate an existing CA").
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "ca/ca_material.h"
#include "storage/store.h"

namespace anvil::app {

struct InventorySummary {
  int imported = 0;         // recorded now (revoked ones included)
  int revoked = 0;          // of those, revoked by one of the CRLs given
  int already = 0;          // recorded before (a repeated import)
  std::vector<std::string> skipped;  // "FILE: why" for each certificate not imported
};

// Reads every certificate in `paths` (PEM files, each with one or more certificates, or directories of them,
// not recursive) and records each one an intermediate of `material` issued, with its names, validity and
// authority key ID; a certificate listed on one of `crls` (DER or PEM CRLs signed by that intermediate) is
// recorded revoked with the CRL's date and reason. CA certificates and certificates of other issuers are
// skipped. Each generation that received one is marked (ca/intermediate[-N].imported) so that its CRL covers
// certificates naming other distribution points. Errors: a path or CRL that cannot be read, a CRL not signed by an intermediate of `material`, or the
// store's.
Result<InventorySummary> ImportInventory(const std::string& data_dir, storage::Store& store,
                                         const ca::CaMaterial& material,
                                         const std::vector<std::string>& paths,
                                         const std::vector<std::string>& crls, const Clock& clock);

}  // namespace anvil::app
