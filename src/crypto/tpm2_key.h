// Private keys held in a TPM 2.0 at a persistent handle ("handle:0x81000010"), loaded through OpenSSL 3's
// `tpm2` provider (Debian's tpm2-openssl) and OSSL_STORE. The key comes back as an ordinary PrivateKey: every
// signing path (PrivateKey::Sign, Csr::Create, certificates) uses it unchanged, and its private half never
// leaves the TPM. agent/tpm/tpm_device.h makes such keys (TpmDevice::EnsureSigningKey).
//
// How (tpm2_key.cc has the details): each loaded key has an OpenSSL library context of its own holding one
// instance of the tpm2 provider, which holds one connection to the TPM — opened when the key is loaded,
// closed when the last copy of the PrivateKey goes away. The provider reads its TCTI only from the
// TPM2OPENSSL_TCTI environment variable (its `tcti` configuration parameter is never read in tpm2-openssl
// 1.1.1: https://github.com/tpm2-software/tpm2-openssl/issues/107), so LoadTpm2Key sets that variable for
// the moment the provider starts, under a lock, and restores it.
//
// A TPM without a resource manager (swtpm, /dev/tpm0) serves one connection at a time: while such a key is
// alive, another connection to the same TPM (agent::tpm::TpmDevice) waits. Close any TpmDevice before
// loading the key, and drop the key before opening one.
//
// Thread-safety: LoadTpm2Key may be called from any thread (loads are serialised; the environment is
// changed under a lock, but a getenv on another thread during a load may see the TCTI). The keys are
// thread-safe like any PrivateKey: signatures through one key are serialised on its TPM connection.
#pragma once

#include <string_view>

#include "base/status.h"
#include "crypto/key.h"

namespace anvil::crypto {

// Whether `text` is meant as a TPM handle URI: it starts with "handle:".
bool IsTpm2HandleUri(std::string_view text);

// Checks that `uri` is "handle:" followed by a persistent handle in hex (0x81000000..0x81ffffff, "0x"
// optional), with no "?pass" (keys with an authorization value are not supported). kInvalidArgument saying
// which rule it breaks.
Status CheckTpm2HandleUri(std::string_view uri);

// The key at the persistent handle `handle_uri` names, in the TPM `tcti` names (a TCTI configuration
// string as tpm2-tools take it: "device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321"; "" for the TSS
// default list). Only EC (P-256, P-384, P-521) and RSA signing keys with an empty authorization value.
//   kInvalidArgument  the URI breaks CheckTpm2HandleUri, or the key is of a type key.h does not support;
//   kUnavailable      the tpm2 provider is not installed (Debian: tpm2-openssl), or no TPM answers at `tcti`;
//   kNotFound         no object at the handle.
Result<PrivateKey> LoadTpm2Key(std::string_view handle_uri, std::string_view tcti);

}  // namespace anvil::crypto
