// Internal to storage/memory: the in-memory store's run-time policy definitions
// (storage::PolicyDefinitionStore), kept apart from memory_store.cc. The MemoryStore holds one and forwards
// to it under its own mutex, then appends the audit row, so that each write is atomic with its audit record
// as the contract requires.
//
// Thread-safety: none of its own; every call requires the MemoryStore's mutex.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"

namespace anvil::storage {

class MemoryPolicyDefinitions {
 public:
  // As PolicyDefinitionStore's methods of the same names, without the audit row.
  Status Create(const PolicyDefinition& definition);
  Status Update(const PolicyDefinition& definition);
  // `accounts` and `eab_keys`: the store's, for the binders a deletion must not leave without their policy.
  Status Delete(const std::string& name, TimePoint now,
                const std::unordered_map<std::string, Account>& accounts,
                const std::unordered_map<std::string, EabKey>& eab_keys);
  PolicyDefinitions List() const;
  int64_t version() const { return version_; }

 private:
  std::map<std::string, PolicyDefinition> definitions_;  // by name: List's order
  int64_t version_ = 0;
};

}  // namespace anvil::storage
