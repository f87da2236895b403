// Internal to crypto/: the definitions behind the opaque handles of the public classes, and Access, the one
// friend through which crypto/'s .cc files reach the OpenSSL objects inside them.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/device_name.h"
#include "crypto/key.h"
#include "crypto/ossl_handles.h"

namespace anvil::crypto {

// One EVP_PKEY holding only public material, and what was learned about it on import.
struct PublicKey::Impl {
  internal::EvpPkeyPtr pkey;
  KeyAlgorithm algorithm;
  std::optional<Curve> curve;
  std::string spki_der;  // SubjectPublicKeyInfo, as read or built once on import (never empty)
};

struct PrivateKey::Impl {
  internal::EvpPkeyPtr pkey;
  PublicKey public_key;  // Exported once, public material only.
  // The private half is in a PKCS #11 token (crypto/pkcs11_key.h): it cannot be exported, and OpenSSL would
  // encode the absent scalar as zero.
  bool in_token;
};

struct Csr::Impl {
  explicit Impl(PublicKey key) : public_key(std::move(key)) {}
  PublicKey public_key;
  std::string der;
  // What the signature covers and the signature, as received (VerifySignature).
  std::string info_der;
  std::string signature;
  DigestAlg signature_digest = DigestAlg::kSha256;
  std::string common_name;
  std::vector<std::string> dns_names, ip_addresses, other_san_entries, other_extension_oids;
  std::vector<DeviceName> device_names;
};

struct Certificate::Impl {
  Impl(internal::X509Ptr x, PublicKey key, std::string d)
      : x509(std::move(x)), public_key(std::move(key)), der(std::move(d)) {}
  internal::X509Ptr x509;
  PublicKey public_key;
  std::string der;
};

namespace internal {

// The EVP_MD of a digest; nullptr for kNone.
const EVP_MD* EvpMd(DigestAlg alg);

struct Access {
  static EVP_PKEY* Pkey(const PublicKey& k) { return k.impl_->pkey.get(); }
  static EVP_PKEY* Pkey(const PrivateKey& k) { return k.impl_->pkey.get(); }
  static X509* X509Of(const Certificate& c) { return c.impl_->x509.get(); }

  static const std::string& Spki(const PublicKey& k) { return k.impl_->spki_der; }

  // Takes ownership of a public key of any supported type; kBadPublicKey for other types. `spki_der` is its
  // SubjectPublicKeyInfo when the caller has it already (from a parsed certificate or request); otherwise it
  // is built from the key.
  static Result<PublicKey> WrapPublic(EvpPkeyPtr pkey, std::string spki_der = {});
  // Takes ownership of a private key of a supported type; kInvalidArgument otherwise. `in_token`: a key of
  // the pkcs11 engine, whose private half stays in the token (PrivateKey::Impl::in_token).
  static Result<PrivateKey> WrapPrivate(EvpPkeyPtr pkey, bool in_token = false);
  static Csr MakeCsr(std::shared_ptr<const Csr::Impl> impl) { return Csr(std::move(impl)); }
  static Certificate MakeCertificate(std::shared_ptr<const Certificate::Impl> impl) {
    return Certificate(std::move(impl));
  }
};

// Public keys imported from their parameters with EVP_PKEY_fromdata (no decoder): `point` is a SEC 1 point
// (uncompressed or compressed) on `ossl_group`, which OpenSSL checks lies on the curve; n and e are
// big-endian magnitudes. kBadPublicKey (OpenSSL's reason in the queue) when OpenSSL refuses them; kInternal
// when a parameter cannot be built. No other checks: callers apply their own.
Result<EvpPkeyPtr> EcPublicFromPoint(const char* ossl_group, std::string_view point);
Result<EvpPkeyPtr> RsaPublicFromComponents(std::string_view n, std::string_view e);

}  // namespace internal
}  // namespace anvil::crypto
