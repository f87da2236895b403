// The conformance suite (store_conformance.h): what a CRL publisher reads and writes (RevocationListStore,
// issue 14): the revoked certificates of one authority, paged in serial order, and each CRL series' state.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

// ======================= ListRevokedCertificates =======================

// MakeCertificate's authority key id (raw bytes with a NUL inside), one that is a prefix of it, and another.
const std::string kAki("\x01\x00\xff\x7f", 4);
const std::string kAkiPrefix("\x01\x00\xff", 3);
const std::string kOtherAki("\x02\x02", 2);

CertificateRecord Cert(const std::string& serial, const std::string& aki = kAki,
                       TimePoint not_after = kT0 + 90 * kDay) {
  CertificateRecord c = MakeCertificate(serial, "o-" + serial, "a1");
  c.authority_key_id = aki;
  c.not_after = not_after;
  return c;
}

// The first write of an issuance, on an order of its own ("o-SERIAL") of account a1 (created with the first).
void Begin(Store& store, const CertificateRecord& cert) {
  if (!store.GetAccount("a1").ok()) {
    ASSERT_OK(store.CreateAccount(MakeAccount("a1"), Note("account.created")));
  }
  ASSERT_OK(store.CreateOrder(MakeOrder(cert.order_id, "a1"), {}));
  ASSERT_OK(store.BeginIssuance(cert, OrderStatus::kPending));
}

void Issue(Store& store, const CertificateRecord& cert) {
  Begin(store, cert);
  ASSERT_OK(store.FinishIssuance(cert.serial, "der", Note("certificate.issued", cert.serial)));
}

void Revoke(Store& store, const CertificateRecord& cert, int reason = 1, TimePoint at = kT0 + kDay) {
  Issue(store, cert);
  ASSERT_OK(store.RevokeCertificate(cert.serial, reason, at, Note("certificate.revoked", cert.serial)));
}

std::vector<std::string> Serials(const Result<std::vector<RevokedCertificate>>& listed) {
  std::vector<std::string> serials;
  EXPECT_TRUE(IsOk(listed));
  if (listed.ok()) {
    for (const RevokedCertificate& r : *listed) serials.push_back(r.serial);
  }
  return serials;
}

TEST_P(StoreConformanceTest, ListRevokedCertificatesListsOnlyIssuedRevokedCertificatesOfTheAuthority) {
  Revoke(*store_, Cert("0a"), 1, kT0 + kDay);
  Issue(*store_, Cert("0b"));  // not revoked
  Begin(*store_, Cert("0c"));  // pending
  Begin(*store_, Cert("0d"));
  ASSERT_OK(store_->AbandonIssuance("0d", "{}", Note("certificate.abandoned", "0d")));
  Revoke(*store_, Cert("0e", kOtherAki));
  Revoke(*store_, Cert("0f", kAkiPrefix));
  Revoke(*store_, Cert("10", kAki, kT0 + 30 * kDay), 4, kT0 + 2 * kDay + std::chrono::milliseconds(700));

  Result<std::vector<RevokedCertificate>> listed = store_->ListRevokedCertificates(kAki, kT0, "", 100);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].serial, "0a");
  EXPECT_EQ((*listed)[0].revoked_at, kT0 + kDay);
  EXPECT_EQ((*listed)[0].reason, 1);
  EXPECT_EQ((*listed)[0].not_after, kT0 + 90 * kDay);
  EXPECT_EQ((*listed)[1].serial, "10");
  EXPECT_EQ((*listed)[1].revoked_at, kT0 + 2 * kDay);  // whole seconds
  EXPECT_EQ((*listed)[1].reason, 4);
  EXPECT_EQ((*listed)[1].not_after, kT0 + 30 * kDay);

  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kOtherAki, kT0, "", 100)), ElementsAre("0e"));
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAkiPrefix, kT0, "", 100)), ElementsAre("0f"));
  EXPECT_THAT(Serials(store_->ListRevokedCertificates("", kT0, "", 100)), IsEmpty());
}

// ======================= ImportCertificate =======================

CertificateRecord Imported(const std::string& serial) {
  CertificateRecord c = Cert(serial);
  c.order_id = "";
  c.account_id = "";
  c.state = CertificateState::kIssued;
  c.der = "der-of-" + serial;
  return c;
}

TEST_P(StoreConformanceTest, AnImportedCertificateIsReadBackAsItIsWithItsRevocationAndAudit) {
  CertificateRecord revoked = Imported("0a");
  revoked.revoked_at = kT0 + kDay + std::chrono::milliseconds(300);
  revoked.revocation_reason = 4;
  ASSERT_OK(store_->ImportCertificate(revoked, Note("intermediate.retired", "0a")));
  ASSERT_OK(store_->ImportCertificate(Imported("0b"), Note("certificate.imported", "0b")));

  Result<CertificateRecord> read = store_->GetCertificate("0a");
  ASSERT_OK(read);
  EXPECT_EQ(read->state, CertificateState::kIssued);
  EXPECT_EQ(read->der, "der-of-0a");
  EXPECT_EQ(read->order_id, "");
  EXPECT_EQ(read->authority_key_id, kAki);
  EXPECT_EQ(read->revoked_at, kT0 + kDay);  // whole seconds
  EXPECT_EQ(read->revocation_reason, 4);
  EXPECT_FALSE(store_->GetCertificate("0b")->revoked_at.has_value());
  // On the CRL of its authority like any revoked certificate; the unrevoked one can be revoked as usual.
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, kT0, "", 100)), ElementsAre("0a"));
  ASSERT_OK(store_->RevokeCertificate("0b", 1, kT0 + 2 * kDay, Note("certificate.revoked", "0b")));
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, kT0, "", 100)), ElementsAre("0a", "0b"));
  EXPECT_THAT(AuditKinds(*store_), ElementsAre("intermediate.retired", "certificate.imported", "certificate.revoked"));
}

TEST_P(StoreConformanceTest, ImportingARecordedSerialConflictsAndChangesNothing) {
  Issue(*store_, Cert("0a"));
  CertificateRecord again = Imported("0a");
  again.revoked_at = kT0 + kDay;
  again.revocation_reason = 1;
  EXPECT_EQ(store_->ImportCertificate(again, Note("certificate.imported", "0a")).code(), Code::kConflict);
  EXPECT_FALSE(store_->GetCertificate("0a")->revoked_at.has_value());
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, kT0, "", 100)), IsEmpty());
}

TEST_P(StoreConformanceTest, ImportRefusesARecordThatIsNotAnIssuedCertificate) {
  CertificateRecord pending = Imported("0a");
  pending.state = CertificateState::kPending;
  CertificateRecord no_der = Imported("0b");
  no_der.der.clear();
  CertificateRecord no_aki = Imported("0c");
  no_aki.authority_key_id.clear();
  for (const CertificateRecord& bad : {pending, no_der, no_aki}) {
    EXPECT_EQ(store_->ImportCertificate(bad, Note("certificate.imported", bad.serial)).code(),
              Code::kInvalidArgument)
        << bad.serial;
    EXPECT_EQ(store_->GetCertificate(bad.serial).status().code(), Code::kNotFound) << bad.serial;
  }
}

// A CRL lists a revoked certificate until it expires (RFC 5280 §3.3): the cutoff is strict, in whole seconds.
TEST_P(StoreConformanceTest, ListRevokedCertificatesKeepsThoseExpiringStrictlyAfterTheCutoff) {
  Revoke(*store_, Cert("01", kAki, kT0 + 10 * kDay));
  Revoke(*store_, Cert("02", kAki, kT0 + 20 * kDay));
  Revoke(*store_, Cert("03", kAki, kT0 + 30 * kDay));
  const TimePoint day20 = kT0 + 20 * kDay;
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, day20, "", 10)), ElementsAre("03"));
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, day20 + std::chrono::milliseconds(500), "", 10)),
              ElementsAre("03"));
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, day20 - std::chrono::milliseconds(500), "", 10)),
              ElementsAre("02", "03"));
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, day20 - std::chrono::seconds(1), "", 10)),
              ElementsAre("02", "03"));
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, kT0, "", 10)), ElementsAre("01", "02", "03"));
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, kT0 + 30 * kDay, "", 10)), IsEmpty());
}

// Byte order of the hex text, not numeric order: "b" (no leading zero) sorts after "ab".
TEST_P(StoreConformanceTest, ListRevokedCertificatesPagesInSerialOrder) {
  for (const char* serial : {"1f", "0a", "a0", "09", "ff", "10", "b", "ab"}) Revoke(*store_, Cert(serial));
  Issue(*store_, Cert("0b"));  // not revoked: never on a page

  std::vector<std::vector<std::string>> pages;
  std::string after;
  for (int i = 0; i < 5; ++i) {
    std::vector<std::string> page = Serials(store_->ListRevokedCertificates(kAki, kT0, after, 3));
    if (page.empty()) break;
    pages.push_back(page);
    after = page.back();
  }
  EXPECT_THAT(pages, ElementsAre(ElementsAre("09", "0a", "10"), ElementsAre("1f", "a0", "ab"),
                                 ElementsAre("b", "ff")));
  // A cursor need not be a listed serial.
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, kT0, "0b", 2)), ElementsAre("10", "1f"));
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, kT0, "ff", 2)), IsEmpty());
  EXPECT_THAT(Serials(store_->ListRevokedCertificates(kAki, kT0, "", 1)), ElementsAre("09"));
}

TEST_P(StoreConformanceTest, ListRevokedCertificatesRefusesANonPositiveLimit) {
  Revoke(*store_, Cert("01"));
  EXPECT_TRUE(HasCode(store_->ListRevokedCertificates(kAki, kT0, "", 0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->ListRevokedCertificates(kAki, kT0, "", -1), Code::kInvalidArgument));
}

// ======================= CRL states =======================

CrlState State(const std::string& issuer_id, int64_t number, TimePoint this_update = kT0) {
  return CrlState{issuer_id, number, this_update};
}

void ExpectState(Store& store, const std::string& issuer_id, int64_t number, TimePoint this_update) {
  Result<CrlState> got = store.GetCrlState(issuer_id);
  ASSERT_OK(got);
  EXPECT_EQ(got->issuer_id, issuer_id);
  EXPECT_EQ(got->number, number);
  EXPECT_EQ(got->this_update, this_update);
}

TEST_P(StoreConformanceTest, GetCrlStateOfASeriesNeverRecordedIsNotFound) {
  EXPECT_TRUE(HasCode(store_->GetCrlState("5a"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, AdvanceCrlStateFromNothingThenFromTheStoredNumber) {
  ASSERT_OK(store_->AdvanceCrlState(State("5a", 1, kT0), 0));
  ExpectState(*store_, "5a", 1, kT0);
  ASSERT_OK(store_->AdvanceCrlState(
      State("5a", 2, kT0 + std::chrono::hours(6) + std::chrono::milliseconds(250)), 1));
  ExpectState(*store_, "5a", 2, kT0 + std::chrono::hours(6));  // whole seconds
  // Numbers must increase, not count: a publisher may skip some.
  ASSERT_OK(store_->AdvanceCrlState(State("5a", 1'000'000'000'000, kT0 + kDay), 2));
  ExpectState(*store_, "5a", 1'000'000'000'000, kT0 + kDay);
}

TEST_P(StoreConformanceTest, AdvanceCrlStateFromAStaleNumberConflictsAndChangesNothing) {
  ASSERT_OK(store_->AdvanceCrlState(State("5a", 1), 0));
  ASSERT_OK(store_->AdvanceCrlState(State("5a", 2, kT0 + kDay), 1));
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("5a", 3, kT0 + 2 * kDay), 1), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("5a", 3, kT0 + 2 * kDay), 0), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("5a", 4, kT0 + 2 * kDay), 3), Code::kConflict));
  ExpectState(*store_, "5a", 2, kT0 + kDay);
  // A series never recorded is at 0.
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("6b", 8), 7), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->GetCrlState("6b"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, AdvanceCrlStateRefusesANumberThatDoesNotIncreaseOrAnEmptyIssuer) {
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("5a", 0), 0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("5a", -1), 0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("", 1), 0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->GetCrlState("5a"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetCrlState(""), Code::kNotFound));

  ASSERT_OK(store_->AdvanceCrlState(State("5a", 5), 0));
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("5a", 5, kT0 + kDay), 5), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("5a", 4, kT0 + kDay), 5), Code::kInvalidArgument));
  // The arguments are checked before the stored number: a stale, non-increasing advance is invalid.
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("5a", 3, kT0 + kDay), 3), Code::kInvalidArgument));
  ExpectState(*store_, "5a", 5, kT0);
}

TEST_P(StoreConformanceTest, CrlSeriesAreIndependent) {
  ASSERT_OK(store_->AdvanceCrlState(State("5a", 1), 0));
  ASSERT_OK(store_->AdvanceCrlState(State("5a", 3, kT0 + kDay), 1));
  ASSERT_OK(store_->AdvanceCrlState(State("6b", 1, kT0 + 2 * kDay), 0));
  EXPECT_TRUE(HasCode(store_->AdvanceCrlState(State("6b", 4), 3), Code::kConflict));
  ExpectState(*store_, "5a", 3, kT0 + kDay);
  ExpectState(*store_, "6b", 1, kT0 + 2 * kDay);
  ASSERT_OK(store_->AdvanceCrlState(State("6b", 2, kT0 + 3 * kDay), 1));
  ExpectState(*store_, "5a", 3, kT0 + kDay);
  ExpectState(*store_, "6b", 2, kT0 + 3 * kDay);
}

// Two publishers that read the same state never both number a CRL from it.
TEST_P(StoreConformanceTest, ConcurrentAdvancesFromOneNumberHaveOneWinner) {
  ASSERT_OK(store_->AdvanceCrlState(State("5a", 1), 0));
  std::atomic<int> won{0}, conflicted{0}, other{0};
  std::atomic<int64_t> winner{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const int64_t number = 2 + t;
      Status s = store_->AdvanceCrlState(State("5a", number, kT0 + kDay), 1);
      if (s.ok()) winner = number;
      (s.ok() ? won : s.code() == Code::kConflict ? conflicted : other)++;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(conflicted.load(), 7);
  EXPECT_EQ(other.load(), 0);
  ExpectState(*store_, "5a", winner.load(), kT0 + kDay);
}

}  // namespace
}  // namespace anvil::storage::testing
