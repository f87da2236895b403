#include "storage/sqlite/account_cache.h"

namespace anvil::storage::sqlite {

std::optional<Account> AccountCache::Get(const std::string& id, SteadyClock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.expires) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.account;
}

uint64_t AccountCache::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void AccountCache::Put(const Account& account, uint64_t generation, SteadyClock::time_point now) {
  std::lock_guard lock(mu_);
  if (generation != generation_ || capacity_ == 0) return;
  if (entries_.size() >= capacity_ && !entries_.contains(account.id)) entries_.clear();
  entries_.insert_or_assign(account.id, Entry{account, now + ttl_});
}

void AccountCache::Invalidate(const std::string& id) {
  std::lock_guard lock(mu_);
  entries_.erase(id);
  ++generation_;
}

}  // namespace anvil::storage::sqlite
