// The OCSP responder over a scripted certificate store and the real CA: each status a certificate record can
// have and the answer it gets (never good unless issued and not revoked), refusals, the delegated responder
// certificate (issued, kept on disk, renewed), the cache (reused, dropped at a revocation, re-signed after
// half the lifetime) and nonces. `openssl ocsp` against the running server is
// tests/interop/revocation_openssl.sh.
#include "publish/ocsp_responder.h"

#include <gtest/gtest.h>

#include <map>

#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "support/temp_dir.h"

namespace anvil::publish {
namespace {

using crypto::OcspCertStatus;
using crypto::OcspResponseStatus;
using std::chrono::hours;

const TimePoint kT0 = FromUnixSeconds(1'800'000'000);

// Certificate records by serial; GetCertificate is all the responder reads.
class ScriptedCertificates final : public storage::CertificateStore {
 public:
  std::map<std::string, storage::CertificateRecord> records;
  Status error = Status::Ok();
  int reads = 0;

  Result<storage::CertificateRecord> GetCertificate(const std::string& serial) override {
    ++reads;
    if (!error.ok()) return error;
    auto it = records.find(serial);
    if (it == records.end()) return Error(Code::kNotFound, "no certificate " + serial);
    return it->second;
  }
  Result<std::vector<storage::CertificateRecord>> ListCertificatesForOrder(const std::string&) override {
    return Error(Code::kInternal, "not used");
  }
  Status RevokeCertificate(const std::string&, int, TimePoint, const storage::AuditEvent&) override {
    return Error(Code::kInternal, "not used");
  }
};

class OcspResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto material = ca::LoadOrCreateCa(dir_.path(), ca::CaOptions{}, clock_);
    ASSERT_TRUE(material.ok()) << material.status().ToString();
    ca_ = std::make_unique<ca::CertificateAuthority>(*material, clock_, "");
    options_.response_lifetime = hours(24);
    options_.responder_lifetime = hours(24 * 6);
    options_.responder_dir = dir_.path() + "/ocsp";
    responder_ = NewResponder();
  }

  std::unique_ptr<OcspResponder> NewResponder() {
    auto r = std::make_unique<OcspResponder>(options_, store_, *ca_, clock_);
    Status started = r->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return r;
  }

  // A record of this CA with `serial_hex` (even length, no leading zero: the store's form) in `state`.
  storage::CertificateRecord& Record(const std::string& serial_hex,
                                     storage::CertificateState state = storage::CertificateState::kIssued) {
    storage::CertificateRecord& r = store_.records[serial_hex];
    r.serial = serial_hex;
    r.state = state;
    r.authority_key_id = ca_->OcspIssuer().subject_key_id();
    r.not_before = kT0;
    r.not_after = kT0 + hours(24 * 90);
    return r;
  }

  static std::string Bytes(const std::string& hex) {
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2)
      out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
  }

  std::string Ask(const std::string& serial_hex, std::optional<std::string> nonce = std::nullopt,
                  crypto::OcspHash hash = crypto::OcspHash::kSha1) {
    crypto::OcspRequest request;
    request.ids.push_back(crypto::CertIdFor(ca_->OcspIssuer(), Bytes(serial_hex), hash));
    request.nonce = std::move(nonce);
    auto der = crypto::BuildOcspRequest(request);
    EXPECT_TRUE(der.ok()) << der.status().ToString();
    return responder_->Respond(der.ok() ? *der : "");
  }

  crypto::OcspResponse Parse(const std::string& der) {
    auto r = crypto::OcspResponse::FromDer(der);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }

  // The single response of a successful, correctly signed answer.
  crypto::OcspSingleResponse Single(const std::string& der) {
    crypto::OcspResponse r = Parse(der);
    EXPECT_EQ(r.status(), OcspResponseStatus::kSuccessful);
    EXPECT_TRUE(r.IsSignedBy(responder_->responder().public_key()));
    auto singles = r.responses();
    EXPECT_EQ(singles.size(), 1u);
    return singles.empty() ? crypto::OcspSingleResponse{} : singles.front();
  }

  anvil::testing::TempDir dir_;
  FakeClock clock_{kT0};
  ScriptedCertificates store_;
  std::unique_ptr<ca::CertificateAuthority> ca_;
  OcspResponderOptions options_;
  std::unique_ptr<OcspResponder> responder_;
};

TEST_F(OcspResponderTest, EachRecordStateGetsItsAnswerAndNoneButIssuedIsGood) {
  Record("1a");
  Record("1b").revoked_at = kT0 - hours(1);
  store_.records["1b"].revocation_reason = 1;
  Record("1c").revoked_at = kT0 - hours(2);  // unspecified: no reason
  Record("1d", storage::CertificateState::kPending);
  Record("1e", storage::CertificateState::kAbandoned);
  Record("1f").authority_key_id = "another issuer";

  crypto::OcspSingleResponse good = Single(Ask("1a"));
  EXPECT_EQ(good.status, OcspCertStatus::kGood);
  EXPECT_EQ(good.this_update, kT0);
  EXPECT_EQ(good.next_update, kT0 + hours(24));
  crypto::OcspSingleResponse revoked = Single(Ask("1b"));
  EXPECT_EQ(revoked.status, OcspCertStatus::kRevoked);
  EXPECT_EQ(revoked.revoked_at, kT0 - hours(1));
  EXPECT_EQ(revoked.reason, 1);
  EXPECT_EQ(Single(Ask("1c")).reason, -1);
  EXPECT_EQ(Single(Ask("1d")).status, OcspCertStatus::kUnknown);
  crypto::OcspSingleResponse never = Single(Ask("1e"));
  EXPECT_EQ(never.status, OcspCertStatus::kRevoked);  // RFC 6960 §2.2: never issued
  EXPECT_EQ(never.revoked_at, FromUnixSeconds(0));
  EXPECT_EQ(never.reason, 6);
  EXPECT_EQ(Single(Ask("1f")).status, OcspCertStatus::kUnknown);
  EXPECT_EQ(Single(Ask("7777")).status, OcspCertStatus::kUnknown);
  EXPECT_EQ(Single(Ask("1a", std::nullopt, crypto::OcspHash::kSha256)).status, OcspCertStatus::kGood);
}

TEST_F(OcspResponderTest, RequestsItCannotAnswerAreRefusedUnsigned) {
  EXPECT_EQ(Parse(responder_->Respond("garbage")).status(), OcspResponseStatus::kMalformedRequest);
  EXPECT_EQ(Parse(responder_->Respond("")).status(), OcspResponseStatus::kMalformedRequest);
  // A CertID for another issuer (the root): not ours to answer.
  crypto::OcspRequest other;
  other.ids.push_back(crypto::CertIdFor(ca_->material().root, Bytes("1a")));
  EXPECT_EQ(Parse(responder_->Respond(*crypto::BuildOcspRequest(other))).status(),
            OcspResponseStatus::kUnauthorized);
  Record("1a");
  store_.error = Error(Code::kUnavailable, "database is locked");
  EXPECT_EQ(Parse(Ask("1a")).status(), OcspResponseStatus::kInternalError);
}

TEST_F(OcspResponderTest, TheResponderCertificateIsDelegatedKeptAndRenewed) {
  crypto::Certificate cert = responder_->responder();
  EXPECT_TRUE(cert.IsSignedBy(ca_->OcspIssuer().public_key()));
  EXPECT_EQ(cert.ext_key_usages(), std::vector<std::string>{"OCSPSigning"});
  Record("1a");
  EXPECT_EQ(Parse(Ask("1a")).certificates().front().ToDer(), cert.ToDer());  // sent along for the client
  // A restart keeps it.
  responder_ = NewResponder();
  EXPECT_EQ(responder_->responder().ToDer(), cert.ToDer());
  // With a third of its life left it is replaced, and the new one signs.
  clock_.Set(kT0 + hours(24 * 4) + hours(1));
  EXPECT_EQ(Single(Ask("1a")).status, OcspCertStatus::kGood);
  EXPECT_NE(responder_->responder().ToDer(), cert.ToDer());
}

TEST_F(OcspResponderTest, CachedAnswersAreReusedUntilARevocationOrHalfTheirLife) {
  Record("1a");
  const std::string first = Ask("1a");
  const int reads = store_.reads;
  EXPECT_EQ(Ask("1a"), first);  // from the cache: same bytes, no store read
  EXPECT_EQ(store_.reads, reads);
  // Revoked: the next answer says so.
  store_.records["1a"].revoked_at = kT0;
  responder_->Revoked("1a");
  EXPECT_EQ(Single(Ask("1a")).status, OcspCertStatus::kRevoked);
  // Half the lifetime later it is signed again.
  const std::string cached = Ask("1a");
  clock_.Set(kT0 + hours(12));
  const std::string fresh = Ask("1a");
  EXPECT_NE(fresh, cached);
  EXPECT_EQ(Single(fresh).this_update, kT0 + hours(12));
}

TEST_F(OcspResponderTest, ForgettingTheCacheSignsEachAnswerAgainFromTheStore) {
  Record("1a");
  Record("1b");
  EXPECT_EQ(Single(Ask("1a")).status, OcspCertStatus::kGood);
  EXPECT_EQ(Single(Ask("1b")).status, OcspCertStatus::kGood);
  // Revoked by another process: this responder was not told which.
  store_.records["1a"].revoked_at = kT0;
  EXPECT_EQ(Single(Ask("1a")).status, OcspCertStatus::kGood);  // still the cached answer
  responder_->ForgetCachedResponses();
  const int reads = store_.reads;
  EXPECT_EQ(Single(Ask("1a")).status, OcspCertStatus::kRevoked);
  EXPECT_EQ(Single(Ask("1b")).status, OcspCertStatus::kGood);
  EXPECT_EQ(store_.reads, reads + 2);
}

TEST_F(OcspResponderTest, ANonceIsEchoedAndNeverServedFromTheCache) {
  Record("1a");
  const std::string one = Ask("1a", std::string("nonce-one"));
  EXPECT_EQ(Parse(one).nonce(), std::string("nonce-one"));
  const std::string two = Ask("1a", std::string("nonce-two"));
  EXPECT_EQ(Parse(two).nonce(), std::string("nonce-two"));
  EXPECT_EQ(Parse(Ask("1a")).nonce(), std::nullopt);
}

}  // namespace
}  // namespace anvil::publish
