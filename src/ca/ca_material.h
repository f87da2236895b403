// The CA's keys and certificates on disk (<data_dir>/ca/, docs/ca-operations.md): a root (ECDSA P-384, 10 years
// by default) and one or more intermediates (ECDSA P-256, 5 years), keys at mode 0600, written atomically.
//
//   root.pem, root.key                the root; root.key is absent when the root is kept offline
//   root-N.pem, .key                  root generation N >= 2, made by RolloverRoot (`anvil-ca ca rollover-root`)
//   root-N.cross.pem                  root N's name and key certified by root N-1 (the cross-signed root)
//   intermediate.pem, .key            generation 1, made with the root
//   intermediate-N.pem, .key          generation N >= 2, made by RotateIntermediate (`anvil-ca ca rotate`)
//   intermediate[-N].key-uri          instead of .key: the RFC 7512 URI of the key in a PKCS #11 token
//                                     (ca/token_key.h, `anvil-ca ca rotate --key-uri`)
//   intermediate[-N].activate         optional: RFC 3339 time from which that generation issues
//   intermediate[-N].retired          optional: "RFC3339-time reason" once retired (`anvil-ca ca retire`)
//   intermediate[-N].imported         optional: certificates issued elsewhere were imported for this generation
//                                     (`anvil-ca ca import-inventory`); its CRL is then complete, without an IDP
//
// Each intermediate belongs to the root that signed it. The newest generation that is active (its activation time has passed), not retired and not expired issues;
// every generation keeps signing the CRLs and OCSP answers of its own certificates. The root key is only read
// to make an intermediate or a root CRL. Not thread-safe (start-up and command-line code).
#pragma once

#include <chrono>
#include <optional>
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
  // Where the roots' CRLs are published: a new intermediate of root ID (RootName) names <root_crl_base_url>/ID.crl
  // as its CRL distribution point (publish::RootCrlPath on the publication listener). Empty: none.
  std::string root_crl_base_url;
  // PEM file of an alternate issuer chain (e.g. the intermediate cross-signed by another root), served via
  // Link rel="alternate" (RFC 8555 §7.4.2). Empty = none.
  std::string cross_signed_chain;
  // Encrypts the CA keys written (PKCS #8, crypto::PrivateKey::ToEncryptedPem) and decrypts those read; empty:
  // keys are written unencrypted and encrypted ones cannot be read. The secret itself (config resolves
  // ca.key_passphrase).
  std::string key_passphrase;
  // The PKCS #11 module and the user PIN (the secret itself; config resolves ca.pkcs11_pin) of the token holding
  // the keys of generations with a .key-uri file (ca/token_key.h). Empty PIN: no token is used.
  std::string pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so";
  std::string pkcs11_pin;
};

struct CaPaths {
  std::string dir;  // <data_dir>/ca
  std::string root_cert, root_key, intermediate_cert, intermediate_key;  // root and intermediate: generation 1
  static CaPaths In(const std::string& data_dir);
  // Root generation N's files by suffix: "pem", "key", "cross.pem" (RootName(N) + "." + suffix).
  std::string Root(int generation, const std::string& suffix) const;
  // Generation N's files (N = 1: intermediate.*; else intermediate-N.*), by suffix: "pem", "key", "activate",
  // "retired".
  std::string Intermediate(int generation, const std::string& suffix) const;
};

// Why an intermediate was retired: an RFC 5280 §5.3.1 CRLReason.
enum class RetirementReason { kKeyCompromise = 1, kSuperseded = 4, kCessationOfOperation = 5 };
// "keyCompromise", "superseded", "cessationOfOperation" and back; kInvalidArgument for anything else.
Result<RetirementReason> ParseRetirementReason(const std::string& text);
std::string RetirementReasonName(RetirementReason reason);

struct Retirement {
  TimePoint at;
  RetirementReason reason = RetirementReason::kSuperseded;
};

// "root" for root generation 1, "root-N" for N >= 2: the name of its files, of its CRL and of its certificate
// on the publication listener.
std::string RootName(int generation);

// One root generation. Roots after the first are cross-signed by the one before them, so that a relying party
// trusting an older root still validates chains to a newer one (the alternate chains of Intermediate).
struct CaRoot {
  int generation = 1;
  crypto::Certificate certificate;
  // Generation >= 2: this root's subject and key certified by root generation-1 (root-N.cross.pem).
  std::optional<crypto::Certificate> cross_signed;
};

struct Intermediate {
  int generation = 1;
  crypto::Certificate certificate;
  crypto::PrivateKey key;
  std::optional<TimePoint> activate_at;  // none: issues from its notBefore
  std::optional<Retirement> retired;
  // Certificates this generation issued before anvil-ca held it were imported: they name other CRL
  // distribution points (or none), so its CRL must not be scoped to anvil-ca's (no issuingDistributionPoint).
  bool holds_imported = false;
  int root_generation = 1;  // the root that signed it
  // The chains served after the leaf besides the default one (this certificate alone; RFC 8555 §7.4.2): for
  // an intermediate of root N >= 2, this certificate followed by the cross-signed roots N, N-1, ... down to
  // each older root in turn, so that clients trusting only an older root still validate.
  std::vector<std::string> alternate_chains_pem;
};

// What the issuer needs at run time.
struct CaMaterial {
  crypto::Certificate root;  // root generation 1 (/ca/root.der)
  // Every root generation, oldest first (at least one; roots.front() is `root`).
  std::vector<CaRoot> roots;
  // Every generation, oldest first (at least one).
  std::vector<Intermediate> intermediates;
  // The generation that issued when the material was loaded (Issuing(load time)); the server's TLS
  // certificate and /ca/intermediate.pem use it.
  crypto::Certificate intermediate;
  crypto::PrivateKey intermediate_key;
  // Alternate issuer chains (RFC 8555 §7.4.2) of `intermediate` from ca.cross_signed_chain (besides its own
  // Intermediate::alternate_chains_pem), each the PEM served after the leaf instead of it.
  std::vector<std::string> alternate_chains_pem;

  // The generation that issues at `now`: the newest that is active, not retired and not expired; null when
  // there is none.
  const Intermediate* Issuing(TimePoint now) const;
};

// Creates root and intermediate in `data_dir` unless they already exist (then kConflict). With
// `offline_root_key` non-empty the root key is written there (mode 0600, a path the operator then moves off
// the machine) instead of into the data directory; that file must not exist yet.
Status CreateCa(const std::string& data_dir, const CaOptions& options, const Clock& clock,
                const std::string& offline_root_key = "");
// Imports an existing root certificate and an intermediate certificate + key from PEM files (the root key is
// not needed). Checks that the intermediate is a CA signed by the root and that the key matches it.
Status ImportCa(const std::string& data_dir, const std::string& root_cert_pem_path,
                const std::string& intermediate_cert_pem_path, const std::string& intermediate_key_pem_path,
                const std::string& key_passphrase = "");

// A CA key file: read with `passphrase` when it is encrypted (an error naming the file and ca.key_passphrase
// otherwise), written encrypted when `passphrase` is not empty; mode 0600, atomically.
Result<crypto::PrivateKey> ReadKeyFile(const std::string& path, const std::string& passphrase);
Status WriteKeyFile(const std::string& path, const crypto::PrivateKey& key, const std::string& passphrase);
// An intermediate of root generation `root_generation`: a new key's certificate signed by `root_key`, naming that
// root's CRL under options.root_crl_base_url (when not empty) as its CRL distribution point.
Result<crypto::Certificate> MakeIntermediate(const crypto::Certificate& root, int root_generation,
                                             const crypto::PrivateKey& root_key, const crypto::PublicKey& key,
                                             const CaOptions& options, TimePoint now);
// A root certificate for `key` named `common_name`: self-signed when `issuer` is null, else the
// cross-certificate of that name and key signed by `issuer` with `issuer_key` (no longer valid than the issuer,
// naming the issuer's CRL under options.root_crl_base_url).
Result<crypto::Certificate> MakeRoot(const crypto::PrivateKey& key, const std::string& common_name,
                                     const CaOptions& options, TimePoint now, const CaRoot* issuer = nullptr,
                                     const crypto::PrivateKey* issuer_key = nullptr);
// The URL of root `root_generation`'s CRL under options.root_crl_base_url; empty when that is empty.
std::string RootCrlUrl(const CaOptions& options, int root_generation);
// A fresh serial number for a certificate the CA signs: 128 bits from the CSPRNG, the top bit cleared so DER
// needs no sign octet, and a zero first octet avoided so every serial is 16 octets long.
std::string NewSerial();

// Whether `intermediate` may issue at `now`: active, not retired, within its validity.
bool IssuesAt(const Intermediate& intermediate, TimePoint now);
// The newest of `intermediates` (oldest first) that issues at `now` (CaMaterial::Issuing).
const Intermediate* IssuingOf(const std::vector<Intermediate>& intermediates, TimePoint now);

// Every root generation in `data_dir`, oldest first (generation g at index g - 1), each cross-certificate checked
// against the root before it.
Result<std::vector<CaRoot>> LoadRoots(const std::string& data_dir);
// Loads the CA with every intermediate generation; kNotFound if it was never created. `now` picks
// CaMaterial::intermediate (kInvalidArgument when no generation issues at `now`).
Result<CaMaterial> LoadCa(const std::string& data_dir, const CaOptions& options, TimePoint now);
// The same at the system clock's now.
Result<CaMaterial> LoadCa(const std::string& data_dir, const CaOptions& options);
// Loads the CA, creating it first when absent (zero-configuration start).
Result<CaMaterial> LoadOrCreateCa(const std::string& data_dir, const CaOptions& options, const Clock& clock);

// The issuer chain served after a leaf `ca.intermediate` signed (the server's TLS certificate, an admin's client
// certificate): the intermediate, or after a root rollover its chain through the cross-certificates to the
// oldest root.
std::string IssuerChainPem(const CaMaterial& ca);

// The server's own TLS certificate (<data_dir>/tls/server.pem + server.key), issued by the intermediate for
// `names` (DNS names and IP literals). Reused while it covers all names and has more than a third of its life
// left; otherwise re-issued. Returns {chain_pem (leaf + intermediate, + the cross-certificates to the first root
// after a rollover), key_pem}.
Result<std::pair<std::string, std::string>> LoadOrIssueServerTls(const std::string& data_dir, const CaMaterial& ca,
                                                                 const std::vector<std::string>& names,
                                                                 const Clock& clock);

// "ab:cd:..." SHA-256 fingerprint of a certificate, for `anvil-ca ca show`.
std::string FingerprintText(const crypto::Certificate& cert);

}  // namespace anvil::ca
