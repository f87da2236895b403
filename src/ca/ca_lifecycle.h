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

// The root key from `path` (empty: <data_dir>/ca/root.key), decrypted with `passphrase` when it is encrypted,
// checked against root.pem: kNotFound when there is no such file (an offline root without --root-key),
// kInvalidArgument when it is not root.pem's key or cannot be decrypted.
Result<crypto::PrivateKey> LoadRootKey(const std::string& data_dir, const std::string& path,
                                       const std::string& passphrase = "");

struct RotateOptions {
  std::string root_key_path;             // empty: <data_dir>/ca/root.key
  std::optional<TimePoint> activate_at;  // none: issues from the next start of anvil-ca
  // Non-empty: the new generation's key is this key in a PKCS #11 token (an RFC 7512 URI, ca/token_key.h),
  // loaded with options.pkcs11_module and options.pkcs11_pin, instead of a new software key.
  std::string key_uri;
};

// Makes the next generation: a new P-256 key (or the token's key rotate.key_uri names) and its certificate
// signed by the root (options.key_passphrase decrypts the root key and encrypts the new one). The key (or its
// URI, in intermediate-N.key-uri) is written first, then the activation time, then the certificate, whose
// existence makes the generation: an interrupted rotation leaves at most an unused key or URI, which the next
// rotation overwrites (and a key file or URI of the other kind is removed, so one names the key).
Result<Intermediate> RotateIntermediate(const std::string& data_dir, const CaOptions& options,
                                        const RotateOptions& rotate, const Clock& clock);

// Retires generation `generation` at `clock`'s now: it issues no more and its certificates are asked to renew
// (ARI). kNotFound for a generation that does not exist; kInvalidArgument when it is retired already for
// another reason, or when no other generation could issue after it (rotate first). Retiring it again for the
// same reason returns the recorded retirement (a repeated command after an interruption).
Result<Intermediate> RetireIntermediate(const std::string& data_dir, const CaOptions& options, int generation,
                                        RetirementReason reason, const Clock& clock);

// Rewrites every CA key in the data directory (the root's when it is there, every generation's whose key is not
// in a token) encrypted with
// options.key_passphrase; keys encrypted already must open with it. Returns the files rewritten.
// kInvalidArgument for an empty passphrase.
Result<std::vector<std::string>> EncryptKeys(const std::string& data_dir, const CaOptions& options);

// The root as the signer of its own CRL, which lists the intermediates it revoked (RFC 5280 §5; no IDP: a
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
