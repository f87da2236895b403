// Keys in memory (docs/ca-operations.md): with the secure heap on, a CA key read from a PEM file leaves no copy
// of its private number anywhere a core dump would hold, after loading and after signing many times.
//
// Its own executable: the secure heap must be on before the first key exists in the process, so no other test
// may run first. The scanner reads every readable mapping of this process that the kernel would put in a core
// dump (/proc/self/smaps without the "dd" flag) through /proc/self/mem and looks for the private number, both
// big-endian (as DER holds it) and in native order (as a BIGNUM holds it). The needles themselves live in an
// MADV_DONTDUMP page, and the controls check that the scanner does find a copy where one is.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/file.h"
#include "crypto/internal.h"
#include "crypto/key.h"
#include "crypto/openssl_cli_test_util.h"
#include "crypto/secure_memory.h"

namespace anvil::crypto {
namespace {

// An anonymous page range the kernel leaves out of core dumps (and so the scanner skips): where the test keeps
// what it searches for, so the search never finds its own needle.
class DontDumpBuffer {
 public:
  explicit DontDumpBuffer(size_t size) : size_(size) {
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    data_ = static_cast<unsigned char*>(p);
    if (madvise(data_, size_, MADV_DONTDUMP) != 0) ADD_FAILURE() << "madvise(MADV_DONTDUMP) failed";
  }
  ~DontDumpBuffer() {
    if (data_ == nullptr) return;
    explicit_bzero(data_, size_);
    munmap(data_, size_);
  }
  DontDumpBuffer(const DontDumpBuffer&) = delete;
  DontDumpBuffer& operator=(const DontDumpBuffer&) = delete;
  unsigned char* data() { return data_; }
  size_t size() const { return size_; }

 private:
  size_t size_;
  unsigned char* data_ = nullptr;
};

struct Mapping {
  uintptr_t begin = 0, end = 0;
  bool readable = false, dont_dump = false;
  std::string name;
  unsigned long rss_kb = 0;  // resident: a mapping with none holds nothing to find
};

std::vector<Mapping> Mappings() {
  std::vector<Mapping> out;
  std::ifstream smaps("/proc/self/smaps");
  for (std::string line; std::getline(smaps, line);) {
    unsigned long begin = 0, end = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %7s", &begin, &end, perms) == 3 && line.find(' ') > line.find('-')) {
      Mapping m{begin, end, perms[0] == 'r', false, "", 0};
      if (size_t name = line.find_first_of("/["); name != std::string::npos) m.name = line.substr(name);
      out.push_back(m);
    } else if (line.starts_with("Rss:") && !out.empty()) {
      std::sscanf(line.c_str(), "Rss: %lu", &out.back().rss_kb);
    } else if (line.starts_with("VmFlags:") && !out.empty()) {
      std::istringstream words(line.substr(8));
      for (std::string word; words >> word;) out.back().dont_dump |= word == "dd";
    }
  }
  return out;
}

constexpr size_t kPage = 4096;


struct Found {
  uintptr_t address;
  std::string mapping;
  std::string before;  // up to 16 bytes before it, hex: what holds the copy (a DER header, an allocator's)
};

// Every occurrence of any needle in the readable mappings, those marked MADV_DONTDUMP only if asked.
std::vector<Found> FindInMemory(const std::vector<std::string_view>& needles, bool include_dont_dump = false) {
  std::vector<Found> found;
  const std::vector<Mapping> mappings = Mappings();
  int mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
  if (mem < 0) {
    ADD_FAILURE() << "cannot open /proc/self/mem";
    return found;
  }
  constexpr size_t kChunk = 1 << 20;            // read at once, at most
  constexpr size_t kWindow = size_t{256} << 20;  // asked of mincore at once
  DontDumpBuffer buffer(kChunk + kPage);  // skipped below: it holds what was just read
  const auto buffer_begin = reinterpret_cast<uintptr_t>(buffer.data());
  size_t overlap = 0;
  for (std::string_view n : needles) overlap = std::max(overlap, n.size() - 1);
  std::vector<unsigned char> in_core(kWindow / kPage);
  for (const Mapping& m : mappings) {
    if (!m.readable || m.rss_kb == 0 || (m.dont_dump && !include_dont_dump) || m.name == "[vvar]" ||
        m.name == "[vsyscall]") {
      continue;
    }
    if (m.begin <= buffer_begin && buffer_begin < m.end) continue;
    // Only the pages in memory (mincore(2)): an untouched page of a large reservation (AddressSanitizer's
    // allocator maps terabytes) reads as zeros, and reading it through /proc/self/mem would make it resident.
    for (uintptr_t window = m.begin; window < m.end; window += kWindow) {
      const size_t pages = std::min<uintptr_t>(kWindow, m.end - window) / kPage;
      if (mincore(reinterpret_cast<void*>(window), pages * kPage, in_core.data()) != 0) continue;
      for (size_t i = 0; i < pages;) {
        if ((in_core[i] & 1) == 0) {
          ++i;
          continue;
        }
        size_t j = i;
        while (j < pages && (in_core[j] & 1) != 0 && (j - i) * kPage < kChunk) ++j;
        const uintptr_t at = window + i * kPage;
        // When resident memory goes on, read past the run by the longest needle, so that one across the seam
        // is seen (and may be reported twice).
        const size_t want = (j - i) * kPage + (j < pages && (in_core[j] & 1) != 0 ? overlap : 0);
        i = j;
        const ssize_t got = pread(mem, buffer.data(), want, static_cast<off_t>(at));
        if (got <= 0) continue;  // e.g. a guard page: nothing there to dump either
        std::string_view hay(reinterpret_cast<const char*>(buffer.data()), static_cast<size_t>(got));
        for (std::string_view needle : needles) {
          for (size_t p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + 1)) {
            std::string before;
            for (size_t k = p >= 16 ? p - 16 : 0; k < p; ++k) {
              char hex[4];
              std::snprintf(hex, sizeof hex, " %02x", static_cast<unsigned char>(hay[k]));
              before += hex;
            }
            found.push_back({at + p, m.name, before});
          }
        }
      }
    }
  }
  close(mem);
  return found;
}

std::string Describe(const std::vector<Found>& found) {
  std::string out;
  for (const Found& f : found) {
    char line[64];
    std::snprintf(line, sizeof line, "\n  at %#lx in ", static_cast<unsigned long>(f.address));
    out += line + (f.mapping.empty() ? "(anonymous)" : f.mapping) + ", after" + f.before;
  }
  return out;
}

// A key's private number, in big-endian and in native (BIGNUM) order, held in a page no dump contains. For EC
// keys the private scalar; for RSA the first prime p. EVP_PKEY_get_params writes straight into the buffer.
class PrivateNumber {
 public:
  explicit PrivateNumber(const PrivateKey& key) : buffer_(8192) {
    EVP_PKEY* pkey = internal::Access::Pkey(key);
    const bool ec = key.public_key().algorithm() == KeyAlgorithm::kEc;
    size_ = ec ? (static_cast<size_t>(key.public_key().bits()) + 7) / 8 : static_cast<size_t>(EVP_PKEY_get_bits(pkey)) / 16;
    unsigned char* native = buffer_.data();
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_BN(ec ? OSSL_PKEY_PARAM_PRIV_KEY : OSSL_PKEY_PARAM_RSA_FACTOR1, native, size_),
        OSSL_PARAM_construct_end()};
    ok_ = EVP_PKEY_get_params(pkey, params) == 1;
    std::reverse_copy(native, native + size_, buffer_.data() + 4096);  // x86-64 and aarch64: little-endian
  }
  bool ok() const { return ok_; }
  // The whole number would do; 24 bytes are as unlikely to occur by chance and also find a partial copy.
  std::vector<std::string_view> Needles() const {
    const char* p = reinterpret_cast<const char*>(buffer_.data());
    return {{p, 24}, {p + 4096, 24}};
  }
  std::string_view big_endian() const { return {reinterpret_cast<const char*>(buffer_.data()) + 4096, size_}; }

 private:
  mutable DontDumpBuffer buffer_;
  size_t size_ = 0;
  bool ok_ = false;
};

class SecureMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto state = InitSecureHeap();
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    ASSERT_TRUE(state->active);
  }

  // A key file written by the openssl command (another process, so this one holds no copy of it).
  std::string WriteKey(const std::string& name, const std::string& genpkey_args) {
    const std::string path = dir_.path() + "/" + name;
    auto made = cli_testing::RunCommand("openssl genpkey " + genpkey_args + " -out " + path);
    EXPECT_EQ(made.exit_code, 0) << made.output;
    return path;
  }

  // What ca::ReadKeyFile does: read the file, parse it, cleanse the text.
  Result<PrivateKey> ReadKeyFile(const std::string& path, const std::string& passphrase = "") {
    ANVIL_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
    Result<PrivateKey> key = passphrase.empty() ? PrivateKey::FromPem(pem) : PrivateKey::FromPem(pem, passphrase);
    Cleanse(pem);
    return key;
  }

  // Signs `count` times on `threads` threads at once (0: on this thread).
  static void SignMany(const PrivateKey& key, int threads = 0, int count = 1000) {
    auto sign = [&key](int from, int n) {
      for (int i = from; i < from + n; ++i) {
        auto sig = key.Sign(DefaultDigestFor(key.public_key()), "tbs " + std::to_string(i));
        ASSERT_TRUE(sig.ok());
      }
    };
    if (threads == 0) return sign(0, count);
    std::vector<std::thread> running;
    for (int t = 0; t < threads; ++t) running.emplace_back(sign, t * count, count / threads);
    for (auto& t : running) t.join();
  }

  void ExpectNoCopyInDumpableMemory(const PrivateKey& key) {
    PrivateNumber number(key);
    ASSERT_TRUE(number.ok());
    std::vector<Found> found = FindInMemory(number.Needles());
    EXPECT_TRUE(found.empty()) << "the private key is in dumpable memory:" << Describe(found);
    // The key is in memory all the same, in the secure heap's arena, which only the dump exclusion hides.
    EXPECT_FALSE(FindInMemory(number.Needles(), /*include_dont_dump=*/true).empty());
  }

  cli_testing::CliTempDir dir_{"secure_memory"};
};

TEST_F(SecureMemoryTest, TheArenaIsExcludedFromCoreDumps) {
  SecureHeapState state = CurrentSecureHeapState();
  EXPECT_TRUE(state.excluded_from_dumps);
  EXPECT_TRUE(state.frees_wiped);  // InitSecureHeap ran before OpenSSL's first allocation
  EXPECT_NE(DescribeSecureHeap(state).find("excluded from core dumps"), std::string::npos);
}

TEST_F(SecureMemoryTest, TheScannerFindsAPrivateNumberCopiedToTheOrdinaryHeap) {
  auto key = ReadKeyFile(WriteKey("control.pem", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  PrivateNumber number(*key);
  ASSERT_TRUE(number.ok());
  auto* copy = new std::string(number.big_endian());
  const auto at = reinterpret_cast<uintptr_t>(copy->data());
  auto found_at_copy = [&number, at] {
    std::vector<Found> found = FindInMemory(number.Needles());
    return std::any_of(found.begin(), found.end(), [at](const Found& f) { return f.address == at; });
  };
  EXPECT_TRUE(found_at_copy());
  Cleanse(*copy);
  EXPECT_FALSE(found_at_copy());
  delete copy;
  // And nothing else in dumpable memory: the copy was the only one.
  std::vector<Found> found = FindInMemory(number.Needles());
  EXPECT_TRUE(found.empty()) << Describe(found);
}

TEST_F(SecureMemoryTest, AnEcKeyReadFromPemLeavesNoCopyInDumpableMemory) {
  for (const char* args : {"-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
                           "-algorithm EC -pkeyopt ec_paramgen_curve:P-384"}) {
    SCOPED_TRACE(args);
    auto key = ReadKeyFile(WriteKey("ec.pem", args));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    ExpectNoCopyInDumpableMemory(*key);
    SignMany(*key);
    ExpectNoCopyInDumpableMemory(*key);
  }
}

TEST_F(SecureMemoryTest, ASec1EcKeyLeavesNoCopyInDumpableMemory) {
  const std::string pkcs8 = WriteKey("pkcs8.pem", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
  const std::string sec1 = dir_.path() + "/sec1.pem";
  auto converted = cli_testing::RunCommand("openssl ec -in " + pkcs8 + " -out " + sec1);
  ASSERT_EQ(converted.exit_code, 0) << converted.output;
  auto key = ReadKeyFile(sec1);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  SignMany(*key);
  ExpectNoCopyInDumpableMemory(*key);
}

TEST_F(SecureMemoryTest, AnEncryptedKeyLeavesNoCopyInDumpableMemory) {
  auto key = ReadKeyFile(WriteKey("encrypted.pem", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                                                   "-aes-256-cbc -pass pass:s3cret"),
                         "s3cret");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  SignMany(*key);
  ExpectNoCopyInDumpableMemory(*key);
}

// OpenSSL 3.0 caches a Montgomery context per RSA prime on the key's first private operation, with a copy of
// the prime on the ordinary heap (BN_MONT_CTX's modulus is not a secure BIGNUM): reading the key leaves none,
// signing does. The CA's own keys are EC; docs/ca-operations.md says so for an imported RSA key.
TEST_F(SecureMemoryTest, AnRsaKeyReadFromPemLeavesNoCopyBeforeItSigns) {
  auto key = ReadKeyFile(WriteKey("rsa.pem", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048"));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  ExpectNoCopyInDumpableMemory(*key);
}

}  // namespace
}  // namespace anvil::crypto
