#include "storage/memory/memory_store.h"

#include <gtest/gtest.h>

#include "storage/testing/store_conformance.h"

namespace anvil::storage {
namespace {

using testing::StoreBackend;
using testing::StoreConformanceTest;

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformanceTest,
                         ::testing::Values(StoreBackend{"memory", [] { return NewMemoryStore(); }}),
                         testing::BackendName);

}  // namespace
}  // namespace anvil::storage
