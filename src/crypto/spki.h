// Internal to crypto/: SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) handled as DER, so that putting a key into a
// certificate or request, or hashing it for a key identifier, never goes through OpenSSL 3's encoder and
// decoder set-up (X509_PUBKEY_set costs about 0.17 ms per call; docs/performance.md).
#pragma once

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/ossl_handles.h"

namespace anvil::crypto::internal {

struct SpkiParts {
  std::string_view algorithm_der;  // the AlgorithmIdentifier SEQUENCE, tag and length included
  std::string_view key_bits;       // the subjectPublicKey BIT STRING's bits (no unused-bits octet)
};
// Splits a SubjectPublicKeyInfo; kBadPublicKey when it is not one (or its BIT STRING has unused bits).
Result<SpkiParts> SplitSpki(std::string_view spki_der);

// The key of an SPKI whose algorithm is one Anvil accepts in its usual encoding (id-ecPublicKey on P-256,
// P-384 or P-521 by name; rsaEncryption with NULL parameters; Ed25519), imported from its parameters
// (EVP_PKEY_fromdata, which checks that an EC point lies on its curve). nullptr for anything else or
// anything that does not import: the caller then takes OpenSSL's d2i_PUBKEY, whose decoder set-up costs
// about 0.1 ms in OpenSSL 3.0 (docs/performance.md), and gets its verdict and error.
EvpPkeyPtr ImportCommonSpki(std::string_view spki_der);

// Sets `dst` (the X509_PUBKEY inside an X509 or X509_REQ being built) to the key in `spki_der`, copying
// the algorithm and the key bits as they are.
Status SetPubkeyFromSpki(X509_PUBKEY* dst, std::string_view spki_der);

}  // namespace anvil::crypto::internal
