// The CA's lifecycle on disk (docs/ca-operations.md): a new intermediate generation made with the root key
// (`anvil-ca ca rotate`), an intermediate retired (`anvil-ca ca retire`), and the root as the signer of the
// CRL that lists the intermediates it revoked. The root key is read only here, from the data directory or
// from a path the operator gives (an offline root). Not thread-safe (command-line and start-up code).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "ca/ca_material.h"
#include "ca/crl_signer.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::ca {

// A root generation with its private key.
struct RootKey {
  CaRoot root;
  crypto::PrivateKey key;
};

// A root's key, decrypted with `passphrase` when it is encrypted. From `path` when it is not empty (the key of
// an offline root): the root generation whose certificate it matches, which must be `generation` when that is
// given. Otherwise from the data directory: root `generation`'s key, or the newest root's. kNotFound when there
// is no such file (an offline root without --root-key), kInvalidArgument when it is no root's key (or not
// `generation`'s) or cannot be decrypted.
Result<RootKey> LoadRootKey(const std::string& data_dir, const std::string& path, const std::string& passphrase = "",
                            std::optional<int> generation = std::nullopt);

struct RotateOptions {
  std::string root_key_path;             // empty: the newest root's key in <data_dir>/ca
  std::optional<TimePoint> activate_at;  // none: issues from the next start of anvil-ca
  // Non-empty: the new generation's key is this key in a PKCS #11 token (an RFC 7512 URI, ca/token_key.h),
  // loaded with options.pkcs11_module and options.pkcs11_pin, instead of a new software key.
  std::string key_uri;
};

// Makes the next generation: a new P-256 key (or the token's key rotate.key_uri names) and its certificate
// signed by the root whose key is given (the newest root's by default; options.key_passphrase decrypts the root
// key and encrypts the new one). The key (or its URI, in intermediate-N.key-uri) is written first, then the
// activation time, then the certificate, whose existence makes the generation: an interrupted rotation leaves
// at most an unused key or URI, which the next rotation overwrites (and a key file or URI of the other kind is
// removed, so one names the key).
Result<Intermediate> RotateIntermediate(const std::string& data_dir, const CaOptions& options,
                                        const RotateOptions& rotate, const Clock& clock);

struct RolloverOptions {
  std::string root_key_path;             // the newest root's key; empty: in <data_dir>/ca
  std::string offline_root_key;          // where the new root's key is written; empty: <data_dir>/ca
  std::string common_name;               // the new root's; empty: ca.root_common_name + " " + its generation
  std::optional<TimePoint> activate_at;  // of the new intermediate; none: issues from the next start
};

struct Rollover {
  CaRoot root;                // the new root, with its cross-certificate
  Intermediate intermediate;  // the new intermediate generation, signed by the new root
};

// Root rollover (docs/ca-operations.md): a new root generation N (a P-384 key, self-signed), its
// cross-certificate signed by root N-1 (whose key `rollover` gives), and a new intermediate generation under
// it. New issuance moves to that intermediate as RotateIntermediate's does; its certificates are served with
// the chain to root N by default and with the cross-certificates as alternates (Intermediate::
// alternate_chains_pem), so clients trusting either root validate. Files are written new root key, root
// certificate, cross-certificate, then the intermediate as RotateIntermediate writes it: an interrupted
// rollover may leave root N without an intermediate, which `ca rotate` with root N's key completes.
Result<Rollover> RolloverRoot(const std::string& data_dir, const CaOptions& options, const RolloverOptions& rollover,
                              const Clock& clock);

// Retires generation `generation` at `clock`'s now: it issues no more and its certificates are asked to renew
// (ARI). kNotFound for a generation that does not exist; kInvalidArgument when it is retired already for
// another reason, or when no other generation could issue after it (rotate first). Retiring it again for the
// same reason returns the recorded retirement (a repeated command after an interruption).
Result<Intermediate> RetireIntermediate(const std::string& data_dir, const CaOptions& options, int generation,
                                        RetirementReason reason, const Clock& clock);

// Rewrites every CA key in the data directory (each root's that is there, every generation's whose key is not in
// a token) encrypted with
// options.key_passphrase; keys encrypted already must open with it. Returns the files rewritten.
// kInvalidArgument for an empty passphrase.
Result<std::vector<std::string>> EncryptKeys(const std::string& data_dir, const CaOptions& options);

// A root as the signer of its own CRL, which lists the intermediates it revoked (RFC 5280 §5; no IDP: a
// complete CRL of the root's certificates). Thread-safe.
class RootCrlSigner final : public CrlSigner {
 public:
  RootCrlSigner(crypto::Certificate root, crypto::PrivateKey root_key)
      : root_(std::move(root)), root_key_(std::move(root_key)) {}
  const crypto::Certificate& CrlIssuer() const override { return root_; }
  Result<std::string> SignCrl(const crypto::CrlTemplate& tmpl) override;

 private:
  const crypto::Certificate root_;
  const crypto::PrivateKey root_key_;
};

}  // namespace anvil::ca
