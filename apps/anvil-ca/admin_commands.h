// `anvil-ca admin …`: the admin API's credentials (docs/admin-api.md). `cert issue` makes a key and a client
// certificate from the CA's issuing intermediate and records it; `token create` prints a new bearer token once and
// records only its SHA-256; `list` shows every credential; `revoke` ends one at once (the API reads the record on
// every request). Each write is audited (admin.credential.created, admin.credential.revoked) in its own
// transaction. Each command returns the process exit code (0, or 1 with "anvil-ca admin WHAT: why" on stderr).
#pragma once

#include <string>

#include "config/config.h"

namespace anvil::app {

struct AdminCertIssueArgs {
  std::string name, role = "viewer", out_dir;
  std::string validity = "90d";
};
int AdminCertIssue(const config::Config& config, const AdminCertIssueArgs& args);

struct AdminTokenCreateArgs {
  std::string name, role = "viewer";
};
int AdminTokenCreate(const config::Config& config, const AdminTokenCreateArgs& args);

int AdminList(const config::Config& config, bool json);
int AdminRevoke(const config::Config& config, const std::string& name);

}  // namespace anvil::app
