// Internal to crypto/: SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) handled as DER, so that putting a key into a
// certificate or request, or hashing it for a key identifier, never goes through OpenSSL 3's encoder and
// decoder set-up (X509_PUBKEY_set costs about 0.17 ms per call; docs/performance.md).
#pragma once

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace anvil::crypto::internal {

struct SpkiParts {
  std::string_view algorithm_der;  // the AlgorithmIdentifier SEQUENCE, tag and length included
  std::string_view key_bits;       // the subjectPublicKey BIT STRING's bits (no unused-bits octet)
};
// Splits a SubjectPublicKeyInfo; kBadPublicKey when it is not one (or its BIT STRING has unused bits).
Result<SpkiParts> SplitSpki(std::string_view spki_der);

// Sets `dst` (the X509_PUBKEY inside an X509 or X509_REQ being built) to the key in `spki_der`, copying
// the algorithm and the key bits as they are.
Status SetPubkeyFromSpki(X509_PUBKEY* dst, std::string_view spki_der);

}  // namespace anvil::crypto::internal
