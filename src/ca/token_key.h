// Intermediate keys kept in a PKCS #11 token (docs/ca-operations.md, "Keep the intermediate key in a token"):
// generation N's key is named by an RFC 7512 URI in <data_dir>/ca/intermediate[-N].key-uri instead of being in
// intermediate[-N].key, and is loaded through OpenSSL's pkcs11 engine (crypto/pkcs11_key.h) from the module
// CaOptions::pkcs11_module, logged in with CaOptions::pkcs11_pin. The file holds no secret: the URI may carry
// no PIN. Not thread-safe (start-up and command-line code); the keys it returns are thread-safe.
#pragma once

#include <string>

#include "base/status.h"
#include "ca/ca_material.h"
#include "crypto/key.h"

namespace anvil::ca {

// The key `uri` names. kInvalidArgument when CaOptions::pkcs11_pin is empty (naming ca.pkcs11_pin) or the URI
// is unusable; otherwise crypto::LoadPkcs11Key's errors (kNotFound, kUnauthorized, kUnavailable).
Result<crypto::PrivateKey> LoadTokenKey(const std::string& uri, const CaOptions& options);

// The URI in a .key-uri file (one line), checked with crypto::CheckPkcs11KeyUri; errors name the file.
Result<std::string> ReadKeyUri(const std::string& path);
// The key a .key-uri file names (ReadKeyUri, then LoadTokenKey); errors name the file.
Result<crypto::PrivateKey> ReadKeyUriFile(const std::string& path, const CaOptions& options);
// Writes `uri` and a newline to `path` atomically (mode 0644: it is no secret).
Status WriteKeyUriFile(const std::string& path, const std::string& uri);

}  // namespace anvil::ca
