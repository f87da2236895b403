#include "crypto/crl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/openssl_cli_test_util.h"
#include "crypto/test_ca.h"

namespace anvil::crypto {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using testing::HasSubstr;

constexpr char kCrlUrl[] = "http://crl.example/intermediate.crl";

using test_ca::TestCa;
TimePoint Now() { return test_ca::WholeSecondsNow(); }
Result<TestCa> BuildCa(KeyType type) { return test_ca::BuildTestCa(type, "CRL"); }

// Built once per key type for the whole binary: RSA key generation is slow.
const TestCa* CaFor(KeyType type) {
  static std::map<KeyType, TestCa> cache;
  auto it = cache.find(type);
  if (it == cache.end()) {
    auto ca = BuildCa(type);
    if (!ca.ok()) {
      ADD_FAILURE() << "cannot build the test CA: " << ca.status().ToString();
      return nullptr;
    }
    it = cache.emplace(type, std::move(ca).value()).first;
  }
  return &it->second;
}

// The serials below, in the order SignCrl must write them, and the template listing them out of order.
CrlTemplate ExampleTemplate(TimePoint now) {
  CrlTemplate tmpl;
  tmpl.this_update = now - hours(1);
  tmpl.next_update = now + hours(24 * 7);
  tmpl.crl_number = std::string("\x01\x00", 2);
  tmpl.distribution_point_url = kCrlUrl;
  tmpl.entries = {
      {.serial = std::string("\x00\x80\x01", 3), .revoked_at = now - hours(5), .reason = 0},  // Leading zero.
      {.serial = "\x05", .revoked_at = now - hours(4), .reason = 1},
      {.serial = std::string("\x01\x00\x00", 3), .revoked_at = now - hours(3), .reason = 10},
      {.serial = "\x02", .revoked_at = now - hours(2), .reason = 4},
      {.serial = std::string("\x7f\x00", 2), .revoked_at = now - minutes(90), .reason = 0},
  };
  return tmpl;
}

// Parses DER with OpenSSL directly, to check what crypto/ wrote independently of crypto/'s reader.
struct CrlFree {
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};
std::unique_ptr<X509_CRL, CrlFree> OpenSslParse(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return std::unique_ptr<X509_CRL, CrlFree>(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
}

std::string Bytes(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

// extnValue contents and criticality of the CRL extension `nid`; nullopt if absent.
std::optional<std::pair<std::string, bool>> CrlExtension(X509_CRL* crl, int nid) {
  int idx = X509_CRL_get_ext_by_NID(crl, nid, -1);
  if (idx < 0) return std::nullopt;
  X509_EXTENSION* ext = X509_CRL_get_ext(crl, idx);
  return std::make_pair(Bytes(X509_EXTENSION_get_data(ext)), X509_EXTENSION_get_critical(ext) == 1);
}

// Minimal magnitudes compare as numbers when shorter sorts first.
bool SerialLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

struct KeyCase {
  KeyType type;
  const char* name;
  const char* signature_algorithm;
  int parameter_type;  // Of the signature AlgorithmIdentifier.
};

class CrlByIssuerKey : public testing::TestWithParam<KeyCase> {
 protected:
  void SetUp() override {
    ca_ = CaFor(GetParam().type);
    ASSERT_NE(ca_, nullptr);
  }
  Result<Crl> SignAndParse(const CrlTemplate& tmpl) {
    ANVIL_ASSIGN_OR_RETURN(std::string der, SignCrl(tmpl, ca_->issuer, ca_->issuer_key));
    return Crl::FromDer(der);
  }
  const TestCa* ca_ = nullptr;
  TimePoint now_ = Now();
};

TEST_P(CrlByIssuerKey, FieldsReadBackAsBuilt) {
  const CrlTemplate tmpl = ExampleTemplate(now_);
  auto crl = SignAndParse(tmpl);
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_EQ(crl->version(), 2);
  EXPECT_EQ(crl->issuer(), ca_->issuer.subject());
  EXPECT_EQ(crl->issuer(), "CN=Anvil CRL Test Intermediate,O=Anvil,C=DE");
  EXPECT_EQ(crl->this_update(), tmpl.this_update);
  EXPECT_EQ(crl->next_update(), tmpl.next_update);
  EXPECT_EQ(crl->crl_number(), std::string("\x01\x00", 2));
  EXPECT_EQ(crl->authority_key_id(), ca_->issuer.subject_key_id());
  EXPECT_EQ(crl->authority_key_id().size(), 20u);
  auto idp = crl->issuing_distribution_point();
  ASSERT_TRUE(idp.has_value());
  EXPECT_EQ(idp->url, kCrlUrl);
  EXPECT_TRUE(idp->critical);
  EXPECT_TRUE(idp->only_user_certs);
  EXPECT_EQ(crl->signature_algorithm(), GetParam().signature_algorithm);

  // Sorted by serial whatever the template's order; reason 0 when written without a reasonCode.
  std::vector<CrlEntry> entries = crl->entries();
  ASSERT_EQ(entries.size(), 5u);
  const std::pair<std::string, int> expected[] = {{"\x02", 4},
                                                  {"\x05", 1},
                                                  {std::string("\x7f\x00", 2), 0},
                                                  {std::string("\x80\x01", 2), 0},
                                                  {std::string("\x01\x00\x00", 3), 10}};
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].serial, expected[i].first) << "entry " << i;
    EXPECT_EQ(entries[i].reason, expected[i].second) << "entry " << i;
  }
  EXPECT_EQ(entries[0].revoked_at, now_ - hours(2));
  EXPECT_EQ(entries[4].revoked_at, now_ - hours(3));

  const std::string der = crl->ToDer();
  const std::string pem = crl->ToPem();
  EXPECT_EQ(pem.rfind("-----BEGIN X509 CRL-----\n", 0), 0u);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                BIO_free);
  std::unique_ptr<X509_CRL, CrlFree> from_pem(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(from_pem);
  unsigned char* reencoded = nullptr;
  int len = i2d_X509_CRL(from_pem.get(), &reencoded);
  ASSERT_GT(len, 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(reencoded), static_cast<size_t>(len)), der);
  OPENSSL_free(reencoded);
}

// The encodings RFC 5280 §5 asks for, checked byte for byte on what OpenSSL parses.
TEST_P(CrlByIssuerKey, ExtensionsAndEntriesHaveTheProfileEncoding) {
  auto der = SignCrl(ExampleTemplate(now_), ca_->issuer, ca_->issuer_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto x = OpenSslParse(*der);
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_CRL_get_version(x.get()), X509_CRL_VERSION_2);
  EXPECT_EQ(X509_CRL_get_ext_count(x.get()), 3);
  // AKI: non-critical, keyIdentifier [0] only.
  EXPECT_EQ(
      CrlExtension(x.get(), NID_authority_key_identifier),
      std::make_pair(internal::DerTlv(0x30, internal::DerTlv(0x80, ca_->issuer.subject_key_id())), false));
  // cRLNumber: non-critical INTEGER.
  EXPECT_EQ(CrlExtension(x.get(), NID_crl_number),
            std::make_pair(internal::DerUnsignedInteger(std::string("\x01\x00", 2)), false));
  // IDP: critical; distributionPoint [0] { fullName [0] { URI [6] } }, onlyContainsUserCerts [1] TRUE.
  const std::string idp =
      internal::DerTlv(0x30, internal::DerTlv(0xa0, internal::DerTlv(0xa0, internal::DerTlv(0x86, kCrlUrl))) +
                                 std::string("\x81\x01\xff", 3));
  EXPECT_EQ(CrlExtension(x.get(), NID_issuing_distribution_point), std::make_pair(idp, true));

  // Signature AlgorithmIdentifier: the issuer's, with NULL parameters only for RSA.
  const X509_ALGOR* alg = nullptr;
  X509_CRL_get0_signature(x.get(), nullptr, &alg);
  int parameter_type = -2;
  X509_ALGOR_get0(nullptr, &parameter_type, nullptr, alg);
  EXPECT_EQ(parameter_type, GetParam().parameter_type);

  // Entries: reasonCode only when the reason is not 0, non-critical ENUMERATED.
  const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(x.get());
  ASSERT_EQ(sk_X509_REVOKED_num(revoked), 5);
  const int reasons[] = {4, 1, 0, 0, 10};
  for (int i = 0; i < 5; ++i) {
    const X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    if (reasons[i] == 0) {
      EXPECT_EQ(X509_REVOKED_get_ext_count(r), 0) << "entry " << i;
      continue;
    }
    ASSERT_EQ(X509_REVOKED_get_ext_count(r), 1) << "entry " << i;
    X509_EXTENSION* ext = X509_REVOKED_get_ext(r, 0);
    EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(ext)), NID_crl_reason);
    EXPECT_EQ(X509_EXTENSION_get_critical(ext), 0);
    EXPECT_EQ(Bytes(X509_EXTENSION_get_data(ext)),
              std::string("\x0a\x01", 2) + static_cast<char>(reasons[i]));
  }
}

TEST_P(CrlByIssuerKey, SignatureVerifiesOnlyWithTheIssuerKey) {
  auto crl = SignAndParse(ExampleTemplate(now_));
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_TRUE(crl->IsSignedBy(ca_->issuer_key.public_key()));
  EXPECT_TRUE(crl->IsSignedBy(ca_->issuer.public_key()));
  EXPECT_FALSE(crl->IsSignedBy(ca_->root_key.public_key()));  // Same type, other key.
  const TestCa* other = CaFor(GetParam().type == KeyType::kEcP256 ? KeyType::kEd25519 : KeyType::kEcP256);
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE(crl->IsSignedBy(other->issuer_key.public_key()));  // Other type.

  std::string tampered = crl->ToDer();
  tampered.back() = static_cast<char>(tampered.back() ^ 0x01);  // Last octet of the signature.
  auto bad = Crl::FromDer(tampered);
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  EXPECT_FALSE(bad->IsSignedBy(ca_->issuer_key.public_key()));
}

TEST_P(CrlByIssuerKey, EmptyCrlIsValid) {
  CrlTemplate tmpl;
  tmpl.this_update = now_;
  tmpl.next_update = now_ + hours(24);
  tmpl.crl_number = std::string(1, '\0');
  auto crl = SignAndParse(tmpl);
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_TRUE(crl->entries().empty());
  EXPECT_FALSE(crl->issuing_distribution_point().has_value());
  EXPECT_EQ(crl->crl_number(), std::string(1, '\0'));
  EXPECT_TRUE(crl->IsSignedBy(ca_->issuer_key.public_key()));
  // §5.1.2.6: with no revoked certificates the list is absent, not an empty SEQUENCE: the TBSCertList goes
  // from nextUpdate straight to the [0] crlExtensions.
  const std::string der = crl->ToDer();
  std::string_view in = der;
  auto body = internal::ReadDerOf(in, 0x30);
  ASSERT_TRUE(body);
  auto tbs = internal::ReadDerOf(*body, 0x30);
  ASSERT_TRUE(tbs);
  std::vector<unsigned char> tags;
  while (auto element = internal::ReadDer(*tbs)) tags.push_back(element->tag);
  // version, signature, issuer, thisUpdate, nextUpdate (UTCTime), crlExtensions.
  EXPECT_EQ(tags, (std::vector<unsigned char>{0x02, 0x30, 0x30, 0x17, 0x17, 0xa0}));
  EXPECT_TRUE(tbs->empty());
}

// ---- Independent check with the openssl command-line tool.

using cli_testing::CliTempDir;
using cli_testing::CommandResult;
using cli_testing::RunCommand;

TEST_P(CrlByIssuerKey, OpenSslCommandLineChecksRevocation) {
  constexpr char kOpenSsl[] = "/usr/bin/openssl";
  if (access(kOpenSsl, X_OK) != 0) GTEST_SKIP() << kOpenSsl << " is not installed";
  auto leaf_key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(leaf_key.ok());
  CertificateTemplate leaf_tmpl;
  leaf_tmpl.serial = std::string("\x10\x01", 2);
  leaf_tmpl.subject.common_name = "leaf.example";
  leaf_tmpl.dns_names = {"leaf.example"};
  leaf_tmpl.not_before = now_ - hours(1);
  leaf_tmpl.not_after = now_ + hours(24 * 90);
  leaf_tmpl.crl_url = kCrlUrl;  // Must match the CRL's IDP for OpenSSL to use the CRL.
  auto leaf = IssueCertificate(leaf_tmpl, leaf_key->public_key(), &ca_->issuer, ca_->issuer_key);
  ASSERT_TRUE(leaf.ok()) << leaf.status().ToString();

  CrlTemplate revoking = ExampleTemplate(now_);
  revoking.entries.push_back({.serial = leaf->serial_bytes(), .revoked_at = now_ - minutes(30), .reason = 1});
  auto revoking_der = SignCrl(revoking, ca_->issuer, ca_->issuer_key);
  ASSERT_TRUE(revoking_der.ok()) << revoking_der.status().ToString();
  auto revoking_crl = Crl::FromDer(*revoking_der);
  ASSERT_TRUE(revoking_crl.ok());
  auto clean_crl = SignAndParse(ExampleTemplate(now_));  // Lists others, not the leaf.
  ASSERT_TRUE(clean_crl.ok()) << clean_crl.status().ToString();

  CliTempDir dir("anvil_crl_test");
  ASSERT_FALSE(dir.path().empty());
  const std::string root = dir.Write("root.pem", ca_->root.ToPem());
  const std::string intermediate = dir.Write("intermediate.pem", ca_->issuer.ToPem());
  const std::string leaf_pem = dir.Write("leaf.pem", leaf->ToPem());
  const std::string crl_der = dir.Write("crl.der", *revoking_der);
  const std::string crl_pem = dir.Write("crl.pem", revoking_crl->ToPem());
  const std::string clean_pem = dir.Write("clean.pem", clean_crl->ToPem());

  CommandResult text =
      RunCommand(std::string(kOpenSsl) + " crl -inform DER -noout -text -in '" + crl_der + "'");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("Version 2"));
  EXPECT_THAT(text.output, HasSubstr("Key Compromise"));
  EXPECT_THAT(text.output, HasSubstr("X509v3 Issuing Distribution Point: critical"));
  EXPECT_THAT(text.output, HasSubstr("Only User Certificates"));
  EXPECT_THAT(text.output, HasSubstr(GetParam().signature_algorithm));

  const std::string verify = std::string(kOpenSsl) + " verify -crl_check -CAfile '" + root +
                             "' -untrusted '" + intermediate + "' -CRLfile ";
  CommandResult revoked = RunCommand(verify + "'" + crl_pem + "' '" + leaf_pem + "'");
  EXPECT_NE(revoked.exit_code, 0) << revoked.output;
  EXPECT_THAT(revoked.output, HasSubstr("certificate revoked"));
  CommandResult valid = RunCommand(verify + "'" + clean_pem + "' '" + leaf_pem + "'");
  EXPECT_EQ(valid.exit_code, 0) << valid.output;
  EXPECT_THAT(valid.output, HasSubstr(": OK"));
}

INSTANTIATE_TEST_SUITE_P(
    CrlIssuerKeys, CrlByIssuerKey,
    testing::Values(KeyCase{KeyType::kEcP256, "P256", "ecdsa-with-SHA256", V_ASN1_UNDEF},
                    KeyCase{KeyType::kEcP384, "P384", "ecdsa-with-SHA384", V_ASN1_UNDEF},
                    KeyCase{KeyType::kRsa2048, "Rsa2048", "sha256WithRSAEncryption", V_ASN1_NULL},
                    KeyCase{KeyType::kEd25519, "Ed25519", "ED25519", V_ASN1_UNDEF}),
    [](const testing::TestParamInfo<KeyCase>& key_case) { return std::string(key_case.param.name); });

// ---- Refusals, limits and the reader, with one P-256 issuer.

class CrlTest : public testing::Test {
 protected:
  void SetUp() override {
    ca_ = CaFor(KeyType::kEcP256);
    ASSERT_NE(ca_, nullptr);
  }
  const TestCa* ca_ = nullptr;
  TimePoint now_ = Now();
};

TEST_F(CrlTest, SignRefusesBadTemplatesWithInvalidArgument) {
  struct Case {
    const char* name;
    std::function<void(CrlTemplate&)> change;
    const char* message;
  };
  const std::string twenty_one(21, '\x01');
  const Case cases[] = {
      {"next_update == this_update", [](CrlTemplate& t) { t.next_update = t.this_update; },
       "next_update must be after this_update"},
      {"next_update before this_update", [](CrlTemplate& t) { t.next_update = t.this_update - hours(1); },
       "next_update must be after this_update"},
      {"next_update in the same second",
       [](CrlTemplate& t) { t.next_update = t.this_update + milliseconds(500); },
       "next_update must be after this_update"},
      {"empty CRL number", [](CrlTemplate& t) { t.crl_number.clear(); }, "crl_number is empty"},
      {"21-octet CRL number", [&](CrlTemplate& t) { t.crl_number = twenty_one; },
       "crl_number is longer than 20 octets"},
      {"20 octets with the top bit set (21 in DER)",
       [](CrlTemplate& t) { t.crl_number = "\x80" + std::string(19, '\x01'); },
       "crl_number is longer than 20 octets"},
      {"empty serial", [](CrlTemplate& t) { t.entries[2].serial.clear(); },
       "revoked entry 2: serial is empty"},
      {"21-octet serial", [&](CrlTemplate& t) { t.entries[1].serial = twenty_one; },
       "revoked entry 1: serial is longer than 20 octets"},
      {"reason 7", [](CrlTemplate& t) { t.entries[0].reason = 7; }, "reason 7 is not a CRLReason"},
      {"reason 8", [](CrlTemplate& t) { t.entries[0].reason = 8; }, "removeFromCRL"},
      {"reason -1", [](CrlTemplate& t) { t.entries[0].reason = -1; }, "reason -1 is not a CRLReason"},
      {"reason 11", [](CrlTemplate& t) { t.entries[3].reason = 11; }, "revoked entry 3: reason 11"},
      {"duplicate serial", [](CrlTemplate& t) { t.entries.push_back(t.entries[1]); },
       "serial 05 is listed twice"},
      {"duplicate serial with a leading zero",
       [](CrlTemplate& t) {
         t.entries.push_back(
             {.serial = std::string("\x00\x02", 2), .revoked_at = t.this_update, .reason = 0});
       },
       "serial 02 is listed twice"},
      {"URL with a space", [](CrlTemplate& t) { t.distribution_point_url = "http://crl.example/a b"; },
       "URL is not ASCII"},
      {"URL not ASCII", [](CrlTemplate& t) { t.distribution_point_url = "http://crl.exämple/"; },
       "URL is not ASCII"},
  };
  ASSERT_TRUE(SignCrl(ExampleTemplate(now_), ca_->issuer, ca_->issuer_key).ok());
  for (const Case& c : cases) {
    CrlTemplate tmpl = ExampleTemplate(now_);
    c.change(tmpl);
    auto der = SignCrl(tmpl, ca_->issuer, ca_->issuer_key);
    ASSERT_FALSE(der.ok()) << c.name;
    EXPECT_EQ(der.status().code(), Code::kInvalidArgument) << c.name;
    EXPECT_THAT(der.status().message(), HasSubstr(c.message)) << c.name;
  }
}

TEST_F(CrlTest, SignRefusesAKeyThatIsNotTheIssuers) {
  auto der = SignCrl(ExampleTemplate(now_), ca_->issuer, ca_->root_key);
  ASSERT_FALSE(der.ok());
  EXPECT_EQ(der.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(der.status().message(), HasSubstr("not the key of the issuer certificate"));
}

TEST_F(CrlTest, SignRefusesAnIssuerWithoutSubjectKeyIdentifier) {
  // A v3 CA certificate without extensions, made with OpenSSL directly (Anvil's builder always adds an SKI).
  const std::string key_pem = ca_->issuer_key.ToPem();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  ASSERT_TRUE(pkey);
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  ASSERT_TRUE(x);
  X509_NAME* name = X509_get_subject_name(x.get());
  ASSERT_EQ(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("No SKI"), -1, -1, 0),
            1);
  ASSERT_EQ(X509_set_version(x.get(), X509_VERSION_3), 1);
  ASSERT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 3), 1);
  ASSERT_EQ(X509_set_issuer_name(x.get(), name), 1);
  ASSERT_NE(X509_gmtime_adj(X509_getm_notBefore(x.get()), 0), nullptr);
  ASSERT_NE(X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600), nullptr);
  ASSERT_EQ(X509_set_pubkey(x.get(), pkey.get()), 1);
  ASSERT_GT(X509_sign(x.get(), pkey.get(), EVP_sha256()), 0);
  int len = i2d_X509(x.get(), nullptr);
  ASSERT_GT(len, 0);
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  ASSERT_EQ(i2d_X509(x.get(), &p), len);
  auto issuer = Certificate::FromDer(der);
  ASSERT_TRUE(issuer.ok()) << issuer.status().ToString();
  ASSERT_TRUE(issuer->subject_key_id().empty());

  auto crl = SignCrl(ExampleTemplate(now_), *issuer, ca_->issuer_key);
  ASSERT_FALSE(crl.ok());
  EXPECT_EQ(crl.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(crl.status().message(), HasSubstr("no subjectKeyIdentifier"));
}

TEST_F(CrlTest, EveryReasonOtherThanUnspecifiedIsWritten) {
  CrlTemplate tmpl = ExampleTemplate(now_);
  tmpl.entries.clear();
  const int reasons[] = {0, 1, 2, 3, 4, 5, 6, 9, 10};
  for (int reason : reasons) {
    tmpl.entries.push_back({.serial = std::string(1, static_cast<char>(0x40 + reason)),
                            .revoked_at = now_ - hours(reason),
                            .reason = reason});
  }
  auto der = SignCrl(tmpl, ca_->issuer, ca_->issuer_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto crl = Crl::FromDer(*der);
  ASSERT_TRUE(crl.ok());
  std::vector<CrlEntry> entries = crl->entries();
  ASSERT_EQ(entries.size(), std::size(reasons));
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].reason, reasons[i]);
    EXPECT_EQ(entries[i].revoked_at, now_ - hours(reasons[i]));
  }
}

TEST_F(CrlTest, NumbersAndSerialsUpToTwentyOctets) {
  CrlTemplate tmpl = ExampleTemplate(now_);
  const std::string twenty = "\x7f" + std::string(19, '\xff');
  tmpl.crl_number = std::string("\x00\x00", 2) + twenty;  // Leading zeros do not count.
  tmpl.entries = {{.serial = twenty, .revoked_at = now_, .reason = 0},
                  {.serial = std::string(1, '\0'), .revoked_at = now_, .reason = 0}};
  auto der = SignCrl(tmpl, ca_->issuer, ca_->issuer_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto crl = Crl::FromDer(*der);
  ASSERT_TRUE(crl.ok());
  EXPECT_EQ(crl->crl_number(), twenty);
  std::vector<CrlEntry> entries = crl->entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].serial, std::string(1, '\0'));
  EXPECT_EQ(entries[1].serial, twenty);
}

TEST_F(CrlTest, TimesAreUtcTimeBefore2050AndGeneralizedTimeAfter) {
  CrlTemplate tmpl = ExampleTemplate(now_);
  tmpl.next_update = FromUnixSeconds(2871763200);            // 2061-01-01
  tmpl.entries[0].revoked_at = FromUnixSeconds(2524608000);  // 2050-01-01: the first GeneralizedTime.
  tmpl.entries[1].revoked_at = FromUnixSeconds(2524607999);  // 2049-12-31T23:59:59Z
  auto der = SignCrl(tmpl, ca_->issuer, ca_->issuer_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto x = OpenSslParse(*der);
  ASSERT_TRUE(x);
  EXPECT_EQ(ASN1_STRING_type(X509_CRL_get0_lastUpdate(x.get())), V_ASN1_UTCTIME);
  EXPECT_EQ(ASN1_STRING_type(X509_CRL_get0_nextUpdate(x.get())), V_ASN1_GENERALIZEDTIME);
  auto crl = Crl::FromDer(*der);
  ASSERT_TRUE(crl.ok());
  EXPECT_EQ(crl->next_update(), FromUnixSeconds(2871763200));
  std::map<std::string, TimePoint> dates;
  for (const CrlEntry& e : crl->entries()) dates[e.serial] = e.revoked_at;
  EXPECT_EQ(dates[std::string("\x80\x01", 2)], FromUnixSeconds(2524608000));
  EXPECT_EQ(dates["\x05"], FromUnixSeconds(2524607999));
  const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(x.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    const X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    const bool late = Bytes(X509_REVOKED_get0_serialNumber(r)) == std::string("\x80\x01", 2);
    EXPECT_EQ(ASN1_STRING_type(X509_REVOKED_get0_revocationDate(r)),
              late ? V_ASN1_GENERALIZEDTIME : V_ASN1_UTCTIME);
  }
}

TEST_F(CrlTest, FromDerRefusesGarbageTrailingDataAndOtherObjects) {
  auto der = SignCrl(ExampleTemplate(now_), ca_->issuer, ca_->issuer_key);
  ASSERT_TRUE(der.ok());
  ASSERT_TRUE(Crl::FromDer(*der).ok());
  std::string non_minimal_length = *der;  // 30 82 hh ll -> 30 83 00 hh ll: BER, not DER.
  ASSERT_EQ(static_cast<unsigned char>(non_minimal_length[1]), 0x82);
  non_minimal_length.replace(1, 1, std::string("\x83\x00", 2));
  const std::pair<const char*, std::string> cases[] = {
      {"empty", ""},
      {"garbage", "not a CRL at all"},
      {"trailing data", *der + std::string(1, '\0')},
      {"truncated", der->substr(0, der->size() - 1)},
      {"a certificate", ca_->issuer.ToDer()},
      {"non-minimal length", non_minimal_length},
  };
  for (const auto& [name, bytes] : cases) {
    auto crl = Crl::FromDer(bytes);
    ASSERT_FALSE(crl.ok()) << name;
    EXPECT_EQ(crl.status().code(), Code::kMalformed) << name;
  }
}

// RFC 5280 §5.1.1.2: a CRL whose signature verifies but whose TBS names another algorithm than the outer
// signatureAlgorithm is not signed as far as IsSignedBy is concerned.
TEST_F(CrlTest, IsSignedByRefusesMismatchedSignatureAlgorithms) {
  auto der = SignCrl(ExampleTemplate(now_), ca_->issuer, ca_->issuer_key);
  ASSERT_TRUE(der.ok());
  std::string_view in = *der;
  auto body = internal::ReadDerOf(in, 0x30);
  ASSERT_TRUE(body);
  std::string_view tbs_whole, outer_alg;
  ASSERT_TRUE(internal::ReadDerOf(*body, 0x30, &tbs_whole));
  ASSERT_TRUE(internal::ReadDerOf(*body, 0x30, &outer_alg));
  const std::string sha256_alg("\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 12);  // ecdsa-with-SHA256
  ASSERT_EQ(outer_alg, sha256_alg);
  std::string tbs(tbs_whole);
  size_t at = tbs.find(sha256_alg);
  ASSERT_NE(at, std::string::npos);
  tbs[at + sha256_alg.size() - 1] = '\x03';  // The TBS now says ecdsa-with-SHA384.
  auto signature = ca_->issuer_key.Sign(DigestAlg::kSha256, tbs);
  ASSERT_TRUE(signature.ok());
  const std::string forged =
      internal::DerTlv(0x30, tbs + sha256_alg + internal::DerTlv(0x03, std::string(1, '\0') + *signature));
  ASSERT_TRUE(ca_->issuer_key.public_key().Verify(DigestAlg::kSha256, tbs, *signature));

  auto crl = Crl::FromDer(forged);
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_EQ(crl->signature_algorithm(), "ecdsa-with-SHA256");
  EXPECT_FALSE(crl->IsSignedBy(ca_->issuer_key.public_key()));
}

// Count and order only: how long it takes is for the benchmarks.
TEST_F(CrlTest, HundredThousandEntriesSignAndParseBackSorted) {
  constexpr size_t kCount = 100000;
  CrlTemplate tmpl = ExampleTemplate(now_);
  tmpl.entries.clear();
  tmpl.entries.reserve(kCount);
  std::vector<std::string> expected;
  expected.reserve(kCount);
  for (uint64_t i = 1; i <= kCount; ++i) {
    // Multiplying by an odd constant permutes 64-bit values: distinct serials in no particular order.
    uint64_t v = i * 0x9e3779b97f4a7c15ULL;
    std::string serial(8, '\0');
    for (int b = 7; b >= 0; --b, v >>= 8) serial[static_cast<size_t>(b)] = static_cast<char>(v & 0xff);
    tmpl.entries.push_back(
        {.serial = serial, .revoked_at = now_ - minutes(i % 1000), .reason = (i % 3 == 0) ? 4 : 0});
    expected.push_back(serial.substr(std::min(serial.find_first_not_of('\0'), serial.size() - 1)));
  }
  std::sort(expected.begin(), expected.end(), SerialLess);

  auto der = SignCrl(tmpl, ca_->issuer, ca_->issuer_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto crl = Crl::FromDer(*der);
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_TRUE(crl->IsSignedBy(ca_->issuer_key.public_key()));
  std::vector<CrlEntry> entries = crl->entries();
  ASSERT_EQ(entries.size(), kCount);
  for (size_t i = 0; i < kCount; ++i) {
    if (entries[i].serial != expected[i]) {
      FAIL() << "entry " << i << " is " << HexEncode(entries[i].serial) << ", expected "
             << HexEncode(expected[i]);
    }
  }
}

}  // namespace
}  // namespace anvil::crypto
