#include "crypto/secure_memory.h"

#include <malloc.h>
#include <openssl/crypto.h>
#include <string.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace anvil::crypto {
namespace {

struct MappingFlags {
  bool found = false;
  bool dont_dump = false;
  bool locked = false;
};

// The VmFlags of the mapping that holds `address` (proc(5): "dd" = not dumped, "lo" = locked).
MappingFlags FlagsOfMappingAt(const void* address) {
  const auto at = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  MappingFlags flags;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    // A mapping's first line is "lo-hi perms ..."; its attribute lines start with a capitalised name.
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(' ') > line.find('-')) {
      inside = lo <= at && at < hi;
      continue;
    }
    if (!inside || !line.starts_with("VmFlags:")) continue;
    flags.found = true;
    std::istringstream words(line.substr(8));
    for (std::string word; words >> word;) {
      if (word == "dd") flags.dont_dump = true;
      if (word == "lo") flags.locked = true;
    }
    break;
  }
  return flags;
}

// OpenSSL's ordinary allocations, wiped when freed. Its decoders copy the DER of a key they read into
// buffers of their own and free them unwiped (OpenSSL 3.0's der2key, once per key type it tries), and its
// functions pass secrets through other short-lived buffers; wiping each on free keeps them out of freed
// memory, where a core dump would find them (secure_memory_test).
void* Allocate(size_t n, const char* /*file*/, int /*line*/) { return malloc(n); }

void FreeWiped(void* p, const char* /*file*/, int /*line*/) {
  if (p == nullptr) return;
  explicit_bzero(p, malloc_usable_size(p));
  free(p);
}

void* ReallocateWiped(void* p, size_t n, const char* file, int line) {
  if (p == nullptr) return malloc(n);
  if (n == 0) {
    FreeWiped(p, file, line);
    return nullptr;
  }
  const size_t old = malloc_usable_size(p);
  if (n <= old) return p;
  void* grown = malloc(n);
  if (grown == nullptr) return nullptr;
  memcpy(grown, p, old);
  FreeWiped(p, file, line);
  return grown;
}

}  // namespace

// Whether CRYPTO_set_mem_functions took FreeWiped (set once, before other threads exist).
bool frees_wiped = false;

Result<SecureHeapState> InitSecureHeap(size_t size) {
  // Before OpenSSL's first allocation only (it refuses later, and says so; the secure heap below makes the
  // first).
  if (CRYPTO_secure_malloc_initialized() == 0) {
    frees_wiped = CRYPTO_set_mem_functions(Allocate, ReallocateWiped, FreeWiped) == 1;
  }
  if (CRYPTO_secure_malloc_initialized() == 0 && CRYPTO_secure_malloc_init(size, 16) == 0) {
    return Error(Code::kInternal, "cannot start OpenSSL's secure heap of " + std::to_string(size) + " bytes");
  }
  return CurrentSecureHeapState();
}

SecureHeapState CurrentSecureHeapState() {
  SecureHeapState state;
  if (CRYPTO_secure_malloc_initialized() == 0) return state;
  state.active = true;
  state.frees_wiped = frees_wiped;
  // CRYPTO_secure_malloc_init's result 2 ("mlock or madvise failed") does not say which; the kernel's view of
  // the arena does. One small allocation finds the arena.
  void* probe = OPENSSL_secure_malloc(16);
  if (probe != nullptr) {
    MappingFlags flags = FlagsOfMappingAt(probe);
    state.excluded_from_dumps = flags.dont_dump;
    state.locked = flags.locked;
    OPENSSL_secure_free(probe);
  }
  return state;
}

std::string DescribeSecureHeap(const SecureHeapState& state) {
  if (!state.active) return "secure heap off";
  return std::string("secure heap on: ") +
         (state.excluded_from_dumps ? "excluded from core dumps" : "NOT excluded from core dumps") + ", " +
         (state.locked ? "locked in memory" : "not locked in memory (RLIMIT_MEMLOCK?)") + ", " +
         (state.frees_wiped ? "OpenSSL's frees wiped" : "OpenSSL's frees NOT wiped (it allocated before start-up)");
}

}  // namespace anvil::crypto
