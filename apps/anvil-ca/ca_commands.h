// `anvil-ca ca ...`: the CA's keys and certificates from the command line (docs/ca-operations.md). Each
// command prints what it did and what the operator does next, and returns the process exit code.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "storage/store.h"

namespace anvil::app {

// The data directory's store (created if missing), with full durability: what every command that records or
// reads certificates, EAB keys or CRL states opens.
Result<std::unique_ptr<storage::Store>> OpenStore(const config::Config& config);

struct CaInitArgs {
  std::string import_root, import_intermediate, import_key;  // all three, or none
  std::string offline_root_key;  // non-empty: the new root's key is written here, not into the data directory
};
int CaInit(const config::Config& config, const CaInitArgs& args);

int CaShow(const config::Config& config);

struct CaRotateArgs {
  std::string root_key;  // empty: the newest root's key in <data_dir>/ca
  std::string at;        // RFC 3339; empty: from the next start of anvil-ca
  std::string key_uri;   // a pkcs11: URI (RFC 7512): the new generation's key is in that token; empty: a new key
};
int CaRotate(const config::Config& config, const CaRotateArgs& args);

struct CaRolloverRootArgs {
  std::string root_key;          // the newest root's key; empty: in <data_dir>/ca
  std::string offline_root_key;  // non-empty: the new root's key is written here, not into the data directory
  std::string common_name;       // empty: ca.root_common_name + " " + the new root's generation
  std::string at;                // RFC 3339 time from which the new intermediate issues; empty: the next start
};
int CaRolloverRoot(const config::Config& config, const CaRolloverRootArgs& args);

struct CaRetireArgs {
  int generation = 0;
  std::string reason;    // keyCompromise, superseded, cessationOfOperation
  std::string root_key;  // empty: the key of the generation's root in <data_dir>/ca when it is there
};
int CaRetire(const config::Config& config, const CaRetireArgs& args);

struct CaRootCrlArgs {
  std::string root_key;  // the key of the root whose CRL is signed; empty: the newest root's in <data_dir>/ca
  std::string validity = "30d";  // nextUpdate - thisUpdate, at most 365d
};
int CaRootCrl(const config::Config& config, const CaRootCrlArgs& args);

struct CaImportInventoryArgs {
  std::vector<std::string> paths;  // PEM files or directories of them
  std::vector<std::string> crls;   // the old CA's CRLs: their revocations carry over
};
int CaImportInventory(const config::Config& config, const CaImportInventoryArgs& args);

// Encrypts the CA keys in the data directory with ca.key_passphrase.
int CaEncryptKeys(const config::Config& config);

}  // namespace anvil::app
