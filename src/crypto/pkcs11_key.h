// Private keys held in a PKCS #11 token (a hardware security module, or SoftHSM2 in tests), named by RFC 7512
// URIs ("pkcs11:token=anvil;object=intermediate-2;type=private") and reached through OpenSSL's `pkcs11` engine
// (libp11, Debian's libengine-pkcs11-openssl). The key comes back as an ordinary PrivateKey: every signing
// path (certificates, CRLs, OCSP responder certificates) uses it unchanged, and its private half never leaves
// the token. Why the engine and not PKCS #11 called directly, and the way to OpenSSL 3's pkcs11-provider, are
// in docs/ca-operations.md ("Keep the intermediate key in a token").
//
// One engine is loaded per PKCS #11 module and stays loaded for the life of the process: keys loaded through
// it refer to it, and PKCS #11's C_Finalize while another thread signs is undefined. Thread-safety:
// LoadPkcs11Key may be called from any thread (loads are serialised inside); the keys it returns are
// thread-safe like any PrivateKey: libp11 takes a session of its own for each signature
// (pkcs11_key_test signs from 8 threads at once and verifies every signature).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/key.h"

namespace anvil::crypto {

// Debian's SoftHSM2 module (package softhsm2), the default of ca.pkcs11_module.
inline constexpr char kSoftHsm2Module[] = "/usr/lib/softhsm/libsofthsm2.so";

// Whether `text` is meant as a PKCS #11 URI: it has the "pkcs11:" scheme (RFC 7512 §2.3).
bool IsPkcs11Uri(std::string_view text);

// Checks that `uri` names one private key in a way anvil-ca can store and use: the pkcs11 scheme; the token
// (token=, serial= or slot-id=: with several tokens libp11 logs in to none unless one is named); the object
// (object= or id=); type=private when a type is given; no PIN (pin-value=, pin-source=: the URI is kept in the
// data directory, the PIN comes from the configuration); one line of printable ASCII. kInvalidArgument saying
// which rule it breaks.
Status CheckPkcs11KeyUri(std::string_view uri);

// The private key `uri` names in a token of the PKCS #11 module at `module_path` (a shared library), logged in
// to with `pin`. Errors never contain the PIN:
//   kInvalidArgument  the URI breaks CheckPkcs11KeyUri, the PIN is empty, or the key is of a type key.h does
//                     not support;
//   kUnavailable      the pkcs11 engine is not installed (libengine-pkcs11-openssl; OPENSSL_ENGINES names
//                     another directory of engines) or the module cannot be used;
//   kNotFound         no module at `module_path`, no token matching the URI, or no such object in the token;
//   kUnauthorized     the token refused the PIN (wrong or locked).
Result<PrivateKey> LoadPkcs11Key(const std::string& uri, const std::string& module_path, const std::string& pin);

}  // namespace anvil::crypto
