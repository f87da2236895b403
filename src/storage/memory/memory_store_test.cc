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

TEST(MemoryStoreTest, IssuedAuditEventUsesInjectedClock) {
  FakeClock clock(FromUnixSeconds(1'700'000'000) + std::chrono::milliseconds(250));
  std::unique_ptr<Store> store = NewMemoryStore(clock);
  CertificateRecord record;
  record.serial = "01";
  record.order_id = "o1";
  record.account_id = "a1";
  ASSERT_TRUE(store->AddPendingCertificate(record).ok());
  ASSERT_TRUE(store->MarkCertificateIssued("01", "der").ok());
  Result<std::vector<AuditEvent>> events = store->ListAudit(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].at, FromUnixSeconds(1'700'000'000));
}

}  // namespace
}  // namespace anvil::storage
