// `anvil-ca audit ...`: the tamper-evident audit trail from the command line (docs/audit.md). Each command
// returns the process exit code: 0 done (verify: the chain holds), 1 verify found the chain broken or the
// command failed, with the reason on stderr.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace anvil::app {


// Checks the whole chain, every stored anchor (signature and signer, against the CA's roots) and each
// `anchors` "ID:HASH" copied from the log or elsewhere outside the database.
int AuditVerify(const config::Config& config, const std::vector<std::string>& anchors);

struct AuditExportArgs {
  std::string since;     // RFC 3339: records at or after it; empty = all
  int64_t after_id = 0;  // records with a larger id (to resume an export)
};
// One JSON object per line on stdout: id, at, kind, account, subject, details, prev_hash, hash.
int AuditExport(const config::Config& config, const AuditExportArgs& args);

// Prints the head as "ID:HASH" (for an anchor kept elsewhere), or nothing for an empty trail.
int AuditHead(const config::Config& config);

// Signs and stores an anchor of the head now, with the CA's issuing key (as the server does every
// audit.anchor_period).
int AuditAnchorNow(const config::Config& config);

}  // namespace anvil::app
