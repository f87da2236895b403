// The publication front end as a pure function: the current CRL and the CA certificates with their RFC 2585
// media types, 503 before the first CRL, 404 elsewhere, 405 with Allow for other methods.
#include "publish/publication.h"

#include <gtest/gtest.h>

#include "base/base64url.h"
#include "base/file.h"
#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "support/temp_dir.h"

namespace anvil::publish {
namespace {

// No certificates: every OCSP answer is unknown.
class NoCertificates final : public storage::CertificateStore {
 public:
  Result<storage::CertificateRecord> GetCertificate(const std::string&) override {
    return Error(Code::kNotFound, "none");
  }
  Result<std::vector<storage::CertificateRecord>> ListCertificatesForOrder(const std::string&) override {
    return Error(Code::kNotFound, "none");
  }
  Status RevokeCertificate(const std::string&, int, TimePoint, const storage::AuditEvent&) override {
    return Error(Code::kNotFound, "none");
  }
};

// No revocations, no state: enough for a CRL.
class EmptyRevocations final : public storage::RevocationListStore {
 public:
  Result<std::vector<storage::RevokedCertificate>> ListRevokedCertificates(const std::string&, TimePoint,
                                                                           const std::string&, int) override {
    return std::vector<storage::RevokedCertificate>{};
  }
  Result<storage::CrlState> GetCrlState(const std::string&) override {
    return Error(Code::kNotFound, "none");
  }
  Status AdvanceCrlState(const storage::CrlState&, int64_t) override { return Status::Ok(); }
};

http::Request Get(std::string path, std::string method = "GET") {
  http::Request r;
  r.method = std::move(method);
  r.path = path;
  r.target = std::move(path);
  return r;
}

class PublicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto material = ca::LoadOrCreateCa(dir_.path(), ca::CaOptions{}, clock_);
    ASSERT_TRUE(material.ok()) << material.status().ToString();
    ca_ = std::make_unique<ca::CertificateAuthority>(*material, clock_, "");
    updater_ = std::make_unique<CrlUpdater>(CrlUpdaterOptions{}, store_, *ca_, clock_);
    PublicationContent content;
    content.issuer_der["root"] = material->root.ToDer();
    content.root_crl_files["root"] = dir_.path() + "/root.crl";
    content.root_crl_files["root-2"] = dir_.path() + "/root-2.crl";
    content.intermediate_der = material->intermediate.ToDer();
    content.crls[updater_->issuer_id()] = updater_.get();
    ocsp_ = std::make_unique<OcspResponder>(OcspResponderOptions{}, certificates_, *ca_, clock_);
    ASSERT_TRUE(ocsp_->Start().ok());
    content.ocsp = {ocsp_.get()};
    publication_ = std::make_unique<Publication>(std::move(content));
  }

  anvil::testing::TempDir dir_;
  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  EmptyRevocations store_;
  NoCertificates certificates_;
  std::unique_ptr<OcspResponder> ocsp_;
  std::unique_ptr<ca::CertificateAuthority> ca_;
  std::unique_ptr<CrlUpdater> updater_;
  std::unique_ptr<Publication> publication_;
};

TEST_F(PublicationTest, ServesTheCurrentCrlOnceThereIsOne) {
  const std::string path = CrlPath(updater_->issuer_id());
  EXPECT_EQ(publication_->Handle(Get(path)).status, 503);
  ASSERT_TRUE(updater_->UpdateNow().ok());
  http::Response r = publication_->Handle(Get(path));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/pkix-crl");
  EXPECT_EQ(r.body, *updater_->Current());
  EXPECT_EQ(publication_->Handle(Get(path, "HEAD")).status, 200);
  EXPECT_EQ(publication_->Handle(Get("/crl/0000.crl")).status, 404);
}

TEST_F(PublicationTest, ServesEachRootsCrlFromItsFileAsItIsNow) {
  EXPECT_EQ(publication_->Handle(Get(CrlPath("root-2"))).status, 503);  // not signed yet
  ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/root-2.crl", "second root's CRL", 0644).ok());
  http::Response r = publication_->Handle(Get(CrlPath("root-2")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/pkix-crl");
  EXPECT_EQ(r.body, "second root's CRL");
  ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/root-2.crl", "its next CRL", 0644).ok());
  EXPECT_EQ(publication_->Handle(Get(CrlPath("root-2"))).body, "its next CRL");
  EXPECT_EQ(publication_->Handle(Get(CrlPath("root-3"))).status, 404);
}

TEST_F(PublicationTest, AnUpdateServesTheNewContentFromThen) {
  EXPECT_EQ(publication_->Handle(Get("/ca/root-2.der")).status, 404);
  PublicationContent next;
  next.issuer_der["root-2"] = "second root";
  publication_->Update(std::move(next));
  EXPECT_EQ(publication_->Handle(Get("/ca/root-2.der")).body, "second root");
  EXPECT_EQ(publication_->Handle(Get(kRootPath)).status, 404);  // what the update left out is gone
}

TEST_F(PublicationTest, ServesTheCaCertificatesAsDer) {
  http::Response root = publication_->Handle(Get(kRootPath));
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.headers.Get("Content-Type"), "application/pkix-cert");
  EXPECT_EQ(root.body, ca_->material().root.ToDer());
  http::Response intermediate = publication_->Handle(Get(kIntermediatePath));
  EXPECT_EQ(intermediate.body, ca_->material().intermediate.ToDer());
}

TEST_F(PublicationTest, OtherMethodsAndPathsAreRefused) {
  http::Response post = publication_->Handle(Get(kRootPath, "POST"));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.Get("Allow"), "GET, HEAD");
  EXPECT_EQ(publication_->Handle(Get("/directory")).status, 404);
  EXPECT_EQ(publication_->Handle(Get("/ca/root.der/../../etc/passwd")).status, 404);
}

TEST_F(PublicationTest, OcspIsPostedToItsPathOrSentWithGetInTheUrl) {
  crypto::OcspRequest request;
  request.ids.push_back(crypto::CertIdFor(ca_->OcspIssuer(), std::string("\x1a", 1)));
  const std::string der = *crypto::BuildOcspRequest(request);
  http::Request post = Get(kOcspPath, "POST");
  post.body = der;
  http::Response posted = publication_->Handle(post);
  EXPECT_EQ(posted.status, 200);
  EXPECT_EQ(posted.headers.Get("Content-Type"), "application/ocsp-response");
  auto answer = crypto::OcspResponse::FromDer(posted.body);
  ASSERT_TRUE(answer.ok());
  ASSERT_EQ(answer->responses().size(), 1u);
  EXPECT_EQ(answer->responses()[0].status, crypto::OcspCertStatus::kUnknown);
  // GET: base64 with "+", "/" and "=" percent-encoded, as RFC 6960 App. A.1 clients send it.
  std::string encoded;
  for (char c : base64::Encode(der)) {
    if (c == '+')
      encoded += "%2B";
    else if (c == '/')
      encoded += "%2F";
    else if (c == '=')
      encoded += "%3D";
    else
      encoded += c;
  }
  http::Response got = publication_->Handle(Get(std::string(kOcspPath) + "/" + encoded));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, posted.body);  // the same cached answer
  EXPECT_EQ(got.headers.Get("Cache-Control"), "public, max-age=60, no-transform");
  // Garbage in the URL is an OCSP malformedRequest, not an HTTP error; a GET of /ocsp itself is 405.
  auto malformed = crypto::OcspResponse::FromDer(publication_->Handle(Get("/ocsp/%zz")).body);
  ASSERT_TRUE(malformed.ok());
  EXPECT_EQ(malformed->status(), crypto::OcspResponseStatus::kMalformedRequest);
  http::Response wrong = publication_->Handle(Get(kOcspPath));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.Get("Allow"), "POST");
}

}  // namespace
}  // namespace anvil::publish
