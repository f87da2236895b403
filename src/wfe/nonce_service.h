// Replay nonces (RFC 8555 §6.5): every response carries a fresh nonce; a JWS must carry one this service issued,
// which is then redeemed exactly once and only before it expires.
// Nonces are 128 random bits (base64url) held in memory, sharded by their first byte so concurrent requests
// rarely contend. Bounded: beyond `max_outstanding` the oldest unredeemed nonces are forgotten (a client holding
// one gets badNonce and retries with the fresh nonce of that error response, as §6.5 intends).
// Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/time.h"

namespace anvil::wfe {

class NonceService {
 public:
  NonceService(const Clock& clock, std::chrono::seconds lifetime, size_t max_outstanding = 1 << 18);

  std::string Issue();
  // True once for a nonce issued by this service that has not expired; false otherwise.
  bool Redeem(const std::string& nonce);

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, TimePoint> live;  // nonce → expiry
    std::deque<std::pair<std::string, TimePoint>> order;  // issue order, for eviction
  };
  Shard& ShardFor(const std::string& nonce);

  const Clock& clock_;
  std::chrono::seconds lifetime_;
  size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace anvil::wfe
