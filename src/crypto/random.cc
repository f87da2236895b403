#include "crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace anvil::crypto {
namespace {

[[noreturn]] void CsprngFailed() {
  std::fputs("anvil: FATAL: the OpenSSL CSPRNG failed (RAND_bytes)\n", stderr);
  std::abort();
}

void Fill(unsigned char* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    int chunk = static_cast<int>(std::min<size_t>(n - done, INT_MAX));
    if (RAND_bytes(out + done, chunk) != 1) CsprngFailed();
    done += static_cast<size_t>(chunk);
  }
}

// Small requests (ids, tokens, nonces, serials: a dozen per issuance) are served from a per-thread block of
// CSPRNG output, one RAND_bytes call per kBlock bytes: each RAND_bytes call costs a getpid(2) (OpenSSL's fork
// check), a costly system call on virtual machines. Bytes are handed out once and wiped as they go.
constexpr size_t kBlock = 1024;
constexpr size_t kMaxBuffered = 64;

struct Buffer {
  std::array<unsigned char, kBlock> bytes;
  size_t left = 0;  // the unused bytes are the last `left` of `bytes`
};
thread_local Buffer tls_buffer;

// A forked child must not hand out the bytes its parent will also hand out. Only the forking thread exists
// in the child, and this handler runs on it.
void ForgetBufferInChild() {
  OPENSSL_cleanse(tls_buffer.bytes.data(), tls_buffer.bytes.size());
  tls_buffer.left = 0;
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (n > kMaxBuffered) {
    Fill(dst, n);
    return out;
  }
  static std::once_flag at_fork;
  std::call_once(at_fork, [] {
    if (pthread_atfork(nullptr, nullptr, &ForgetBufferInChild) != 0) CsprngFailed();
  });
  Buffer& b = tls_buffer;
  if (b.left < n) {
    Fill(b.bytes.data(), b.bytes.size());
    b.left = b.bytes.size();
  }
  unsigned char* src = b.bytes.data() + (b.bytes.size() - b.left);
  std::copy(src, src + n, dst);
  OPENSSL_cleanse(src, n);
  b.left -= n;
  return out;
}

}  // namespace anvil::crypto
