#include "ca/certificate_authority.h"

#include <gtest/gtest.h>

#include <set>

#include "storage/memory/memory_store.h"
#include "support/temp_dir.h"

namespace anvil::ca {
namespace {

// Forwards to a real store but injects failures at chosen points of the issuance cycle.
class FaultyCertificateStore final : public storage::CertificateStore {
 public:
  explicit FaultyCertificateStore(storage::Store& inner) : inner_(inner) {}
  int conflicts_to_inject = 0;
  bool fail_mark_issued = false;
  std::vector<std::string> pending_serials;

  Status AddPendingCertificate(const storage::CertificateRecord& r) override {
    pending_serials.push_back(r.serial);
    if (conflicts_to_inject > 0) {
      --conflicts_to_inject;
      return Error(Code::kConflict, "duplicate serial (injected)");
    }
    return inner_.AddPendingCertificate(r);
  }
  Status AddPendingCertificateAndStartOrder(const storage::CertificateRecord& r,
                                            acme::OrderStatus order_from) override {
    pending_serials.push_back(r.serial);
    if (conflicts_to_inject > 0) {
      --conflicts_to_inject;
      return Error(Code::kConflict, "duplicate serial (injected)");
    }
    return inner_.AddPendingCertificateAndStartOrder(r, order_from);
  }
  Status MarkCertificateIssued(const std::string& serial, const std::string& der) override {
    if (fail_mark_issued) return Error(Code::kIo, "disk full (injected)");
    return inner_.MarkCertificateIssued(serial, der);
  }
  Status MarkCertificateIssuedAndOrderValid(const std::string& serial, const std::string& der) override {
    if (fail_mark_issued) return Error(Code::kIo, "disk full (injected)");
    return inner_.MarkCertificateIssuedAndOrderValid(serial, der);
  }
  Status MarkCertificateAbandoned(const std::string& serial) override { return inner_.MarkCertificateAbandoned(serial); }
  Result<storage::CertificateRecord> GetCertificate(const std::string& serial) override {
    return inner_.GetCertificate(serial);
  }
  Result<std::vector<storage::CertificateRecord>> ListCertificatesForOrder(const std::string& id) override {
    return inner_.ListCertificatesForOrder(id);
  }
  Status RevokeCertificate(const std::string& serial, int reason, TimePoint at) override {
    return inner_.RevokeCertificate(serial, reason, at);
  }

 private:
  storage::Store& inner_;
};

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto material = LoadOrCreateCa(dir_.path(), config::CaConfig{}, clock_);
    ASSERT_TRUE(material.ok()) << material.status().ToString();
    material_ = std::make_unique<CaMaterial>(*material);
    ca_ = std::make_unique<CertificateAuthority>(*material, faulty_, clock_, "https://acme.test/ca/intermediate.der");
  }
  IssuanceRequest Request(const std::vector<std::string>& names) {
    IssuanceRequest r{"order-1", "acct-1", crypto::PrivateKey::Generate(crypto::KeyType::kEcP256)->public_key(), {},
                      "tls-server", config::ProfileConfig{}, std::nullopt, std::nullopt};
    for (const auto& n : names) r.identifiers.push_back({acme::IdentifierType::kDns, n});
    return r;
  }

  // Account "acct-1" and its pending order "order-1" for a.example.com, in the store the CA writes to.
  void StoreAccountAndPendingOrder() {
    storage::Account account;
    account.id = "acct-1";
    account.jwk_json = "{}";
    account.thumbprint = "t1";
    account.created_at = clock_.Now();
    ASSERT_TRUE(store_->CreateAccount(account).ok());
    storage::Order order;
    order.id = "order-1";
    order.account_id = "acct-1";
    order.identifiers = {{acme::IdentifierType::kDns, "a.example.com"}};
    order.created_at = clock_.Now();
    order.expires = clock_.Now() + std::chrono::hours(1);
    ASSERT_TRUE(store_->CreateOrder(order, {}).ok());
  }

  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<CaMaterial> material_;
  std::unique_ptr<storage::Store> store_ = storage::NewMemoryStore();
  FaultyCertificateStore faulty_{*store_};
  std::unique_ptr<CertificateAuthority> ca_;
};

TEST_F(CertificateAuthorityTest, IssuesAStoredCertificateThatChainsToTheRoot) {
  auto issued = ca_->Issue(Request({"a.example.com", "b.example.com"}));
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  auto parsed = crypto::Certificate::FromDer(issued->der);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const crypto::Certificate& cert = *parsed;
  EXPECT_TRUE(crypto::VerifyChain(cert, {material_->intermediate}, material_->root, clock_.Now()).ok());
  EXPECT_EQ(cert.dns_names(), (std::vector<std::string>{"a.example.com", "b.example.com"}));
  EXPECT_EQ(cert.subject_common_name(), "a.example.com");
  EXPECT_EQ(cert.ext_key_usages(), std::vector<std::string>{"serverAuth"});
  EXPECT_EQ(cert.serial_bytes().size(), 16u);
  EXPECT_EQ(cert.authority_key_id(), material_->intermediate.subject_key_id());
  auto days = std::chrono::duration_cast<std::chrono::hours>(cert.not_after() - cert.not_before()).count() / 24;
  EXPECT_EQ(days, 90);

  EXPECT_EQ(issued->serial, cert.serial_hex());  // the storage key is the certificate's own serial text
  auto record = store_->GetCertificate(issued->serial);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, storage::CertificateState::kIssued);
  EXPECT_EQ(record->der, cert.ToDer());
  EXPECT_FALSE(record->tbs_der.empty());
  EXPECT_NE(cert.ToDer().find(record->tbs_der), std::string::npos);  // the recorded TBS is what was signed
  auto audit = store_->ListAudit(0, 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->back().kind, "certificate.issued");
}

TEST_F(CertificateAuthorityTest, ValidateOrderMakesTheProcessingOrderValidWithTheCertificate) {
  ASSERT_NO_FATAL_FAILURE(StoreAccountAndPendingOrder());
  ASSERT_TRUE(store_->TransitionOrder("order-1", acme::OrderStatus::kPending, acme::OrderStatus::kReady, "", "").ok());
  ASSERT_TRUE(
      store_->TransitionOrder("order-1", acme::OrderStatus::kReady, acme::OrderStatus::kProcessing, "", "").ok());

  IssuanceRequest r = Request({"a.example.com"});
  r.validate_order = true;
  auto issued = ca_->Issue(r);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  auto stored_order = store_->GetOrder("order-1");
  ASSERT_TRUE(stored_order.ok());
  EXPECT_EQ(stored_order->status, acme::OrderStatus::kValid);
  EXPECT_EQ(stored_order->certificate_serial, issued->serial);
  EXPECT_EQ(store_->GetCertificate(issued->serial)->state, storage::CertificateState::kIssued);

  // An order that is no longer processing: the issuance fails and the certificate is not recorded as issued.
  auto again = ca_->Issue(r);
  EXPECT_FALSE(again.ok());
}

// start_order_from: the order goes to processing with the pending row (one commit), after a serial
// collision too; a second issuance for the same order is kOrderNotReady and records nothing.
TEST_F(CertificateAuthorityTest, StartOrderFromGatesTheOrderWithThePendingRecord) {
  ASSERT_NO_FATAL_FAILURE(StoreAccountAndPendingOrder());

  IssuanceRequest r = Request({"a.example.com"});
  r.start_order_from = acme::OrderStatus::kPending;
  r.validate_order = true;
  faulty_.conflicts_to_inject = 1;
  auto issued = ca_->Issue(r);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  ASSERT_EQ(faulty_.pending_serials.size(), 2u);
  EXPECT_EQ(store_->GetOrder("order-1")->status, acme::OrderStatus::kValid);

  auto again = ca_->Issue(r);
  EXPECT_EQ(again.status().code(), Code::kOrderNotReady);
  EXPECT_EQ(store_->ListCertificatesForOrder("order-1")->size(), 1u);
}

TEST_F(CertificateAuthorityTest, SerialsAreUnique) {
  std::set<std::string> serials;
  for (int i = 0; i < 200; ++i) {
    auto issued = ca_->Issue(Request({"a.example.com"}));
    ASSERT_TRUE(issued.ok());
    // Serials whose first octet is below 0x10 must still map to the certificate's own serial text.
    EXPECT_EQ(issued->serial, crypto::Certificate::FromDer(issued->der)->serial_hex());
    serials.insert(issued->serial);
  }
  EXPECT_EQ(serials.size(), 200u);
}

TEST_F(CertificateAuthorityTest, SerialCollisionIsRetriedWithAFreshSerial) {
  faulty_.conflicts_to_inject = 1;
  auto issued = ca_->Issue(Request({"a.example.com"}));
  ASSERT_TRUE(issued.ok());
  ASSERT_EQ(faulty_.pending_serials.size(), 2u);
  EXPECT_NE(faulty_.pending_serials[0], faulty_.pending_serials[1]);
  EXPECT_EQ(issued->serial, faulty_.pending_serials[1]);
}

TEST_F(CertificateAuthorityTest, PersistentSerialConflictsGiveUp) {
  faulty_.conflicts_to_inject = 10;
  EXPECT_EQ(ca_->Issue(Request({"a.example.com"})).status().code(), Code::kConflict);
}

TEST_F(CertificateAuthorityTest, StoreFailureAfterSigningReturnsNoCertificateButLeavesTheRecord) {
  faulty_.fail_mark_issued = true;
  auto issued = ca_->Issue(Request({"a.example.com"}));
  EXPECT_FALSE(issued.ok());
  ASSERT_EQ(faulty_.pending_serials.size(), 1u);
  auto record = store_->GetCertificate(faulty_.pending_serials[0]);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, storage::CertificateState::kPending);  // reconciliation will mark it abandoned
  EXPECT_FALSE(record->tbs_der.empty());
}

TEST_F(CertificateAuthorityTest, ValidityNeverOutlivesTheIntermediate) {
  IssuanceRequest r = Request({"a.example.com"});
  r.profile.validity = std::chrono::hours(24 * 365 * 20);
  auto issued = ca_->Issue(r);
  ASSERT_TRUE(issued.ok());
  EXPECT_LE(crypto::Certificate::FromDer(issued->der)->not_after(), material_->intermediate.not_after());
}

TEST_F(CertificateAuthorityTest, RsaKeysGetKeyEnciphermentAndClientProfilesClientAuth) {
  IssuanceRequest r = Request({"a.example.com"});
  r.subject_key = crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048)->public_key();
  r.profile.ext_key_usages = {"clientAuth"};
  auto issued = ca_->Issue(r);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(crypto::Certificate::FromDer(issued->der)->ext_key_usages(), std::vector<std::string>{"clientAuth"});
}

}  // namespace
}  // namespace anvil::ca
