// The one conformance suite for every Store implementation (googletest sample 7): the TEST_Ps live in
// store_conformance.cc and check every method and error code of the contract in storage/store.h; each backend
// instantiates them with a named factory that returns a fresh, empty store:
//
//   INSTANTIATE_TEST_SUITE_P(Memory, StoreConformanceTest,
//                            ::testing::Values(StoreBackend{"memory", [] { return NewMemoryStore(); }}),
//                            BackendName);
//
// A factory may return nullptr when its backend is unavailable (e.g. no PostgreSQL server): the tests skip.
// Stores are used from several threads by the concurrency test, so implementations must be thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "storage/store.h"

namespace anvil::storage::testing {

using StoreFactory = std::function<std::unique_ptr<Store>()>;

// The parameter: a factory and the name tests are reported under (a bare std::function would print as bytes).
struct StoreBackend {
  std::string name;  // [A-Za-z0-9_]+, used in test names
  StoreFactory make;
};
void PrintTo(const StoreBackend& backend, std::ostream* os);
std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info);

class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override { store_.reset(); }

  std::unique_ptr<Store> store_;
};

// Wraps `store` so that `cleanup` runs right after the wrapped store is destroyed: lets a factory hand out a
// store that removes its temporary directory (or drops its database) when the test is done with it.
std::unique_ptr<Store> WithCleanup(std::unique_ptr<Store> store, std::function<void()> cleanup);

}  // namespace anvil::storage::testing
