// An in-memory Store for unit tests of other components: the same contract as the SQLite store (it passes the
// same conformance suite, storage/testing/), nothing persisted. Times are truncated to whole seconds as a
// database would store them, so tests behave the same against either backend.
//
// Thread-safety: thread-safe; every method holds one mutex for its whole duration, which makes each atomic.
#pragma once

#include <memory>

#include "storage/store.h"

namespace anvil::storage {

std::unique_ptr<Store> NewMemoryStore();

}  // namespace anvil::storage
