#include "wfe/nonce_service.h"

#include "base/base64url.h"
#include "crypto/random.h"

namespace anvil::wfe {

NonceService::NonceService(const Clock& clock, std::chrono::seconds lifetime, size_t max_outstanding)
    : clock_(clock), lifetime_(lifetime), max_per_shard_(std::max<size_t>(1, max_outstanding / kShards)) {}

NonceService::Shard& NonceService::ShardFor(const std::string& nonce) {
  return shards_[static_cast<unsigned char>(nonce.empty() ? 0 : nonce[0]) % kShards];
}

std::string NonceService::Issue() {
  std::string nonce = base64url::Encode(crypto::RandomBytes(16));
  TimePoint now = clock_.Now();
  Shard& shard = ShardFor(nonce);
  std::lock_guard lock(shard.mu);
  // Drop expired and excess nonces from the old end; redeemed ones are already gone from `live`.
  while (!shard.order.empty() && (shard.order.front().second <= now || shard.order.size() >= max_per_shard_)) {
    shard.live.erase(shard.order.front().first);
    shard.order.pop_front();
  }
  shard.live.emplace(nonce, now + lifetime_);
  shard.order.emplace_back(nonce, now + lifetime_);
  return nonce;
}

bool NonceService::Redeem(const std::string& nonce) {
  Shard& shard = ShardFor(nonce);
  TimePoint now = clock_.Now();
  std::lock_guard lock(shard.mu);
  auto it = shard.live.find(nonce);
  if (it == shard.live.end()) return false;
  bool fresh = it->second > now;
  shard.live.erase(it);  // the deque entry is dropped lazily when it reaches the front
  return fresh;
}

}  // namespace anvil::wfe
