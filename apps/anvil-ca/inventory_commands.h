// `anvil-ca cert …` and `anvil-ca account …`: the inventory of issue 15 from the command line
// (docs/inventory.md). Listings read the store's inventory queries (storage::CertificateInventory);
// revocation and deactivation go through the RA, as the ACME requests do, so that they are audited and keys
// compromised are blocked. Each command prints to stdout, reports errors on stderr, and returns the process
// exit code (0, or 1 with "anvil-ca: WHAT: why").
#pragma once

#include <string>

#include "admin/inventory_view.h"
#include "config/config.h"

namespace anvil::app {

struct CertListArgs {
  admin::CertificateFilter filter;  // name_contains, name_suffix, account, profile, status, limit, cursor
  std::string expiring_within;  // a duration ("30d"): status expiring within it; also what "expiring" means
  bool json = false, csv = false;
};
int CertList(const config::Config& config, const CertListArgs& args);

struct CertShowArgs {
  std::string serial;  // hex, any case, colons and a leading 0x allowed
  bool pem = false;    // also print the certificate and its chain as PEM
};
int CertShow(const config::Config& config, const CertShowArgs& args);

struct CertRevokeArgs {
  std::string serial;
  std::string reason;  // unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation,
                       // privilegeWithdrawn
  std::string note;    // recorded in the audit row
};
int CertRevoke(const config::Config& config, const CertRevokeArgs& args);

struct AccountListArgs {
  int limit = 100;
  std::string cursor;
  bool json = false;
};
int AccountList(const config::Config& config, const AccountListArgs& args);
int AccountShow(const config::Config& config, const std::string& account_id);
int AccountDeactivate(const config::Config& config, const std::string& account_id, const std::string& note);

}  // namespace anvil::app
