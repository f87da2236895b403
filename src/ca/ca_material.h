// The CA's keys and certificates on disk (<data_dir>/ca/): a root (ECDSA P-384, 10 years by default) and the
// intermediate that signs everything (ECDSA P-256, 5 years), keys at mode 0600, written atomically.
// The root key stays on disk and is only loaded to create an intermediate. Not thread-safe (start-up code).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::ca {

// How a new CA is made and what is served beside it (the composition root fills it from the ca.* keys of
// docs/configuration.md).
struct CaOptions {
  std::string root_common_name = "Anvil Root CA";
  std::string intermediate_common_name = "Anvil Intermediate CA";
  std::string organization = "Anvil";
  std::chrono::seconds root_validity{10 * 365 * 86400};
  std::chrono::seconds intermediate_validity{5 * 365 * 86400};
  // PEM file of an alternate issuer chain (e.g. the intermediate cross-signed by another root), served via
  // Link rel="alternate" (RFC 8555 §7.4.2). Empty = none.
  std::string cross_signed_chain;
};

struct CaPaths {
  std::string dir;  // <data_dir>/ca
  std::string root_cert, root_key, intermediate_cert, intermediate_key;
  static CaPaths In(const std::string& data_dir);
};

// What the issuer needs at run time.
struct CaMaterial {
  crypto::Certificate root;
  crypto::Certificate intermediate;
  crypto::PrivateKey intermediate_key;
  // Alternate issuer chains (RFC 8555 §7.4.2), each the PEM served after the leaf instead of the intermediate.
  std::vector<std::string> alternate_chains_pem;
};

// Creates root and intermediate in `data_dir` unless they already exist (then kConflict).
Status CreateCa(const std::string& data_dir, const CaOptions& options, const Clock& clock);
// Imports an existing root certificate and an intermediate certificate + key from PEM files (the root key is
// not needed). Checks that the intermediate is a CA signed by the root and that the key matches it.
Status ImportCa(const std::string& data_dir, const std::string& root_cert_pem_path,
                const std::string& intermediate_cert_pem_path, const std::string& intermediate_key_pem_path);
// Loads the CA; kNotFound if it was never created.
Result<CaMaterial> LoadCa(const std::string& data_dir, const CaOptions& options);
// Loads the CA, creating it first when absent (zero-configuration start).
Result<CaMaterial> LoadOrCreateCa(const std::string& data_dir, const CaOptions& options, const Clock& clock);

// The server's own TLS certificate (<data_dir>/tls/server.pem + server.key), issued by the intermediate for
// `names` (DNS names and IP literals). Reused while it covers all names and has more than a third of its life
// left; otherwise re-issued. Returns {chain_pem (leaf + intermediate), key_pem}.
Result<std::pair<std::string, std::string>> LoadOrIssueServerTls(const std::string& data_dir, const CaMaterial& ca,
                                                                 const std::vector<std::string>& names,
                                                                 const Clock& clock);

// "ab:cd:..." SHA-256 fingerprint of a certificate, for `anvil-ca ca show`.
std::string FingerprintText(const crypto::Certificate& cert);

}  // namespace anvil::ca
