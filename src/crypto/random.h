// Cryptographically secure random bytes from OpenSSL's CSPRNG (RAND_bytes).
//
// Used for serial numbers (docs/architecture.md, Invariants: 128 bits from the CSPRNG), nonces, tokens and key material.
// Thread-safe: OpenSSL 3 keeps one DRBG per thread.
#pragma once

#include <cstddef>
#include <string>

namespace anvil::crypto {

// Returns `n` random bytes. A CA that cannot get randomness must not go on issuing serials or tokens, so a
// CSPRNG failure aborts the process instead of returning an error every caller would have to handle.
std::string RandomBytes(size_t n);

}  // namespace anvil::crypto
