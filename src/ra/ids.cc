#include "ra/ids.h"

#include <chrono>
#include <cstdint>

#include "base/base64url.h"
#include "crypto/random.h"

namespace anvil::ra {

std::string NewId(TimePoint now) {
  // The base64url characters in ASCII order: '-' < '0'..'9' < 'A'..'Z' < '_' < 'a'..'z'.
  static constexpr char kOrdered[] = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  uint64_t t = ms < 0 ? 0 : static_cast<uint64_t>(ms) & ((uint64_t{1} << 48) - 1);
  std::string id(8, '-');
  for (int i = 7; i >= 0; --i) {
    id[static_cast<size_t>(i)] = kOrdered[t & 63];
    t >>= 6;
  }
  return id + base64url::Encode(crypto::RandomBytes(9));
}

std::string NewToken() { return base64url::Encode(crypto::RandomBytes(32)); }

}  // namespace anvil::ra
