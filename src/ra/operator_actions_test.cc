// The operator's actions through the RA (`anvil-ca cert revoke`, `anvil-ca account deactivate`;
// docs/inventory.md): recorded and audited as the ACME requests are, with the operator as the requester.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/test_ca.h"
#include "ra/ra_test_fixture.h"

namespace anvil::ra {
namespace {

using namespace testing_support;  // NOLINT(build/namespaces): the fixture and its vocabulary

class OperatorActionsTest : public RegistrationAuthorityTest {
 protected:
  // A real certificate (the RA reads its key to block it on keyCompromise), recorded issued for account a1.
  std::string ImportIssued() {
    auto test_ca = crypto::test_ca::BuildTestCa(crypto::KeyType::kEcP256, "Operator");
    EXPECT_TRUE(test_ca.ok()) << test_ca.status().ToString();
    if (!test_ca.ok()) return "";
    storage::CertificateRecord record;
    record.serial = test_ca->issuer.serial_hex();
    record.account_id = "a1";
    record.state = storage::CertificateState::kIssued;
    record.der = test_ca->issuer.ToDer();
    record.authority_key_id = "aki";
    record.not_before = clock_.Now();
    record.not_after = clock_.Now() + std::chrono::hours(24 * 30);
    EXPECT_TRUE(store_
                    .ImportCertificate(record, storage::AuditEvent{0, clock_.Now(), "certificate.imported",
                                                                   "", record.serial, "{}"})
                    .ok());
    return record.serial;
  }

  // The details of the last audit row of `kind`.
  nlohmann::json LastDetails(const std::string& kind) {
    auto events = store_.ListAudit(0, 100);
    EXPECT_TRUE(events.ok());
    nlohmann::json details;
    for (const auto& e : *events) {
      if (e.kind == kind) details = nlohmann::json::parse(e.details_json);
    }
    return details;
  }
};

TEST_F(OperatorActionsTest, RevokeByOperatorRecordsTheRevocationAuditsItAndTellsTheListener) {
  const std::string serial = ImportIssued();
  std::vector<std::string> told;
  ra_.SetRevocationListener([&](const storage::CertificateRecord& r) { told.push_back(r.serial); });
  ASSERT_TRUE(ra_.RevokeByOperator(serial, 9, "ticket 12").ok());
  auto record = store_.GetCertificate(serial);
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(record->revoked_at.has_value());
  EXPECT_EQ(record->revocation_reason, 9);
  EXPECT_EQ(told, std::vector<std::string>{serial});
  EXPECT_EQ(AuditKinds(), (std::vector<std::string>{"certificate.imported", "certificate.revoked"}));
  const nlohmann::json details = LastDetails("certificate.revoked");
  EXPECT_EQ(details["requester"], "operator");
  EXPECT_EQ(details["reason"], 9);
  EXPECT_EQ(details["note"], "ticket 12");
}

TEST_F(OperatorActionsTest, RevokeByOperatorForKeyCompromiseBlocksTheKeyFirst) {
  const std::string serial = ImportIssued();
  ASSERT_TRUE(ra_.RevokeByOperator(serial, 1, "").ok());
  EXPECT_EQ(AuditKinds(),
            (std::vector<std::string>{"certificate.imported", "key.blocked", "certificate.revoked"}));
}

TEST_F(OperatorActionsTest, RevokeByOperatorRefusesCaReasonsUnknownSerialsAndASecondRevocation) {
  const std::string serial = ImportIssued();
  for (int reason : {2, 6, 7, 8, 10, 11, -1}) {
    EXPECT_EQ(ra_.RevokeByOperator(serial, reason, "").code(), Code::kBadRevocationReason) << reason;
  }
  EXPECT_EQ(ra_.RevokeByOperator("abcdef", 0, "").code(), Code::kNotFound);
  ASSERT_TRUE(ra_.RevokeByOperator(serial, 4, "").ok());
  EXPECT_EQ(ra_.RevokeByOperator(serial, 1, "").code(), Code::kAlreadyRevoked);
  EXPECT_EQ(AuditKinds(), (std::vector<std::string>{"certificate.imported", "certificate.revoked"}));
}

TEST_F(OperatorActionsTest, OperatorActionsNameTheRequesterGiven) {
  const std::string serial = ImportIssued();
  ASSERT_TRUE(ra_.RevokeByOperator(serial, 4, "", "admin:alice").ok());
  EXPECT_EQ(LastDetails("certificate.revoked")["requester"], "admin:alice");
  storage::Account account = NewAccount();
  ASSERT_TRUE(ra_.DeactivateByOperator(account.id, "", "admin:bob").ok());
  EXPECT_EQ(LastDetails("account.deactivated")["requester"], "admin:bob");
}

TEST_F(OperatorActionsTest, DeactivateByOperatorDeactivatesOnceAndAuditsTheOperator) {
  storage::Account account = NewAccount();
  auto deactivated = ra_.DeactivateByOperator(account.id, "left the company");
  ASSERT_TRUE(deactivated.ok()) << deactivated.status().ToString();
  EXPECT_EQ(deactivated->status, acme::AccountStatus::kDeactivated);
  const nlohmann::json details = LastDetails("account.deactivated");
  EXPECT_EQ(details["requester"], "operator");
  EXPECT_EQ(details["note"], "left the company");
  EXPECT_EQ(ra_.DeactivateByOperator(account.id, "").status().code(), Code::kConflict);
  EXPECT_EQ(ra_.DeactivateByOperator("no-such-account", "").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace anvil::ra
