// Internal to storage/sqlite: the accounts the SQLite store has read, kept in memory.
//
// Every authenticated ACME request reads its account, and accounts change rarely (contacts, status, key
// rollover), so the store answers GetAccount from here instead of a read transaction. The store drops an
// account's entry after each of its own writes to that account commits; `generation` keeps a read that began
// before such a write from caching the row it read. A process that is not this store (another anvil-ca
// command on the same file) is not seen: entries expire after `ttl`, which bounds how long such a change can
// go unnoticed. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "storage/store.h"

namespace anvil::storage::sqlite {

class AccountCache {
 public:
  using SteadyClock = std::chrono::steady_clock;

  AccountCache(size_t capacity, std::chrono::milliseconds ttl) : capacity_(capacity), ttl_(ttl) {}

  std::optional<Account> Get(const std::string& id, SteadyClock::time_point now = SteadyClock::now());
  // Taken before reading the row that Put will store.
  uint64_t generation() const;
  // Stores `account` read at `generation` unless an account write was dropped since (then the row read may
  // be older than that write). When full, the cache starts again empty.
  void Put(const Account& account, uint64_t generation, SteadyClock::time_point now = SteadyClock::now());
  // After a write to account `id` (committed or not).
  void Invalidate(const std::string& id);

 private:
  struct Entry {
    Account account;
    SteadyClock::time_point expires;
  };

  const size_t capacity_;
  const std::chrono::milliseconds ttl_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
  uint64_t generation_ = 0;                         // guarded by mu_; +1 per Invalidate
};

}  // namespace anvil::storage::sqlite
