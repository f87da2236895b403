// tls-alpn-01 (RFC 8737; RFC 8738 §6) against an http::Server TLS responder on loopback that serves a
// per-test challenge certificate for "acme-tls/1" handshakes.
#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <mutex>

#include "crypto/certificate.h"
#include "crypto/digest.h"
#include "http/server.h"
#include "va/va_test_fixture.h"

namespace anvil::va {
namespace {

using acme::ChallengeType;
using acme::IdentifierType;
using std::chrono::milliseconds;

constexpr char kKeyAuthorization[] = "tok_abc-123.thumbprint";
constexpr char kPrefix[] = "Incorrect validation certificate for tls-alpn-01 challenge. ";

struct Pem {
  std::string chain, key;
};

// A self-signed certificate from crypto (the acmeIdentifier extension, when present, is critical).
Pem Issue(std::vector<std::string> dns_names, std::vector<std::string> ips,
          std::optional<std::string> acme_id) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  EXPECT_TRUE(key.ok());
  crypto::CertificateTemplate t;
  t.serial = "\x01\x02\x03";
  t.not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
  t.not_after = std::chrono::system_clock::now() + std::chrono::hours(1);
  t.dns_names = std::move(dns_names);
  t.ip_addresses = std::move(ips);
  t.acme_identifier = std::move(acme_id);
  auto cert = crypto::IssueCertificate(t, key->public_key(), nullptr, *key);
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  return Pem{cert->ToPem(), key->ToPem()};
}

// The one certificate crypto's builder cannot make on purpose: acmeIdentifier present but NOT critical. Built
// with OpenSSL directly, in this test only.
Pem IssueWithNonCriticalAcmeIdentifier(const std::string& dns_name, const std::string& digest) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, pkey);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, ("DNS:" + dns_name).c_str());
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  ASN1_OCTET_STRING* inner = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(inner, reinterpret_cast<const unsigned char*>(digest.data()),
                        static_cast<int>(digest.size()));
  unsigned char* der = nullptr;
  const int der_len = i2d_ASN1_OCTET_STRING(inner, &der);
  ASN1_OCTET_STRING* outer = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(outer, der, der_len);
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, /*crit=*/0, outer);
  X509_add_ext(x, ext, -1);
  X509_sign(x, pkey, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  PEM_write_bio_PrivateKey(key_bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  Pem pem;
  long n = BIO_get_mem_data(cert_bio, &data);
  pem.chain.assign(data, static_cast<size_t>(n));
  n = BIO_get_mem_data(key_bio, &data);
  pem.key.assign(data, static_cast<size_t>(n));
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_EXTENSION_free(ext);
  ASN1_OBJECT_free(oid);
  ASN1_OCTET_STRING_free(outer);
  OPENSSL_free(der);
  ASN1_OCTET_STRING_free(inner);
  X509_free(x);
  EVP_PKEY_free(pkey);
  return pem;
}

// A TLS responder: a default certificate for ordinary handshakes, `challenge` for acme-tls/1 ones.
class TlsAlpnResponder {
 public:
  Status Start(std::vector<std::string> alpn = {"acme-tls/1"}) {
    default_ = Issue({"default.test"}, {}, std::nullopt);
    http::ServerOptions options;
    options.listen = {{"127.0.0.1", 0}};
    options.tls_certificate_chain_pem = default_.chain;
    options.tls_private_key_pem = default_.key;
    options.alpn_protocols = std::move(alpn);
    options.io_threads = 1;
    options.worker_threads = 1;
    options.certificate_selector =
        [this](const std::string& sni,
               const std::string& alpn_selected) -> std::optional<std::pair<std::string, std::string>> {
      std::lock_guard<std::mutex> lock(mu_);
      snis_.push_back(sni);
      if (alpn_selected != "acme-tls/1" || !challenge_) return std::nullopt;
      return std::make_pair(challenge_->chain, challenge_->key);
    };
    auto server =
        http::Server::Start(std::move(options), [](const http::Request&) { return http::Response{}; });
    if (!server.ok()) return server.status();
    server_ = std::move(server).value();
    return Status::Ok();
  }
  uint16_t port() const { return server_->ports().front(); }
  void SetChallenge(Pem pem) {
    std::lock_guard<std::mutex> lock(mu_);
    challenge_ = std::move(pem);
  }
  std::vector<std::string> snis() const {
    std::lock_guard<std::mutex> lock(mu_);
    return snis_;
  }

 private:
  Pem default_;
  mutable std::mutex mu_;
  std::optional<Pem> challenge_;
  std::vector<std::string> snis_;
  std::unique_ptr<http::Server> server_;
};

class TlsAlpn01Test : public testing::ValidatorTest {
 protected:
  void SetUp() override {
    ValidatorTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Status s = responder_.Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    options_.tls_alpn_port = responder_.port();
    options_.tls_timeout = milliseconds(5000);
    options_.workers = 2;
  }

  ValidationResult Run(IdentifierType type, const std::string& value) {
    return RunOne(options_,
                  Request(ChallengeType::kTlsAlpn01, type, value, "tok_abc-123", kKeyAuthorization));
  }

  const std::string digest_ = crypto::Sha256(kKeyAuthorization);
  TlsAlpnResponder responder_;
  ValidatorOptions options_;
};

TEST_F(TlsAlpn01Test, ValidByName) {
  responder_.SetChallenge(Issue({"example.test"}, {}, digest_));
  ValidationResult r = Run(IdentifierType::kDns, "example.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].hostname, "example.test");
  EXPECT_EQ(r.records[0].port, std::to_string(responder_.port()));
  EXPECT_EQ(r.records[0].address_used, "127.0.0.1");
  EXPECT_EQ(responder_.snis(), std::vector<std::string>{"example.test"});
}

TEST_F(TlsAlpn01Test, ValidByIpWithReverseDnsSni) {
  responder_.SetChallenge(Issue({}, {"127.0.0.1"}, digest_));
  ValidationResult r = Run(IdentifierType::kIp, "127.0.0.1");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(responder_.snis(), std::vector<std::string>{"1.0.0.127.in-addr.arpa"});  // RFC 8738 §6
}

TEST_F(TlsAlpn01Test, IpIdentifierNeedsIpAddressSan) {
  responder_.SetChallenge(Issue({"127.0.0.1.example.test"}, {}, digest_));
  ValidationResult r = Run(IdentifierType::kIp, "127.0.0.1");
  EXPECT_EQ(r.status.code(), Code::kUnauthorized);
  EXPECT_EQ(r.status.message(), std::string(kPrefix) +
                                    "Requested iPAddress 127.0.0.1, but the certificate names \"dNSName "
                                    "127.0.0.1.example.test\"");
}

TEST_F(TlsAlpn01Test, WrongAlpnIsUnauthorized) {
  TlsAlpnResponder plain;
  ASSERT_TRUE(plain.Start({"http/1.1"}).ok());
  options_.tls_alpn_port = plain.port();
  ValidationResult r = Run(IdentifierType::kDns, "example.test");
  EXPECT_EQ(r.status.code(), Code::kUnauthorized);
  EXPECT_EQ(
      r.status.message(),
      "Cannot negotiate ALPN protocol \"acme-tls/1\" for tls-alpn-01 challenge (the server selected \"\")");
}

TEST_F(TlsAlpn01Test, MissingExtensionIsUnauthorized) {
  responder_.SetChallenge(Issue({"example.test"}, {}, std::nullopt));
  ValidationResult r = Run(IdentifierType::kDns, "example.test");
  EXPECT_EQ(r.status.code(), Code::kUnauthorized);
  EXPECT_EQ(r.status.message(), std::string(kPrefix) + "The acmeIdentifier extension is missing");
}

TEST_F(TlsAlpn01Test, NonCriticalExtensionIsIncorrectResponse) {
  responder_.SetChallenge(IssueWithNonCriticalAcmeIdentifier("example.test", digest_));
  ValidationResult r = Run(IdentifierType::kDns, "example.test");
  EXPECT_EQ(r.status.code(), Code::kIncorrectResponse);
  EXPECT_EQ(r.status.message(), std::string(kPrefix) + "The acmeIdentifier extension is not critical");
}

TEST_F(TlsAlpn01Test, WrongHashIsIncorrectResponse) {
  const std::string other = crypto::Sha256("tok_abc-123.other-account");
  responder_.SetChallenge(Issue({"example.test"}, {}, other));
  ValidationResult r = Run(IdentifierType::kDns, "example.test");
  EXPECT_EQ(r.status.code(), Code::kIncorrectResponse);
  EXPECT_EQ(r.status.message(), std::string(kPrefix) + "The acmeIdentifier extension's value (" +
                                    crypto::HexEncode(other) +
                                    ") is not SHA-256 of the expected key authorization");
}

TEST_F(TlsAlpn01Test, TwoSansAreUnauthorized) {
  responder_.SetChallenge(Issue({"example.test", "other.test"}, {}, digest_));
  ValidationResult r = Run(IdentifierType::kDns, "example.test");
  EXPECT_EQ(r.status.code(), Code::kUnauthorized);
  EXPECT_EQ(r.status.message(),
            std::string(kPrefix) +
                "Requested dNSName example.test, but the certificate has 2 subjectAltName "
                "entries; exactly one is required");
}

TEST_F(TlsAlpn01Test, WrongNameIsUnauthorized) {
  responder_.SetChallenge(Issue({"other.test"}, {}, digest_));
  ValidationResult r = Run(IdentifierType::kDns, "example.test");
  EXPECT_EQ(r.status.code(), Code::kUnauthorized);
  EXPECT_EQ(r.status.message(),
            std::string(kPrefix) +
                "Requested dNSName example.test, but the certificate names \"dNSName other.test\"");
}

TEST_F(TlsAlpn01Test, ConnectionRefusedIsConnectionProblem) {
  auto port = testing::FreePort();
  ASSERT_TRUE(port.ok());
  options_.tls_alpn_port = *port;
  ValidationResult r = Run(IdentifierType::kDns, "example.test");
  EXPECT_EQ(r.status.code(), Code::kConnection);
}

TEST_F(TlsAlpn01Test, SilentTargetTimesOut) {
  auto silent = testing::SilentTcpServer::Start();
  ASSERT_TRUE(silent.ok());
  options_.tls_alpn_port = (*silent)->port();
  options_.tls_timeout = milliseconds(800);
  const auto start = std::chrono::steady_clock::now();
  ValidationResult r = Run(IdentifierType::kDns, "example.test");
  EXPECT_EQ(r.status.code(), Code::kConnection);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(3000));
}

TEST_F(TlsAlpn01Test, WildcardIsMalformed) {
  EXPECT_EQ(Run(IdentifierType::kDns, "*.example.test").status.code(), Code::kMalformed);
}

}  // namespace
}  // namespace anvil::va
