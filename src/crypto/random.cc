#include "crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace anvil::crypto {

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  size_t done = 0;
  while (done < n) {
    int chunk = static_cast<int>(std::min<size_t>(n - done, INT_MAX));
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), chunk) != 1) {
      std::fputs("anvil: FATAL: the OpenSSL CSPRNG failed (RAND_bytes)\n", stderr);
      std::abort();
    }
    done += static_cast<size_t>(chunk);
  }
  return out;
}

}  // namespace anvil::crypto
