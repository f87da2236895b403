#include "ca/certificate_authority.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "crypto/certificate.h"
#include "crypto/crl.h"
#include "support/temp_dir.h"

namespace anvil::ca {
namespace {

// An IssuanceLog that keeps what it is told in memory, in the order it is told, and injects failures.
class RecordingLog final : public IssuanceLog {
 public:
  int conflicts_to_inject = 0;
  Status record_error = Status::Ok();    // returned by Record (after the injected conflicts)
  Status complete_error = Status::Ok();  // returned by Complete
  Status abandon_error = Status::Ok();   // returned by Abandon

  std::vector<std::string> calls;  // "record SERIAL", "complete SERIAL", "abandon SERIAL"
  std::vector<PendingCertificate> recorded;
  std::map<std::string, std::string> completed;  // serial → DER
  Status abandoned_why = Status::Ok();

  Status Record(const PendingCertificate& pending) override {
    calls.push_back("record " + pending.serial);
    recorded.push_back(pending);
    if (conflicts_to_inject > 0) {
      --conflicts_to_inject;
      return Error(Code::kConflict, "duplicate serial (injected)");
    }
    return record_error;
  }
  Status Complete(const std::string& serial, const std::string& der) override {
    calls.push_back("complete " + serial);
    if (!complete_error.ok()) return complete_error;
    completed[serial] = der;
    return Status::Ok();
  }
  Status Abandon(const std::string& serial, const Status& why) override {
    calls.push_back("abandon " + serial);
    abandoned_why = why;
    return abandon_error;
  }
};

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto material = LoadOrCreateCa(dir_.path(), CaOptions{}, clock_);
    ASSERT_TRUE(material.ok()) << material.status().ToString();
    material_ = std::make_unique<CaMaterial>(*material);
    ca_ = std::make_unique<CertificateAuthority>(*material, clock_, "https://acme.test/ca/intermediate.der");
  }
  IssuanceRequest Request(const std::vector<std::string>& names) {
    IssuanceRequest r{crypto::PrivateKey::Generate(crypto::KeyType::kEcP256)->public_key(),
                      {},
                      CertificateProfile{.name = "tls-server"},
                      std::nullopt,
                      std::nullopt};
    for (const auto& n : names) r.identifiers.push_back({acme::IdentifierType::kDns, n});
    return r;
  }
  Result<IssuedCertificate> Issue(const IssuanceRequest& r) { return ca_->Issue(r, log_); }

  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<CaMaterial> material_;
  RecordingLog log_;
  std::unique_ptr<CertificateAuthority> ca_;
};

TEST_F(CertificateAuthorityTest, IssuesARecordedCertificateThatChainsToTheRoot) {
  auto issued = Issue(Request({"a.example.com", "b.example.com"}));
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
  auto days =
      std::chrono::duration_cast<std::chrono::hours>(cert.not_after() - cert.not_before()).count() / 24;
  EXPECT_EQ(days, 90);

  // Recorded before signing, completed after, in that order; the storage key is the certificate's serial
  // text.
  EXPECT_EQ(issued->serial, cert.serial_hex());
  EXPECT_EQ(log_.calls, (std::vector<std::string>{"record " + issued->serial, "complete " + issued->serial}));
  const PendingCertificate& pending = log_.recorded.at(0);
  EXPECT_NE(cert.ToDer().find(pending.tbs_der), std::string::npos);  // the recorded TBS is what was signed
  EXPECT_EQ(pending.names, (std::vector<std::string>{"a.example.com", "b.example.com"}));
  EXPECT_EQ(pending.profile, "tls-server");
  EXPECT_EQ(pending.authority_key_id, material_->intermediate.subject_key_id());
  EXPECT_EQ(pending.issuer_chain_pem, material_->intermediate.ToPem());
  EXPECT_EQ(pending.not_before, cert.not_before());
  EXPECT_EQ(pending.not_after, cert.not_after());
  EXPECT_EQ(log_.completed.at(issued->serial), issued->der);
}

TEST_F(CertificateAuthorityTest, ProfilesWithCrlNameTheDistributionPointAndTheCaSignsItsCrl) {
  const std::string crl_url = "http://pki.anvil.test/crl/issuer.crl";
  CertificateAuthority ca(*material_, clock_, "http://pki.anvil.test/ca/intermediate.der", crl_url);
  IssuanceRequest with = Request({"crl.example.com"});
  auto issued = ca.Issue(with, log_);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_NE(issued->der.find(crl_url), std::string::npos);  // the URI of the cRLDistributionPoints extension
  IssuanceRequest without = Request({"short.example.com"});
  without.profile.crl = false;
  auto short_lived = ca.Issue(without, log_);
  ASSERT_TRUE(short_lived.ok()) << short_lived.status().ToString();
  EXPECT_EQ(short_lived->der.find(crl_url), std::string::npos);
  EXPECT_NE(short_lived->der.find("http://pki.anvil.test/ca/intermediate.der"), std::string::npos);

  // The intermediate signs the CRL of what it issued.
  EXPECT_EQ(ca.CrlIssuer().ToDer(), material_->intermediate.ToDer());
  crypto::CrlTemplate tmpl;
  tmpl.this_update = clock_.Now();
  tmpl.next_update = clock_.Now() + std::chrono::hours(24);
  tmpl.crl_number = std::string(1, '\x01');
  tmpl.distribution_point_url = crl_url;
  tmpl.entries.push_back({crypto::Certificate::FromDer(issued->der)->serial_bytes(), clock_.Now(), 1});
  auto der = ca.SignCrl(tmpl);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto crl = crypto::Crl::FromDer(*der);
  ASSERT_TRUE(crl.ok());
  EXPECT_TRUE(crl->IsSignedBy(material_->intermediate.public_key()));
  EXPECT_EQ(crl->entries().size(), 1u);
}

TEST_F(CertificateAuthorityTest, CheckSigningKeySignsWithTheIssuingGenerationsKey) {
  EXPECT_TRUE(ca_->CheckSigningKey(clock_.Now()).ok());
  // A key that does not belong to the certificate cannot sign for it.
  CaMaterial swapped = *material_;
  for (Intermediate& i : swapped.intermediates) i.key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  CertificateAuthority wrong_key(swapped, clock_, "https://acme.test/ca/intermediate.der");
  Status refused = wrong_key.CheckSigningKey(clock_.Now());
  EXPECT_EQ(refused.code(), Code::kInternal) << refused.ToString();
  EXPECT_EQ(refused.message(), "generation 1: the key's signature does not match its certificate");
  // Past every generation's notAfter nothing issues.
  EXPECT_EQ(ca_->CheckSigningKey(clock_.Now() + std::chrono::hours(24 * 365 * 20)).code(), Code::kServerInternal);
}

TEST_F(CertificateAuthorityTest, ARecordErrorEndsTheIssuanceWithNothingSigned) {
  log_.record_error = Error(Code::kOrderNotReady, "the order moved (injected)");
  auto issued = Issue(Request({"a.example.com"}));
  EXPECT_EQ(issued.status().code(), Code::kOrderNotReady);
  EXPECT_EQ(log_.calls.size(), 1u);  // no second attempt, no completion, nothing to abandon
}

TEST_F(CertificateAuthorityTest, SerialsAreUnique) {
  std::set<std::string> serials;
  for (int i = 0; i < 200; ++i) {
    auto issued = Issue(Request({"a.example.com"}));
    ASSERT_TRUE(issued.ok());
    // Serials whose first octet is below 0x10 must still map to the certificate's own serial text.
    EXPECT_EQ(issued->serial, crypto::Certificate::FromDer(issued->der)->serial_hex());
    serials.insert(issued->serial);
  }
  EXPECT_EQ(serials.size(), 200u);
}

TEST_F(CertificateAuthorityTest, SerialCollisionIsRetriedWithAFreshSerial) {
  log_.conflicts_to_inject = 1;
  auto issued = Issue(Request({"a.example.com"}));
  ASSERT_TRUE(issued.ok());
  ASSERT_EQ(log_.recorded.size(), 2u);
  EXPECT_NE(log_.recorded[0].serial, log_.recorded[1].serial);
  EXPECT_EQ(issued->serial, log_.recorded[1].serial);
  EXPECT_EQ(log_.calls.back(), "complete " + issued->serial);
}

TEST_F(CertificateAuthorityTest, PersistentSerialConflictsGiveUp) {
  log_.conflicts_to_inject = 10;
  EXPECT_EQ(Issue(Request({"a.example.com"})).status().code(), Code::kConflict);
}

TEST_F(CertificateAuthorityTest, ACompleteFailureAbandonsTheRecordAndReturnsNoCertificate) {
  log_.complete_error = Error(Code::kIo, "disk full (injected)");
  auto issued = Issue(Request({"a.example.com"}));
  EXPECT_EQ(issued.status().code(), Code::kIo);
  ASSERT_EQ(log_.recorded.size(), 1u);
  const std::string serial = log_.recorded[0].serial;
  EXPECT_EQ(log_.calls,
            (std::vector<std::string>{"record " + serial, "complete " + serial, "abandon " + serial}));
  EXPECT_EQ(log_.abandoned_why.code(), Code::kIo);
}

TEST_F(CertificateAuthorityTest, AnAbandonFailureIsReportedWithTheIssuanceFailure) {
  log_.complete_error = Error(Code::kIo, "disk full (injected)");
  log_.abandon_error = Error(Code::kIo, "still full (injected)");
  auto issued = Issue(Request({"a.example.com"}));
  EXPECT_EQ(issued.status().code(), Code::kIo);
  EXPECT_NE(issued.status().message().find("disk full"), std::string::npos);
  EXPECT_NE(issued.status().message().find("still full"), std::string::npos);
}

TEST_F(CertificateAuthorityTest, ValidityNeverOutlivesTheIntermediate) {
  IssuanceRequest r = Request({"a.example.com"});
  r.profile.validity = std::chrono::hours(24 * 365 * 20);
  auto issued = Issue(r);
  ASSERT_TRUE(issued.ok());
  EXPECT_LE(crypto::Certificate::FromDer(issued->der)->not_after(), material_->intermediate.not_after());
}

TEST_F(CertificateAuthorityTest, RsaKeysGetKeyEnciphermentAndClientProfilesClientAuth) {
  IssuanceRequest r = Request({"a.example.com"});
  r.subject_key = crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048)->public_key();
  r.profile.ext_key_usages = {"clientAuth"};
  auto issued = Issue(r);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(crypto::Certificate::FromDer(issued->der)->ext_key_usages(),
            std::vector<std::string>{"clientAuth"});
}

}  // namespace
}  // namespace anvil::ca
