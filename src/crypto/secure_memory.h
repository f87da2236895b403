// Keeping private keys out of core dumps: OpenSSL's secure heap.
//
// With the secure heap on, OpenSSL 3 keeps private-key numbers (an EC private scalar; RSA's d, p, q and CRT
// values; Ed25519's seed) in one arena that is mlock'ed (never swapped) and marked MADV_DONTDUMP (left out
// of core dumps). It must be on before the first key is loaded or generated: a key made earlier stays on
// the ordinary heap. What it does not cover, and what crypto/ does about the copies that reading a key from
// PEM makes, is in docs/ca-operations.md ("Keys in memory").
//
// Thread-safety: InitSecureHeap once, at process start, before any other thread exists; the others from any
// thread.
#pragma once

#include <cstddef>
#include <string>

#include "base/status.h"

namespace anvil::crypto {

struct SecureHeapState {
  bool active = false;               // private keys are allocated in the arena
  bool excluded_from_dumps = false;  // the kernel reports the arena MADV_DONTDUMP ("dd" in /proc/self/smaps)
  bool locked = false;  // the kernel reports it mlock'ed ("lo"); false when RLIMIT_MEMLOCK is too small
  // OpenSSL's ordinary allocations are wiped when freed (CRYPTO_set_mem_functions, which OpenSSL takes only
  // before its first allocation).
  bool frees_wiped = false;
};

// The arena anvil-ca asks for. A P-256 key takes 64 bytes of it and an RSA 4096 key about 2.5 KiB, and every
// ECDSA signature and TLS handshake borrows a few hundred bytes for its ephemeral secrets while it runs (an
// allocation the arena cannot satisfy fails that operation); 1 MiB leaves room for thousands of CA keys and
// concurrent handshakes and stays within Debian's default RLIMIT_MEMLOCK (8 MiB).
inline constexpr size_t kSecureHeapSize = size_t{1} << 20;

// Starts OpenSSL's secure heap of `size` bytes (a power of two) and reports what the kernel made of it. When
// it is on already, reports that heap, whatever `size` asks. kInternal when the arena cannot be mapped.
Result<SecureHeapState> InitSecureHeap(size_t size = kSecureHeapSize);
// The heap as it is now (all false when it was never started).
SecureHeapState CurrentSecureHeapState();
// For the start-up log: "secure heap on: excluded from core dumps, locked in memory, OpenSSL's frees wiped",
// or "secure heap off".
std::string DescribeSecureHeap(const SecureHeapState& state);

}  // namespace anvil::crypto
