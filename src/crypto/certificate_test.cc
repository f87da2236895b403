#include "crypto/certificate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "crypto/digest.h"

namespace anvil::crypto {
namespace {

using std::chrono::hours;
using testing::ElementsAre;

// Whole seconds: X.509 times carry no fractions.
TimePoint Now() { return FromUnixSeconds(ToUnixSeconds(std::chrono::system_clock::now())); }

PrivateKey MustGenerate(KeyType type) {
  auto key = PrivateKey::Generate(type);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return std::move(key).value();
}

// Parses DER with OpenSSL directly, to check what crypto/ produced independently of crypto/'s parser.
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
std::unique_ptr<X509, X509Free> OpenSslParse(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return std::unique_ptr<X509, X509Free>(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// Critical flag of extension `nid`: 1, 0, or -1 if absent.
int Criticality(const Certificate& cert, int nid) {
  auto x = OpenSslParse(cert.ToDer());
  int idx = X509_get_ext_by_NID(x.get(), nid, -1);
  if (idx < 0) return -1;
  return X509_EXTENSION_get_critical(X509_get_ext(x.get(), idx));
}

int SignatureNid(const Certificate& cert) { return X509_get_signature_nid(OpenSslParse(cert.ToDer()).get()); }

struct TestChain {
  PrivateKey root_key = MustGenerate(KeyType::kEcP384);
  PrivateKey intermediate_key = MustGenerate(KeyType::kEcP256);
  PrivateKey leaf_key = MustGenerate(KeyType::kEcP256);
  TimePoint now = Now();
  std::optional<Certificate> root, intermediate, leaf;

  void Build() {
    CertificateTemplate root_tmpl;
    root_tmpl.serial = std::string("\x01", 1);
    root_tmpl.subject = {.common_name = "Anvil Test Root", .organization = "Anvil", .country = "DE"};
    root_tmpl.not_before = now - hours(1);
    root_tmpl.not_after = FromUnixSeconds(2871763200);  // 2061-01-01: encoded as GeneralizedTime.
    root_tmpl.is_ca = true;
    root_tmpl.path_length = 1;
    root_tmpl.digital_signature = false;
    root_tmpl.key_cert_sign = root_tmpl.crl_sign = true;
    auto r = IssueCertificate(root_tmpl, root_key.public_key(), nullptr, root_key);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    root = *r;

    CertificateTemplate inter_tmpl = root_tmpl;
    inter_tmpl.serial = std::string("\x02", 1);
    inter_tmpl.subject = {.common_name = "Anvil Test Intermediate", .organization = "Anvil", .country = "DE"};
    inter_tmpl.not_after = now + hours(24 * 365);
    inter_tmpl.path_length = 0;
    inter_tmpl.ca_issuers_url = "http://ca.example/root.der";
    auto i = IssueCertificate(inter_tmpl, intermediate_key.public_key(), &*root, root_key);
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    intermediate = *i;

    CertificateTemplate leaf_tmpl;
    leaf_tmpl.serial = std::string("\x00\x80\x01\x02", 4);  // Leading zero byte, top bit set after it.
    leaf_tmpl.not_before = now - hours(1);
    leaf_tmpl.not_after = now + hours(24 * 90);
    leaf_tmpl.subject.common_name = "www.example.com";
    leaf_tmpl.dns_names = {"www.example.com", "example.com"};
    leaf_tmpl.ip_addresses = {"192.0.2.7", "2001:db8::7"};
    leaf_tmpl.ext_key_usages = {"serverAuth", "clientAuth", "1.3.6.1.5.5.7.3.99"};
    leaf_tmpl.ca_issuers_url = "http://ca.example/intermediate.der";
    leaf_tmpl.ocsp_url = "http://ocsp.example/";
    leaf_tmpl.crl_url = "http://crl.example/1.crl";
    auto l = IssueCertificate(leaf_tmpl, leaf_key.public_key(), &*intermediate, intermediate_key);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    leaf = *l;
  }
};

TEST(Certificate, RootIntermediateLeafChainVerifies) {
  TestChain chain;
  ASSERT_NO_FATAL_FAILURE(chain.Build());
  const Certificate& root = *chain.root;
  const Certificate& inter = *chain.intermediate;
  const Certificate& leaf = *chain.leaf;

  Status ok = VerifyChain(leaf, {inter}, root, chain.now);
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_TRUE(VerifyChain(inter, {}, root, chain.now).ok());
  // Missing intermediate, wrong anchor, expired, not yet valid.
  EXPECT_EQ(VerifyChain(leaf, {}, root, chain.now).code(), Code::kMalformed);
  EXPECT_EQ(VerifyChain(inter, {}, leaf, chain.now).code(), Code::kMalformed);
  EXPECT_EQ(VerifyChain(leaf, {inter}, root, chain.now + hours(24 * 91)).code(), Code::kMalformed);
  EXPECT_EQ(VerifyChain(leaf, {inter}, root, chain.now - hours(2)).code(), Code::kMalformed);

  EXPECT_TRUE(root.IsSignedBy(chain.root_key.public_key()));
  EXPECT_TRUE(inter.IsSignedBy(chain.root_key.public_key()));
  EXPECT_TRUE(leaf.IsSignedBy(chain.intermediate_key.public_key()));
  EXPECT_FALSE(leaf.IsSignedBy(chain.root_key.public_key()));
  EXPECT_TRUE(leaf.public_key() == chain.leaf_key.public_key());

  // Signature algorithm follows the issuer's curve.
  EXPECT_EQ(SignatureNid(root), NID_ecdsa_with_SHA384);
  EXPECT_EQ(SignatureNid(inter), NID_ecdsa_with_SHA384);
  EXPECT_EQ(SignatureNid(leaf), NID_ecdsa_with_SHA256);
}

TEST(Certificate, KeyIdentifiersLinkTheChain) {
  TestChain chain;
  ASSERT_NO_FATAL_FAILURE(chain.Build());
  EXPECT_EQ(chain.root->subject_key_id().size(), 20u);  // SHA-1.
  EXPECT_EQ(chain.root->authority_key_id(), chain.root->subject_key_id());
  EXPECT_EQ(chain.intermediate->authority_key_id(), chain.root->subject_key_id());
  EXPECT_EQ(chain.leaf->authority_key_id(), chain.intermediate->subject_key_id());
  EXPECT_NE(chain.leaf->subject_key_id(), chain.intermediate->subject_key_id());
  // RFC 5280 §4.2.1.2 method 1, checked against OpenSSL's own computation.
  auto x = OpenSslParse(chain.leaf->ToDer());
  const ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(x.get());
  unsigned char sha1[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ASSERT_EQ(EVP_Digest(ASN1_STRING_get0_data(bits), static_cast<size_t>(ASN1_STRING_length(bits)), sha1, &len,
                       EVP_sha1(), nullptr),
            1);
  EXPECT_EQ(chain.leaf->subject_key_id(), std::string(reinterpret_cast<char*>(sha1), len));
}

TEST(Certificate, FieldsReadBackAsBuilt) {
  TestChain chain;
  ASSERT_NO_FATAL_FAILURE(chain.Build());
  const Certificate& leaf = *chain.leaf;
  EXPECT_EQ(leaf.serial_hex(), "800102");
  EXPECT_EQ(leaf.serial_bytes(), std::string("\x80\x01\x02", 3));
  EXPECT_EQ(chain.root->serial_hex(), "1");
  EXPECT_EQ(leaf.not_before(), chain.now - hours(1));
  EXPECT_EQ(leaf.not_after(), chain.now + hours(24 * 90));
  EXPECT_EQ(chain.root->not_after(), FromUnixSeconds(2871763200));
  EXPECT_EQ(chain.root->subject(), "CN=Anvil Test Root,O=Anvil,C=DE");
  EXPECT_EQ(chain.root->issuer(), chain.root->subject());
  EXPECT_EQ(leaf.issuer(), chain.intermediate->subject());
  EXPECT_EQ(leaf.subject(), "CN=www.example.com");
  EXPECT_EQ(leaf.subject_common_name(), "www.example.com");
  EXPECT_THAT(leaf.dns_names(), ElementsAre("www.example.com", "example.com"));
  EXPECT_THAT(leaf.ip_addresses(), ElementsAre("192.0.2.7", "2001:db8::7"));
  EXPECT_THAT(leaf.ext_key_usages(), ElementsAre("serverAuth", "clientAuth", "1.3.6.1.5.5.7.3.99"));
  EXPECT_TRUE(chain.intermediate->ext_key_usages().empty());
  EXPECT_TRUE(chain.root->is_ca());
  EXPECT_TRUE(chain.intermediate->is_ca());
  EXPECT_FALSE(leaf.is_ca());
  EXPECT_EQ(leaf.fingerprint_sha256(), Sha256(leaf.ToDer()));
  EXPECT_TRUE(chain.root->dns_names().empty());
  auto no_acme = leaf.acme_identifier();
  ASSERT_TRUE(no_acme.ok());
  EXPECT_FALSE(no_acme->has_value());
}

TEST(Certificate, ExtensionsHaveTheProfileCriticality) {
  TestChain chain;
  ASSERT_NO_FATAL_FAILURE(chain.Build());
  const Certificate& leaf = *chain.leaf;
  EXPECT_EQ(Criticality(leaf, NID_basic_constraints), 1);
  EXPECT_EQ(Criticality(leaf, NID_key_usage), 1);
  EXPECT_EQ(Criticality(leaf, NID_ext_key_usage), 0);
  EXPECT_EQ(Criticality(leaf, NID_subject_alt_name), 0);  // The subject is not empty.
  EXPECT_EQ(Criticality(leaf, NID_info_access), 0);
  EXPECT_EQ(Criticality(leaf, NID_crl_distribution_points), 0);
  EXPECT_EQ(Criticality(*chain.root, NID_info_access), -1);
  EXPECT_EQ(Criticality(*chain.root, NID_crl_distribution_points), -1);

  auto x = OpenSslParse(leaf.ToDer());
  EXPECT_EQ(X509_get_key_usage(x.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  auto root_x = OpenSslParse(chain.root->ToDer());
  EXPECT_EQ(X509_get_key_usage(root_x.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(X509_get_pathlen(root_x.get()), 1);

  // AIA: OCSP then caIssuers, each a URI.
  std::unique_ptr<AUTHORITY_INFO_ACCESS, void (*)(AUTHORITY_INFO_ACCESS*)> aia(
      static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(x.get(), NID_info_access, nullptr, nullptr)),
      AUTHORITY_INFO_ACCESS_free);
  ASSERT_TRUE(aia);
  ASSERT_EQ(sk_ACCESS_DESCRIPTION_num(aia.get()), 2);
  auto uri = [](const ACCESS_DESCRIPTION* ad) {
    const ASN1_IA5STRING* s = ad->location->d.uniformResourceIdentifier;
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
  };
  EXPECT_EQ(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia.get(), 0)->method), NID_ad_OCSP);
  EXPECT_EQ(uri(sk_ACCESS_DESCRIPTION_value(aia.get(), 0)), "http://ocsp.example/");
  EXPECT_EQ(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia.get(), 1)->method), NID_ad_ca_issuers);
  EXPECT_EQ(uri(sk_ACCESS_DESCRIPTION_value(aia.get(), 1)), "http://ca.example/intermediate.der");

  std::unique_ptr<CRL_DIST_POINTS, void (*)(CRL_DIST_POINTS*)> crldp(
      static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(x.get(), NID_crl_distribution_points, nullptr, nullptr)),
      CRL_DIST_POINTS_free);
  ASSERT_TRUE(crldp);
  ASSERT_EQ(sk_DIST_POINT_num(crldp.get()), 1);
  const DIST_POINT_NAME* dpn = sk_DIST_POINT_value(crldp.get(), 0)->distpoint;
  ASSERT_NE(dpn, nullptr);
  ASSERT_EQ(dpn->type, 0);
  const GENERAL_NAME* gn = sk_GENERAL_NAME_value(dpn->name.fullname, 0);
  ASSERT_EQ(gn->type, GEN_URI);
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier))),
      "http://crl.example/1.crl");
}

TEST(PreparedCertificate, TbsDerEqualsTheTbsInsideTheSignedCertificate) {
  auto ca_key = MustGenerate(KeyType::kEcP256);
  auto subject_key = MustGenerate(KeyType::kEd25519);
  CertificateTemplate tmpl;
  tmpl.serial = "\x12\x34";
  tmpl.subject.common_name = "tbs.example";
  tmpl.not_before = Now();
  tmpl.not_after = Now() + hours(1);
  tmpl.dns_names = {"tbs.example"};
  auto prepared = PreparedCertificate::Create(tmpl, subject_key.public_key(), nullptr, ca_key.public_key());
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  auto tbs = prepared->tbs_der();
  ASSERT_TRUE(tbs.ok());
  auto again = prepared->tbs_der();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*tbs, *again);

  auto cert = std::move(prepared).value().Sign(ca_key);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_EQ(cert->tbs_der(), *tbs);
  // And as OpenSSL re-encodes it from the parsed certificate.
  auto x = OpenSslParse(cert->ToDer());
  unsigned char* out = nullptr;
  int len = i2d_re_X509_tbs(x.get(), &out);
  ASSERT_GT(len, 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), static_cast<size_t>(len)), *tbs);
  OPENSSL_free(out);
  EXPECT_TRUE(cert->IsSignedBy(ca_key.public_key()));
}

TEST(PreparedCertificate, SignRefusesAnotherKey) {
  auto ca_key = MustGenerate(KeyType::kEcP256);
  auto other = MustGenerate(KeyType::kEcP256);
  CertificateTemplate tmpl;
  tmpl.serial = "\x01";
  tmpl.subject.common_name = "x.example";
  tmpl.not_before = Now();
  tmpl.not_after = Now() + hours(1);
  auto prepared = PreparedCertificate::Create(tmpl, other.public_key(), nullptr, ca_key.public_key());
  ASSERT_TRUE(prepared.ok());
  EXPECT_EQ(std::move(prepared).value().Sign(other).status().code(), Code::kInvalidArgument);
}

TEST(Certificate, AcmeIdentifierRoundTripsAndIsCritical) {
  // A tls-alpn-01 validation certificate (RFC 8737 §3): empty subject, one dNSName, acmeIdentifier.
  auto key = MustGenerate(KeyType::kEcP256);
  const std::string digest = Sha256("token.thumbprint");
  CertificateTemplate tmpl;
  tmpl.serial = "\x2a";
  tmpl.not_before = Now();
  tmpl.not_after = Now() + hours(1);
  tmpl.dns_names = {"alpn.example"};
  tmpl.acme_identifier = digest;
  auto cert = IssueCertificate(tmpl, key.public_key(), nullptr, key);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  auto id = cert->acme_identifier();
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(id->has_value());
  EXPECT_EQ((*id)->first, digest);
  EXPECT_TRUE((*id)->second);
  EXPECT_EQ(cert->subject(), "");
  // RFC 5280 §4.2.1.6: empty subject → critical SAN.
  EXPECT_EQ(Criticality(*cert, NID_subject_alt_name), 1);
  // The extnValue is exactly OCTET STRING (32 bytes).
  auto x = OpenSslParse(cert->ToDer());
  std::unique_ptr<ASN1_OBJECT, void (*)(ASN1_OBJECT*)> oid(OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1),
                                                           ASN1_OBJECT_free);
  int idx = X509_get_ext_by_OBJ(x.get(), oid.get(), -1);
  ASSERT_GE(idx, 0);
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(x.get(), idx));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                        static_cast<size_t>(ASN1_STRING_length(value))),
            std::string("\x04\x20", 2) + digest);
}

// A delegated OCSP responder's certificate (RFC 6960 §4.2.2.2): EKU id-kp-OCSPSigning by name and
// id-pkix-ocsp-nocheck (§4.2.2.2.1), non-critical, whose extnValue is exactly NULL.
TEST(Certificate, OcspResponderHasOcspSigningAndNoCheck) {
  TestChain chain;
  ASSERT_NO_FATAL_FAILURE(chain.Build());
  auto key = MustGenerate(KeyType::kEcP256);
  CertificateTemplate tmpl;
  tmpl.serial = "\x33";
  tmpl.subject.common_name = "Anvil OCSP Responder";
  tmpl.not_before = chain.now - hours(1);
  tmpl.not_after = chain.now + hours(24 * 30);
  tmpl.ext_key_usages = {"OCSPSigning"};
  tmpl.ocsp_no_check = true;
  auto cert = IssueCertificate(tmpl, key.public_key(), &*chain.intermediate, chain.intermediate_key);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_THAT(cert->ext_key_usages(), ElementsAre("OCSPSigning"));
  EXPECT_EQ(Criticality(*cert, NID_id_pkix_OCSP_noCheck), 0);

  auto x = OpenSslParse(cert->ToDer());
  ASSERT_TRUE(x);
  const int idx = X509_get_ext_by_NID(x.get(), NID_id_pkix_OCSP_noCheck, -1);
  ASSERT_GE(idx, 0);
  EXPECT_LT(X509_get_ext_by_NID(x.get(), NID_id_pkix_OCSP_noCheck, idx), 0);  // Only once.
  X509_EXTENSION* ext = X509_get_ext(x.get(), idx);
  std::unique_ptr<ASN1_OBJECT, void (*)(ASN1_OBJECT*)> oid(OBJ_txt2obj("1.3.6.1.5.5.7.48.1.5", 1),
                                                           ASN1_OBJECT_free);
  EXPECT_EQ(OBJ_cmp(X509_EXTENSION_get_object(ext), oid.get()), 0);
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                        static_cast<size_t>(ASN1_STRING_length(value))),
            std::string("\x05\x00", 2));
  // OpenSSL sees the key purpose the delegation check (RFC 6960 §4.2.2.2) looks for.
  EXPECT_NE(X509_get_extended_key_usage(x.get()) & XKU_OCSP_SIGN, 0u);
  // Off by default: the leaf has none.
  EXPECT_EQ(Criticality(*chain.leaf, NID_id_pkix_OCSP_noCheck), -1);
}

TEST(Certificate, ExtendedKeyUsageNamesRoundTrip) {
  auto key = MustGenerate(KeyType::kEcP256);
  CertificateTemplate tmpl;
  tmpl.serial = "\x34";
  tmpl.subject.common_name = "eku.example";
  tmpl.not_before = Now();
  tmpl.not_after = Now() + hours(1);
  tmpl.ext_key_usages = {"serverAuth",      "clientAuth",  "codeSigning",
                         "emailProtection", "OCSPSigning", "1.3.6.1.4.1.311.10.3.13"};
  auto cert = IssueCertificate(tmpl, key.public_key(), nullptr, key);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_THAT(cert->ext_key_usages(),
              ElementsAre("serverAuth", "clientAuth", "codeSigning", "emailProtection", "OCSPSigning",
                          "1.3.6.1.4.1.311.10.3.13"));
  auto x = OpenSslParse(cert->ToDer());
  ASSERT_TRUE(x);
  EXPECT_EQ(
      X509_get_extended_key_usage(x.get()),
      static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT | XKU_CODE_SIGN | XKU_SMIME | XKU_OCSP_SIGN));

  // id-kp-OCSPSigning given dotted is the same key purpose, and reads back by name.
  tmpl.ext_key_usages = {"1.3.6.1.5.5.7.3.9"};
  auto dotted = IssueCertificate(tmpl, key.public_key(), nullptr, key);
  ASSERT_TRUE(dotted.ok()) << dotted.status().ToString();
  EXPECT_THAT(dotted->ext_key_usages(), ElementsAre("OCSPSigning"));
}

TEST(Certificate, AcmeIdentifierThatIsNotAnOctetStringIsMalformed) {
  // Built with OpenSSL directly: crypto/ itself cannot produce this.
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
                                                      EVP_PKEY_free);
  auto x = std::unique_ptr<X509, X509Free>(X509_new());
  ASSERT_TRUE(pkey && x);
  ASSERT_EQ(X509_set_version(x.get(), X509_VERSION_3), 1);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  ASSERT_EQ(X509_set_pubkey(x.get(), pkey.get()), 1);
  std::unique_ptr<ASN1_OBJECT, void (*)(ASN1_OBJECT*)> oid(OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1),
                                                           ASN1_OBJECT_free);
  std::unique_ptr<ASN1_OCTET_STRING, void (*)(ASN1_OCTET_STRING*)> value(ASN1_OCTET_STRING_new(),
                                                                         ASN1_OCTET_STRING_free);
  const unsigned char integer[] = {0x02, 0x01, 0x05};  // INTEGER 5, not an OCTET STRING.
  ASSERT_EQ(ASN1_OCTET_STRING_set(value.get(), integer, sizeof(integer)), 1);
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, value.get());
  ASSERT_NE(ext, nullptr);
  ASSERT_EQ(X509_add_ext(x.get(), ext, -1), 1);
  X509_EXTENSION_free(ext);
  ASSERT_GT(X509_sign(x.get(), pkey.get(), nullptr), 0);
  unsigned char* der = nullptr;
  int len = i2d_X509(x.get(), &der);
  ASSERT_GT(len, 0);
  auto cert = Certificate::FromDer(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)));
  OPENSSL_free(der);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_EQ(cert->acme_identifier().status().code(), Code::kMalformed);
}

TEST(Certificate, RsaRootSignsEd25519Leaf) {
  auto root_key = MustGenerate(KeyType::kRsa2048);
  auto leaf_key = MustGenerate(KeyType::kEd25519);
  CertificateTemplate root_tmpl;
  root_tmpl.serial = "\x01";
  root_tmpl.subject = {.common_name = "RSA Root"};
  root_tmpl.not_before = Now() - hours(1);
  root_tmpl.not_after = Now() + hours(10);
  root_tmpl.is_ca = true;
  root_tmpl.key_cert_sign = true;
  auto root = IssueCertificate(root_tmpl, root_key.public_key(), nullptr, root_key);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(SignatureNid(*root), NID_sha256WithRSAEncryption);

  CertificateTemplate leaf_tmpl;
  leaf_tmpl.serial = "\x02";
  leaf_tmpl.not_before = Now() - hours(1);
  leaf_tmpl.not_after = Now() + hours(1);
  leaf_tmpl.dns_names = {"ed.example"};
  leaf_tmpl.ext_key_usages = {"serverAuth"};
  auto leaf = IssueCertificate(leaf_tmpl, leaf_key.public_key(), &*root, root_key);
  ASSERT_TRUE(leaf.ok()) << leaf.status().ToString();
  EXPECT_EQ(leaf->public_key().algorithm(), KeyAlgorithm::kEd25519);
  Status ok = VerifyChain(*leaf, {}, *root, Now());
  EXPECT_TRUE(ok.ok()) << ok.ToString();

  // An Ed25519 issuer signs with Ed25519.
  CertificateTemplate self = leaf_tmpl;
  self.is_ca = true;
  self.key_cert_sign = true;
  auto ed_root = IssueCertificate(self, leaf_key.public_key(), nullptr, leaf_key);
  ASSERT_TRUE(ed_root.ok()) << ed_root.status().ToString();
  EXPECT_EQ(SignatureNid(*ed_root), NID_ED25519);
  EXPECT_TRUE(ed_root->IsSignedBy(leaf_key.public_key()));
}

TEST(Certificate, PemAndChainRoundTrip) {
  TestChain chain;
  ASSERT_NO_FATAL_FAILURE(chain.Build());
  std::string pem = chain.leaf->ToPem();
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  auto leaf = Certificate::FromPem(pem);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(leaf->ToDer(), chain.leaf->ToDer());
  // Other blocks (here a private key) are skipped.
  auto parsed = Certificate::ChainFromPem(pem + chain.leaf_key.ToPem() + chain.intermediate->ToPem());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].ToDer(), chain.leaf->ToDer());
  EXPECT_EQ((*parsed)[1].ToDer(), chain.intermediate->ToDer());
  auto from_der = Certificate::FromDer(chain.root->ToDer());
  ASSERT_TRUE(from_der.ok());
  EXPECT_EQ(from_der->subject(), chain.root->subject());
}

TEST(Certificate, GarbageIsMalformed) {
  EXPECT_EQ(Certificate::FromDer("").status().code(), Code::kMalformed);
  EXPECT_EQ(Certificate::FromDer(std::string_view()).status().code(), Code::kMalformed);
  EXPECT_EQ(Certificate::ChainFromPem(std::string_view()).status().code(), Code::kMalformed);
  EXPECT_EQ(Certificate::FromDer("garbage").status().code(), Code::kMalformed);
  EXPECT_EQ(Certificate::FromPem("").status().code(), Code::kMalformed);
  EXPECT_EQ(Certificate::ChainFromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                .status()
                .code(),
            Code::kMalformed);
  TestChain chain;
  ASSERT_NO_FATAL_FAILURE(chain.Build());
  EXPECT_EQ(Certificate::FromDer(chain.leaf->ToDer() + "x").status().code(), Code::kMalformed);
}

TEST(PreparedCertificate, RejectsBadTemplates) {
  auto key = MustGenerate(KeyType::kEcP256);
  auto other = MustGenerate(KeyType::kEcP256);
  CertificateTemplate good;
  good.serial = "\x01";
  good.subject.common_name = "ok.example";
  good.not_before = Now();
  good.not_after = Now() + hours(1);
  ASSERT_TRUE(IssueCertificate(good, key.public_key(), nullptr, key).ok());

  auto code_for = [&](CertificateTemplate tmpl) {
    return IssueCertificate(tmpl, key.public_key(), nullptr, key).status().code();
  };
  CertificateTemplate t = good;
  t.serial = std::string(3, '\0');
  EXPECT_EQ(code_for(t), Code::kInvalidArgument);
  t.serial = "";
  EXPECT_EQ(code_for(t), Code::kInvalidArgument);
  t.serial = std::string(21, '\x01');
  EXPECT_EQ(code_for(t), Code::kInvalidArgument);
  t.serial = std::string(20, '\x7f');  // 20 octets, top bit clear: the maximum.
  EXPECT_TRUE(IssueCertificate(t, key.public_key(), nullptr, key).ok());
  t.serial = std::string(20, '\xff');  // Would need a 21st (zero) octet.
  EXPECT_EQ(code_for(t), Code::kInvalidArgument);
  t = good;
  t.not_after = t.not_before - hours(1);
  EXPECT_EQ(code_for(t), Code::kInvalidArgument);
  t = good;
  t.path_length = 0;  // Without is_ca.
  EXPECT_EQ(code_for(t), Code::kInvalidArgument);
  t = good;
  t.ext_key_usages = {"notAnOid"};
  EXPECT_EQ(code_for(t), Code::kInvalidArgument);
  t = good;
  t.ip_addresses = {"1.2.3"};
  EXPECT_EQ(code_for(t), Code::kInvalidArgument);
  t = good;
  t.subject.country = "Germany";  // countryName is two letters.
  EXPECT_EQ(code_for(t), Code::kInvalidArgument);

  // An issuer certificate whose key is not the signing key.
  auto issuer = IssueCertificate(good, key.public_key(), nullptr, key);
  ASSERT_TRUE(issuer.ok());
  EXPECT_EQ(IssueCertificate(good, key.public_key(), &*issuer, other).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace anvil::crypto
