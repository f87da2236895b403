// The conformance suite (store_conformance.h): certificates, the issuance transactions and their audit rows.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

// ======================= certificates and the issuance transactions =======================

const std::string kDer(
    "\x30\x82\x01\x00signed\x00"
    "cert",
    15);

// Account a1 (created with the first order) and its pending order `order_id`.
void AddOrder(Store& store, const std::string& order_id) {
  if (!store.GetAccount("a1").ok()) {
    ASSERT_OK(store.CreateAccount(MakeAccount("a1"), Note("account.created")));
  }
  ASSERT_OK(store.CreateOrder(MakeOrder(order_id, "a1"), {}));
}

// A new order with a pending certificate `serial`: the first write of an issuance.
void Begin(Store& store, const std::string& serial, const std::string& order_id) {
  AddOrder(store, order_id);
  ASSERT_OK(store.BeginIssuance(MakeCertificate(serial, order_id, "a1"), OrderStatus::kPending));
}

// ... and the last write.
void Issue(Store& store, const std::string& serial, const std::string& order_id) {
  Begin(store, serial, order_id);
  ASSERT_OK(store.FinishIssuance(serial, kDer, Note("certificate.issued", serial)));
}

TEST_P(StoreConformanceTest, CertificateGoesPendingIssuedRevoked) {
  AddOrder(*store_, "o1");
  CertificateRecord record = MakeCertificate("1a2b3c", "o1", "a1");
  ASSERT_OK(store_->BeginIssuance(record, OrderStatus::kPending));
  Result<CertificateRecord> got = store_->GetCertificate("1a2b3c");
  ASSERT_OK(got);
  ExpectSameCertificate(*got, record);

  ASSERT_OK(store_->FinishIssuance("1a2b3c", kDer, Note("certificate.issued")));
  got = store_->GetCertificate("1a2b3c");
  ASSERT_OK(got);
  record.state = CertificateState::kIssued;
  record.der = kDer;
  ExpectSameCertificate(*got, record);

  ASSERT_OK(store_->RevokeCertificate("1a2b3c", 4, kT0 + kDay, Note("certificate.revoked")));
  got = store_->GetCertificate("1a2b3c");
  ASSERT_OK(got);
  record.revoked_at = kT0 + kDay;
  record.revocation_reason = 4;
  ExpectSameCertificate(*got, record);
}

TEST_P(StoreConformanceTest, BeginIssuanceRecordsAPendingCertificateWhateverTheRecordSays) {
  AddOrder(*store_, "o1");
  CertificateRecord record = MakeCertificate("01", "o1", "a1");
  record.state = CertificateState::kIssued;
  record.der = "not yet";
  record.revoked_at = kT0;
  record.revocation_reason = 1;
  ASSERT_OK(store_->BeginIssuance(record, OrderStatus::kPending));
  Result<CertificateRecord> got = store_->GetCertificate("01");
  ASSERT_OK(got);
  EXPECT_EQ(got->state, CertificateState::kPending);
  EXPECT_EQ(got->der, "");
  EXPECT_EQ(got->revoked_at, std::nullopt);
  EXPECT_EQ(got->revocation_reason, 0);
}

TEST_P(StoreConformanceTest, BeginIssuanceMovesThePendingOrReadyOrderToProcessing) {
  Begin(*store_, "01", "o1");
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kProcessing);
  AddOrder(*store_, "o2");
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kPending, OrderStatus::kReady, "", "", nullptr));
  ASSERT_OK(store_->BeginIssuance(MakeCertificate("02", "o2", "a1"), OrderStatus::kReady));
  EXPECT_EQ(store_->GetOrder("o2")->status, OrderStatus::kProcessing);
  EXPECT_EQ(store_->GetCertificate("02")->state, CertificateState::kPending);
}

// The gate: a second finalize of the same order (or one that read a stale status) changes nothing.
TEST_P(StoreConformanceTest, BeginIssuanceChangesNothingWhenTheOrderMoved) {
  Begin(*store_, "01", "o1");
  EXPECT_TRUE(HasCode(store_->BeginIssuance(MakeCertificate("02", "o1", "a1"), OrderStatus::kPending),
                      Code::kOrderNotReady));
  EXPECT_TRUE(HasCode(store_->GetCertificate("02").status(), Code::kNotFound));
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kProcessing);
  // No such order.
  EXPECT_TRUE(HasCode(store_->BeginIssuance(MakeCertificate("03", "nope", "a1"), OrderStatus::kPending),
                      Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetCertificate("03").status(), Code::kNotFound));
}

// A serial collision leaves the order as it was, so the CA can retry with a fresh serial.
TEST_P(StoreConformanceTest, BeginIssuanceChangesNothingOnADuplicateSerial) {
  Begin(*store_, "01", "other");
  AddOrder(*store_, "o1");
  EXPECT_TRUE(HasCode(store_->BeginIssuance(MakeCertificate("01", "o1", "a1"), OrderStatus::kPending),
                      Code::kConflict));
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kPending);
  EXPECT_EQ(store_->GetCertificate("01")->order_id, "other");
  ASSERT_OK(store_->BeginIssuance(MakeCertificate("02", "o1", "a1"), OrderStatus::kPending));
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kProcessing);
}

// Many finalizes of one order at once: exactly one starts it.
TEST_P(StoreConformanceTest, ConcurrentBeginIssuancesOfOneOrderHaveOneWinner) {
  AddOrder(*store_, "o1");
  std::atomic<int> won{0}, not_ready{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Status s = store_->BeginIssuance(MakeCertificate("0" + std::to_string(t + 1), "o1", "a1"),
                                       OrderStatus::kPending);
      (s.ok() ? won : s.code() == Code::kOrderNotReady ? not_ready : other)++;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(not_ready.load(), 7);
  EXPECT_EQ(other.load(), 0);
  Result<std::vector<CertificateRecord>> certs = store_->ListCertificatesForOrder("o1");
  ASSERT_OK(certs);
  EXPECT_EQ(certs->size(), 1u);
}

TEST_P(StoreConformanceTest, FinishIssuanceCommitsCertificateOrderAndAuditTogether) {
  Begin(*store_, "01", "o1");
  ASSERT_OK(store_->FinishIssuance("01", "der", Note("certificate.issued", "01")));
  Result<CertificateRecord> cert = store_->GetCertificate("01");
  ASSERT_OK(cert);
  EXPECT_EQ(cert->state, CertificateState::kIssued);
  EXPECT_EQ(cert->der, "der");
  Result<Order> order = store_->GetOrder("o1");
  ASSERT_OK(order);
  EXPECT_EQ(order->status, OrderStatus::kValid);
  EXPECT_EQ(order->certificate_serial, "01");
  Result<std::vector<AuditEvent>> events = store_->ListAudit(0, 10);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 2u);  // account.created, certificate.issued
  EXPECT_EQ(events->back().kind, "certificate.issued");
  EXPECT_EQ(events->back().subject, "01");
  // Twice: the certificate is no longer pending, and nothing changes.
  EXPECT_TRUE(HasCode(store_->FinishIssuance("01", "other", Note("again")), Code::kConflict));
  EXPECT_EQ(store_->GetCertificate("01")->der, "der");
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"account.created", "certificate.issued"}));
}

TEST_P(StoreConformanceTest, FinishIssuanceChangesNothingWhenTheOrderIsNotProcessing) {
  Begin(*store_, "01", "o1");
  // Something else (a reconciliation, say) decided the order meanwhile.
  ASSERT_OK(
      store_->TransitionOrder("o1", OrderStatus::kProcessing, OrderStatus::kInvalid, "{}", "", nullptr));
  EXPECT_TRUE(HasCode(store_->FinishIssuance("01", "der", Note("certificate.issued")), Code::kConflict));
  EXPECT_EQ(store_->GetCertificate("01")->state, CertificateState::kPending);
  EXPECT_EQ(store_->GetCertificate("01")->der, "");
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kInvalid);
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"account.created"}));
  EXPECT_TRUE(HasCode(store_->FinishIssuance("ff", "der", Note("certificate.issued")), Code::kNotFound));
}

TEST_P(StoreConformanceTest, AbandonIssuanceInvalidatesTheProcessingOrderWithItsAudit) {
  Begin(*store_, "01", "o1");
  ASSERT_OK(store_->AbandonIssuance("01", R"({"type":"x"})", Note("certificate.abandoned", "01")));
  Result<CertificateRecord> cert = store_->GetCertificate("01");
  ASSERT_OK(cert);
  EXPECT_EQ(cert->state, CertificateState::kAbandoned);
  EXPECT_EQ(cert->tbs_der, MakeCertificate("01", "o1", "a1").tbs_der);  // what might have been signed stays
  Result<Order> order = store_->GetOrder("o1");
  ASSERT_OK(order);
  EXPECT_EQ(order->status, OrderStatus::kInvalid);
  EXPECT_EQ(order->error_json, R"({"type":"x"})");
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"account.created", "certificate.abandoned"}));
}

TEST_P(StoreConformanceTest, AbandonIssuanceLeavesAnOrderThatIsNoLongerProcessing) {
  Begin(*store_, "01", "o1");
  ASSERT_OK(
      store_->TransitionOrder("o1", OrderStatus::kProcessing, OrderStatus::kInvalid, "first", "", nullptr));
  ASSERT_OK(store_->AbandonIssuance("01", "second", Note("certificate.abandoned")));
  EXPECT_EQ(store_->GetCertificate("01")->state, CertificateState::kAbandoned);
  EXPECT_EQ(store_->GetOrder("o1")->error_json, "first");
}

TEST_P(StoreConformanceTest, AbandonedCertificateCanNeitherBeIssuedNorRevoked) {
  Begin(*store_, "01", "o1");
  ASSERT_OK(store_->AbandonIssuance("01", "{}", Note("certificate.abandoned")));
  EXPECT_TRUE(HasCode(store_->FinishIssuance("01", "der", Note("x")), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->AbandonIssuance("01", "{}", Note("x")), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->RevokeCertificate("01", 0, kT0, Note("x")), Code::kConflict));
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"account.created", "certificate.abandoned"}));
}

TEST_P(StoreConformanceTest, IssuedCertificateCannotBeAbandoned) {
  Issue(*store_, "01", "o1");
  EXPECT_TRUE(HasCode(store_->AbandonIssuance("01", "{}", Note("x")), Code::kConflict));
  EXPECT_EQ(store_->GetCertificate("01")->state, CertificateState::kIssued);
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kValid);
}

TEST_P(StoreConformanceTest, UnknownCertificateIsNotFound) {
  EXPECT_TRUE(HasCode(store_->GetCertificate("ff"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->FinishIssuance("ff", "der", Note("x")), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->AbandonIssuance("ff", "{}", Note("x")), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->RevokeCertificate("ff", 0, kT0, Note("x")), Code::kNotFound));
  EXPECT_THAT(AuditKinds(*store_), IsEmpty());
}

TEST_P(StoreConformanceTest, RevokePendingCertificateIsConflict) {
  Begin(*store_, "01", "o1");
  EXPECT_TRUE(HasCode(store_->RevokeCertificate("01", 1, kT0, Note("x")), Code::kConflict));
  Result<CertificateRecord> got = store_->GetCertificate("01");
  ASSERT_OK(got);
  EXPECT_EQ(got->revoked_at, std::nullopt);
}

TEST_P(StoreConformanceTest, RevokeRevokedCertificateIsAlreadyRevoked) {
  Issue(*store_, "01", "o1");
  ASSERT_OK(store_->RevokeCertificate("01", 1, kT0, Note("certificate.revoked")));
  EXPECT_TRUE(HasCode(store_->RevokeCertificate("01", 4, kT0 + kDay, Note("again")), Code::kAlreadyRevoked));
  Result<CertificateRecord> got = store_->GetCertificate("01");
  ASSERT_OK(got);
  EXPECT_EQ(got->revoked_at, kT0);  // the first revocation stands
  EXPECT_EQ(got->revocation_reason, 1);
  EXPECT_EQ(AuditKinds(*store_),
            (std::vector<std::string>{"account.created", "certificate.issued", "certificate.revoked"}));
}

TEST_P(StoreConformanceTest, ListCertificatesForOrderReturnsThemInCreationOrder) {
  // A crash between the two writes of an issuance leaves the first certificate abandoned and the order free
  // for a retry (older versions could leave several records for one order).
  Begin(*store_, "0b", "o1");
  Begin(*store_, "0c", "o2");
  ASSERT_OK(store_->AbandonIssuance("0b", "{}", Note("certificate.abandoned")));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kInvalid, OrderStatus::kPending, "", "", nullptr));
  ASSERT_OK(store_->BeginIssuance(MakeCertificate("0a", "o1", "a1"), OrderStatus::kPending));
  Result<std::vector<CertificateRecord>> certs = store_->ListCertificatesForOrder("o1");
  ASSERT_OK(certs);
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].serial, "0b");
  EXPECT_EQ((*certs)[0].state, CertificateState::kAbandoned);
  EXPECT_EQ((*certs)[1].serial, "0a");
  certs = store_->ListCertificatesForOrder("none");
  ASSERT_OK(certs);
  EXPECT_THAT(*certs, IsEmpty());
}

// Each write stores the caller's event as given: time (to the second), kind, account, subject, details.
TEST_P(StoreConformanceTest, IssuanceAndRevocationStoreTheirAuditEventsAsGiven) {
  Begin(*store_, "01", "o1");
  AuditEvent issued = Note("certificate.issued", "01");
  issued.at = kT0 + std::chrono::milliseconds(1500);
  issued.account_id = "a1";
  issued.details_json = R"({"order_id":"o1"})";
  ASSERT_OK(store_->FinishIssuance("01", "der", issued));
  AuditEvent revoked = Note("certificate.revoked", "01");
  revoked.at = kT0 + kDay;
  revoked.details_json = R"({"reason":5})";
  ASSERT_OK(store_->RevokeCertificate("01", 5, kT0 + kDay, revoked));

  Result<std::vector<AuditEvent>> all = store_->ListAudit(0, 10);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 3u);  // account.created first
  const AuditEvent& first = (*all)[1];
  const AuditEvent& second = (*all)[2];
  EXPECT_EQ(first.kind, "certificate.issued");
  EXPECT_EQ(first.account_id, "a1");
  EXPECT_EQ(first.subject, "01");
  EXPECT_EQ(first.details_json, R"({"order_id":"o1"})");
  EXPECT_EQ(first.at, kT0 + std::chrono::seconds(1));
  EXPECT_EQ(second.kind, "certificate.revoked");
  EXPECT_EQ(second.details_json, R"({"reason":5})");
  EXPECT_EQ(second.at, kT0 + kDay);
  EXPECT_LT(first.id, second.id);
}

TEST_P(StoreConformanceTest, ListAuditPagesByIncreasingId) {
  for (int i = 0; i < 5; ++i) {
    AuditEvent e;
    e.id = 1000;  // ignored: the store assigns ids
    e.at = kT0 + std::chrono::seconds(i);
    e.kind = "account.created";
    e.account_id = "a" + std::to_string(i);
    e.subject = "s" + std::to_string(i);
    e.details_json = R"({"i":)" + std::to_string(i) + "}";
    ASSERT_OK(store_->AppendAudit(e));
  }
  Result<std::vector<AuditEvent>> first = store_->ListAudit(0, 3);
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].account_id, "a0");
  EXPECT_EQ((*first)[0].kind, "account.created");
  EXPECT_EQ((*first)[0].subject, "s0");
  EXPECT_EQ((*first)[0].details_json, R"({"i":0})");
  EXPECT_EQ((*first)[0].at, kT0);
  EXPECT_LT((*first)[0].id, (*first)[1].id);
  EXPECT_LT((*first)[1].id, (*first)[2].id);

  Result<std::vector<AuditEvent>> rest = store_->ListAudit(first->back().id, 3);
  ASSERT_OK(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].account_id, "a3");
  EXPECT_EQ((*rest)[1].account_id, "a4");
  EXPECT_LT(first->back().id, (*rest)[0].id);

  Result<std::vector<AuditEvent>> none = store_->ListAudit(rest->back().id, 3);
  ASSERT_OK(none);
  EXPECT_THAT(*none, IsEmpty());
}

}  // namespace
}  // namespace anvil::storage::testing
