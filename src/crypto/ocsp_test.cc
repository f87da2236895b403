#include "crypto/ocsp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
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
#include "crypto/ossl_handles.h"

namespace anvil::crypto {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using testing::HasSubstr;
using testing::Not;

// Whole seconds: GeneralizedTime is written without fractions.
TimePoint Now() { return test_ca::WholeSecondsNow(); }

const std::string kNonce = "\x5a\x01\x00\xff\x80\x7f\x10\x20\x30\x40\x50\x60\x70\x81\x92\xa3";  // 16 octets.

// A root, an intermediate (the issuing CA whose certificates the responder answers for) and a delegated
// responder certificate issued by the intermediate with id-kp-OCSPSigning and id-pkix-ocsp-nocheck; all keys
// of one type.
struct TestPki {
  PrivateKey root_key, issuer_key, responder_key;
  Certificate root, issuer, responder;
};

Result<TestPki> BuildPki(KeyType type) {
  ANVIL_ASSIGN_OR_RETURN(test_ca::TestCa ca, test_ca::BuildTestCa(type, "OCSP"));
  ANVIL_ASSIGN_OR_RETURN(PrivateKey responder_key, PrivateKey::Generate(type));
  const TimePoint now = Now();
  CertificateTemplate responder_tmpl;
  responder_tmpl.serial = std::string("\x03", 1);
  responder_tmpl.subject = {.common_name = "Anvil OCSP Responder", .organization = "Anvil", .country = "DE"};
  responder_tmpl.not_before = now - hours(1);
  responder_tmpl.not_after = now + hours(24 * 30);
  responder_tmpl.ext_key_usages = {"OCSPSigning"};
  responder_tmpl.ocsp_no_check = true;
  ANVIL_ASSIGN_OR_RETURN(Certificate responder,
                         IssueCertificate(responder_tmpl, responder_key.public_key(), &ca.issuer, ca.issuer_key));
  return TestPki{std::move(ca.root_key), std::move(ca.issuer_key), std::move(responder_key),
                 std::move(ca.root),     std::move(ca.issuer),     std::move(responder)};
}

// Built once per key type for the whole binary: RSA key generation is slow.
const TestPki* PkiFor(KeyType type) {
  static std::map<KeyType, TestPki> cache;
  auto it = cache.find(type);
  if (it == cache.end()) {
    auto pki = BuildPki(type);
    if (!pki.ok()) {
      ADD_FAILURE() << "cannot build the test PKI: " << pki.status().ToString();
      return nullptr;
    }
    it = cache.emplace(type, std::move(pki).value()).first;
  }
  return &it->second;
}

// An end-entity certificate from the intermediate.
Result<Certificate> IssueLeaf(const TestPki& pki, std::string serial) {
  ANVIL_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate(KeyType::kEcP256));
  CertificateTemplate tmpl;
  tmpl.serial = std::move(serial);
  tmpl.subject.common_name = "leaf.example";
  tmpl.dns_names = {"leaf.example"};
  tmpl.not_before = Now() - hours(1);
  tmpl.not_after = Now() + hours(24 * 90);
  tmpl.ocsp_url = "http://ocsp.example/";
  return IssueCertificate(tmpl, key.public_key(), &pki.issuer, pki.issuer_key);
}

// ---- OpenSSL used directly, to check crypto/'s output independently of crypto/'s reader.

internal::X509Ptr ToX509(const Certificate& certificate) {
  const std::string der = certificate.ToDer();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return internal::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

internal::EvpPkeyPtr ToEvpPkey(const PrivateKey& key) {
  const std::string pem = key.ToPem();
  internal::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return internal::EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string Bytes(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

template <typename T, typename F>
std::string Encode(const T* object, F i2d) {
  return internal::I2d(object, i2d);
}

// The fields of an OpenSSL CertID.
OcspCertId FieldsOf(OCSP_CERTID* cid) {
  ASN1_OCTET_STRING *name_hash = nullptr, *key_hash = nullptr;
  ASN1_OBJECT* md = nullptr;
  ASN1_INTEGER* serial = nullptr;
  OcspCertId id;
  if (OCSP_id_get0_info(&name_hash, &md, &key_hash, &serial, cid) != 1) return id;
  id.hash = OBJ_obj2nid(md) == NID_sha256 ? OcspHash::kSha256 : OcspHash::kSha1;
  id.issuer_name_hash = Bytes(name_hash);
  id.issuer_key_hash = Bytes(key_hash);
  internal::BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  id.serial.assign(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(id.serial.data()));
  if (id.serial.empty()) id.serial.assign(1, '\0');
  return id;
}

// OpenSSL's own CertID for `subject` issued by `issuer` (what `openssl ocsp -cert` sends).
internal::OcspCertIdPtr OpenSslCertId(const EVP_MD* md, const Certificate& subject,
                                      const Certificate& issuer) {
  return internal::OcspCertIdPtr(OCSP_cert_to_id(md, ToX509(subject).get(), ToX509(issuer).get()));
}

// The length of the DER header (tag and length octets) at the front of `der`.
size_t HeaderLength(const std::string& der) {
  const auto length = static_cast<unsigned char>(der.at(1));
  return length < 0x80 ? 2 : 2 + (length & 0x7f);
}

// "0AFF..." as i2a_ASN1_STRING prints an OCTET STRING (uppercase hex, no separators for up to 34 octets).
std::string UpperHex(const std::string& bytes) {
  std::string hex = HexEncode(bytes);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

// A CertID DER with arbitrary field contents, for requests crypto/ must refuse.
internal::OcspCertIdPtr RawCertId(std::string_view algorithm_oid, std::string_view name_hash,
                                  std::string_view key_hash, std::string_view serial_integer) {
  const std::string der = internal::DerTlv(
      0x30, internal::DerTlv(0x30, internal::DerTlv(0x06, algorithm_oid) + std::string("\x05\x00", 2)) +
                internal::DerTlv(0x04, name_hash) + internal::DerTlv(0x04, key_hash) +
                std::string(serial_integer));
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return internal::OcspCertIdPtr(d2i_OCSP_CERTID(nullptr, &p, static_cast<long>(der.size())));
}
const std::string kSha1Oid("\x2b\x0e\x03\x02\x1a", 5);

// An extension with this OID (dotted), criticality and raw extnValue.
internal::X509ExtensionPtr RawExtension(const char* oid, bool critical, const std::string& value) {
  internal::Asn1ObjectPtr object(OBJ_txt2obj(oid, 1));
  internal::Asn1OctetStringPtr data(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(data.get(), reinterpret_cast<const unsigned char*>(value.data()),
                        static_cast<int>(value.size()));
  return internal::X509ExtensionPtr(
      X509_EXTENSION_create_by_OBJ(nullptr, object.get(), critical ? 1 : 0, data.get()));
}
constexpr char kNonceOid[] = "1.3.6.1.5.5.7.48.1.2";

// extnValue and criticality of the nonce extension of a parsed BasicOCSPResponse; nullopt if absent.
std::optional<std::pair<std::string, bool>> ResponseNonceExtension(OCSP_BASICRESP* basic) {
  int idx = OCSP_BASICRESP_get_ext_by_NID(basic, NID_id_pkix_OCSP_Nonce, -1);
  if (idx < 0) return std::nullopt;
  X509_EXTENSION* ext = OCSP_BASICRESP_get_ext(basic, idx);
  return std::make_pair(Bytes(X509_EXTENSION_get_data(ext)), X509_EXTENSION_get_critical(ext) == 1);
}

internal::OcspBasicRespPtr OpenSslBasic(const std::string& response_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(response_der.data());
  internal::OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(response_der.size())));
  if (!response) return nullptr;
  return internal::OcspBasicRespPtr(OCSP_response_get1_basic(response.get()));
}

void ExpectSameSingle(const OcspSingleResponse& got, const OcspSingleResponse& want) {
  EXPECT_TRUE(got.id == want.id);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.this_update, want.this_update);
  EXPECT_EQ(got.next_update, want.next_update);
  if (want.status == OcspCertStatus::kRevoked) {
    EXPECT_EQ(got.revoked_at, want.revoked_at);
    EXPECT_EQ(got.reason, want.reason);
  } else {
    EXPECT_EQ(got.revoked_at, TimePoint{});
    EXPECT_EQ(got.reason, -1);
  }
}

struct KeyCase {
  KeyType type;
  const char* name;
  const char* signature_algorithm;  // OpenSSL's long name.
  int parameter_type;               // Of the signature AlgorithmIdentifier.
};

class OcspByResponderKey : public testing::TestWithParam<KeyCase> {
 protected:
  void SetUp() override {
    pki_ = PkiFor(GetParam().type);
    ASSERT_NE(pki_, nullptr);
  }

  // good, revoked with a reason, revoked without one, unknown; SHA-1 and SHA-256 CertIDs.
  OcspResponseTemplate ExampleTemplate() const {
    OcspResponseTemplate tmpl;
    tmpl.produced_at = now_ - minutes(1);
    const TimePoint this_update = now_ - hours(1);
    tmpl.responses = {
        {.id = CertIdFor(pki_->issuer, "\x10", OcspHash::kSha1),
         .status = OcspCertStatus::kGood,
         .this_update = this_update,
         .next_update = now_ + hours(24)},
        {.id = CertIdFor(pki_->issuer, std::string("\x00\x80\x01", 3), OcspHash::kSha256),
         .status = OcspCertStatus::kRevoked,
         .revoked_at = now_ - hours(5),
         .reason = 1,
         .this_update = this_update,
         .next_update = now_ + hours(25)},
        {.id = CertIdFor(pki_->issuer, "\x12", OcspHash::kSha1),
         .status = OcspCertStatus::kRevoked,
         .revoked_at = now_ - hours(6),
         .reason = -1,
         .this_update = this_update - hours(1),
         .next_update = now_ + hours(26)},
        {.id = CertIdFor(pki_->issuer, std::string(20, '\x7f'), OcspHash::kSha256),
         .status = OcspCertStatus::kUnknown,
         .this_update = this_update,
         .next_update = now_ + hours(27)},
    };
    tmpl.nonce = kNonce;
    return tmpl;
  }

  const TestPki* pki_ = nullptr;
  TimePoint now_ = Now();
};

TEST_P(OcspByResponderKey, RequestRoundTripsWithSeveralCertIds) {
  OcspRequest request;
  request.ids = {CertIdFor(pki_->issuer, "\x01", OcspHash::kSha1),
                 CertIdFor(pki_->issuer, std::string("\x00\x80\x01", 3), OcspHash::kSha256),
                 CertIdFor(pki_->root, std::string(20, '\x7f'), OcspHash::kSha1)};
  EXPECT_EQ(request.ids[1].serial, std::string("\x80\x01", 2));  // Normalized.
  for (const std::optional<std::string>& nonce :
       {std::optional<std::string>(), std::optional<std::string>(kNonce),
        std::optional<std::string>(std::string(1, '\0')),
        std::optional<std::string>(std::string(32, '\xee'))}) {
    SCOPED_TRACE(nonce ? "nonce of " + std::to_string(nonce->size()) : std::string("no nonce"));
    request.nonce = nonce;
    auto der = BuildOcspRequest(request);
    ASSERT_TRUE(der.ok()) << der.status().ToString();
    auto parsed = ParseOcspRequest(*der);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    ASSERT_EQ(parsed->ids.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(parsed->ids[i] == request.ids[i]) << "CertID " << i;
    EXPECT_EQ(parsed->nonce, nonce);

    // As OpenSSL reads it: three requests, and the nonce's extnValue is an OCTET STRING of the nonce.
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    internal::OcspRequestPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(der->size())));
    ASSERT_TRUE(req);
    ASSERT_EQ(OCSP_request_onereq_count(req.get()), 3);
    EXPECT_TRUE(FieldsOf(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 1))) == request.ids[1]);
    const int idx = OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1);
    if (!nonce) {
      EXPECT_LT(idx, 0);
      continue;
    }
    ASSERT_GE(idx, 0);
    EXPECT_EQ(Bytes(X509_EXTENSION_get_data(OCSP_REQUEST_get_ext(req.get(), idx))),
              internal::DerTlv(0x04, *nonce));
  }
}

TEST_P(OcspByResponderKey, CertIdForEqualsOpenSslsCertId) {
  auto leaf = IssueLeaf(*pki_, std::string("\x00\x9a\xbc\xde\xf0", 5));
  ASSERT_TRUE(leaf.ok()) << leaf.status().ToString();
  const std::pair<const EVP_MD*, OcspHash> hashes[] = {{EVP_sha1(), OcspHash::kSha1},
                                                       {EVP_sha256(), OcspHash::kSha256}};
  for (const auto& [md, hash] : hashes) {
    internal::OcspCertIdPtr expected = OpenSslCertId(md, *leaf, pki_->issuer);
    ASSERT_TRUE(expected);
    const OcspCertId id = CertIdFor(pki_->issuer, leaf->serial_bytes(), hash);
    EXPECT_TRUE(id == FieldsOf(expected.get()));
    EXPECT_EQ(id.issuer_name_hash.size(), hash == OcspHash::kSha1 ? 20u : 32u);
    EXPECT_EQ(id.serial, std::string("\x9a\xbc\xde\xf0", 4));

    // A request as OpenSSL's client code builds it, with OpenSSL's random nonce, reads back.
    internal::OcspRequestPtr req(OCSP_REQUEST_new());
    ASSERT_NE(OCSP_request_add0_id(req.get(), expected.get()), nullptr);
    (void)expected.release();
    ASSERT_EQ(OCSP_request_add1_nonce(req.get(), nullptr, -1), 1);
    const std::string der = Encode(req.get(), i2d_OCSP_REQUEST);
    auto parsed = ParseOcspRequest(der);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    ASSERT_EQ(parsed->ids.size(), 1u);
    EXPECT_TRUE(parsed->ids[0] == id);
    ASSERT_TRUE(parsed->nonce.has_value());
    const std::string ext_value = Bytes(X509_EXTENSION_get_data(
        OCSP_REQUEST_get_ext(req.get(), OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1))));
    EXPECT_EQ(internal::DerTlv(0x04, *parsed->nonce), ext_value);
    EXPECT_EQ(parsed->nonce->size(), 16u);  // OCSP_DEFAULT_NONCE_LENGTH
  }
}

TEST_P(OcspByResponderKey, SignedResponseReadsBackFieldForField) {
  const OcspResponseTemplate tmpl = ExampleTemplate();
  auto der = SignOcspResponse(tmpl, pki_->responder, pki_->responder_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto response = OcspResponse::FromDer(*der);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status(), OcspResponseStatus::kSuccessful);
  EXPECT_EQ(response->produced_at(), tmpl.produced_at);
  const std::vector<OcspSingleResponse> singles = response->responses();
  ASSERT_EQ(singles.size(), tmpl.responses.size());
  for (size_t i = 0; i < singles.size(); ++i) {
    SCOPED_TRACE("response " + std::to_string(i));
    ExpectSameSingle(singles[i], tmpl.responses[i]);
  }
  EXPECT_EQ(response->nonce(), kNonce);
  const std::vector<Certificate> certificates = response->certificates();
  ASSERT_EQ(certificates.size(), 1u);
  EXPECT_EQ(certificates[0].ToDer(), pki_->responder.ToDer());

  // responderID byKey: SHA-1 of the responder's subjectPublicKey BIT STRING value, as OpenSSL computes it.
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  ASSERT_EQ(X509_pubkey_digest(ToX509(pki_->responder).get(), EVP_sha1(), md, &md_len), 1);
  EXPECT_EQ(response->responder_key_hash(), std::string(reinterpret_cast<char*>(md), md_len));

  // The encodings, as OpenSSL parses them.
  internal::OcspBasicRespPtr basic = OpenSslBasic(*der);
  ASSERT_TRUE(basic);
  const X509_ALGOR* algorithm = OCSP_resp_get0_tbs_sigalg(basic.get());
  const ASN1_OBJECT* object = nullptr;
  int parameter_type = -2;
  X509_ALGOR_get0(&object, &parameter_type, nullptr, algorithm);
  EXPECT_STREQ(OBJ_nid2ln(OBJ_obj2nid(object)), GetParam().signature_algorithm);
  EXPECT_EQ(parameter_type, GetParam().parameter_type);
  EXPECT_EQ(ASN1_STRING_type(OCSP_resp_get0_produced_at(basic.get())), V_ASN1_GENERALIZEDTIME);
  const ASN1_OCTET_STRING* key_id = nullptr;
  const X509_NAME* name = nullptr;
  ASSERT_EQ(OCSP_resp_get0_id(basic.get(), &key_id, &name), 1);
  EXPECT_EQ(name, nullptr);
  EXPECT_EQ(Bytes(key_id), response->responder_key_hash());
  for (int i = 0; i < OCSP_resp_count(basic.get()); ++i) {
    SCOPED_TRACE("response " + std::to_string(i));
    int reason = -2;
    ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr, *next_update = nullptr;
    const int status = OCSP_single_get0_status(OCSP_resp_get0(basic.get(), i), &reason, &revoked_at,
                                               &this_update, &next_update);
    const OcspSingleResponse& want = tmpl.responses[static_cast<size_t>(i)];
    ASSERT_NE(this_update, nullptr);
    ASSERT_NE(next_update, nullptr);
    EXPECT_EQ(ASN1_STRING_type(this_update), V_ASN1_GENERALIZEDTIME);
    EXPECT_EQ(ASN1_STRING_type(next_update), V_ASN1_GENERALIZEDTIME);
    if (want.status == OcspCertStatus::kRevoked) {
      EXPECT_EQ(status, V_OCSP_CERTSTATUS_REVOKED);
      ASSERT_NE(revoked_at, nullptr);
      EXPECT_EQ(ASN1_STRING_type(revoked_at), V_ASN1_GENERALIZEDTIME);
      EXPECT_EQ(reason, want.reason);  // -1 (OCSP_REVOKED_STATUS_NOSTATUS): no revocationReason.
    } else {
      EXPECT_EQ(status,
                want.status == OcspCertStatus::kGood ? V_OCSP_CERTSTATUS_GOOD : V_OCSP_CERTSTATUS_UNKNOWN);
      EXPECT_EQ(revoked_at, nullptr);
    }
  }
  // RFC 6960 §4.4.1: non-critical; extnValue is an OCTET STRING holding the nonce.
  EXPECT_EQ(ResponseNonceExtension(basic.get()), std::make_pair(internal::DerTlv(0x04, kNonce), false));
  ASSERT_EQ(sk_X509_num(OCSP_resp_get0_certs(basic.get())), 1);

  // And OpenSSL's full check: signature, responder found by key, delegation by the CertIDs' issuer.
  internal::X509StorePtr store(X509_STORE_new());
  ASSERT_EQ(X509_STORE_add_cert(store.get(), ToX509(pki_->root).get()), 1);
  ASSERT_EQ(X509_STORE_add_cert(store.get(), ToX509(pki_->issuer).get()), 1);
  EXPECT_EQ(OCSP_basic_verify(basic.get(), nullptr, store.get(), 0), 1);
}

TEST_P(OcspByResponderKey, ResponseWithoutNonceHasNoNonceExtension) {
  OcspResponseTemplate tmpl = ExampleTemplate();
  tmpl.nonce.reset();
  auto der = SignOcspResponse(tmpl, pki_->responder, pki_->responder_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto response = OcspResponse::FromDer(*der);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_FALSE(response->nonce().has_value());
  EXPECT_TRUE(response->IsSignedBy(pki_->responder_key.public_key()));
  internal::OcspBasicRespPtr basic = OpenSslBasic(*der);
  ASSERT_TRUE(basic);
  EXPECT_EQ(OCSP_BASICRESP_get_ext_count(basic.get()), 0);
}

TEST_P(OcspByResponderKey, SignatureVerifiesOnlyWithTheResponderKey) {
  auto der = SignOcspResponse(ExampleTemplate(), pki_->responder, pki_->responder_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto response = OcspResponse::FromDer(*der);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_TRUE(response->IsSignedBy(pki_->responder_key.public_key()));
  EXPECT_TRUE(response->IsSignedBy(pki_->responder.public_key()));
  EXPECT_FALSE(response->IsSignedBy(pki_->issuer_key.public_key()));  // Same type, other key.
  const TestPki* other = PkiFor(GetParam().type == KeyType::kEcP256 ? KeyType::kEd25519 : KeyType::kEcP256);
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE(response->IsSignedBy(other->responder_key.public_key()));  // Other type.

  // One bit of the signed data changed (inside the nonce): still a response, no longer signed.
  std::string tampered = *der;
  const size_t at = tampered.find(kNonce);
  ASSERT_NE(at, std::string::npos);
  tampered[at] = static_cast<char>(tampered[at] ^ 0x01);
  auto bad = OcspResponse::FromDer(tampered);
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  EXPECT_NE(bad->nonce(), kNonce);
  EXPECT_FALSE(bad->IsSignedBy(pki_->responder_key.public_key()));
}

// ---- Independent check with the openssl command-line tool.

using cli_testing::CliTempDir;
using cli_testing::CommandResult;
using cli_testing::RunCommand;

// `openssl ocsp` as a client: it writes the request (with its nonce), then checks our response against that
// exact request (nonce echo and signature, delegation to the responder through root and intermediate) and
// reports the leaf's status. Two runs per response, because the tool re-creates the request when given
// -cert: with -reqin alone it compares the nonce of the request it sent; with -cert (and -no_nonce, so that
// the re-created request has no nonce of its own to compare) it prints "leaf.pem: <status>".
TEST_P(OcspByResponderKey, OpenSslCommandLineChecksTheResponse) {
  constexpr char kOpenSsl[] = "/usr/bin/openssl";
  if (access(kOpenSsl, X_OK) != 0) GTEST_SKIP() << kOpenSsl << " is not installed";
  auto leaf = IssueLeaf(*pki_, std::string("\x10\x01", 2));
  ASSERT_TRUE(leaf.ok()) << leaf.status().ToString();

  CliTempDir dir("anvil_ocsp_test");
  ASSERT_FALSE(dir.path().empty());
  const std::string ca = dir.Write("root_and_intermediate.pem", pki_->root.ToPem() + pki_->issuer.ToPem());
  const std::string intermediate = dir.Write("intermediate.pem", pki_->issuer.ToPem());
  const std::string leaf_pem = dir.Write("leaf.pem", leaf->ToPem());
  const std::string req = dir.path() + "/req.der";

  CommandResult request = RunCommand(std::string(kOpenSsl) + " ocsp -issuer '" + intermediate + "' -cert '" +
                                     leaf_pem + "' -nonce -reqout '" + req + "'");
  ASSERT_EQ(request.exit_code, 0) << request.output;
  auto parsed = ParseOcspRequest(dir.Read("req.der"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->ids.size(), 1u);
  EXPECT_TRUE(parsed->ids[0] == CertIdFor(pki_->issuer, leaf->serial_bytes()));
  ASSERT_TRUE(parsed->nonce.has_value());
  EXPECT_FALSE(parsed->nonce->empty());

  struct Case {
    OcspCertStatus status;
    int reason;
    const char* summary;      // print_ocsp_summary's line
    const char* resp_text;    // OCSP_RESPONSE_print's line
    const char* reason_text;  // nullptr: no reason printed
  };
  const Case cases[] = {
      {OcspCertStatus::kGood, -1, "leaf.pem: good", "Cert Status: good", nullptr},
      {OcspCertStatus::kRevoked, 1, "leaf.pem: revoked", "Cert Status: revoked", "keyCompromise"},
      {OcspCertStatus::kRevoked, -1, "leaf.pem: revoked", "Cert Status: revoked", nullptr},
      {OcspCertStatus::kUnknown, -1, "leaf.pem: unknown", "Cert Status: unknown", nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.summary + std::string(c.reason_text != nullptr ? " with reason" : ""));
    OcspResponseTemplate tmpl;
    tmpl.produced_at = now_;
    tmpl.responses = {{.id = parsed->ids[0],
                       .status = c.status,
                       .revoked_at = now_ - hours(2),
                       .reason = c.reason,
                       .this_update = now_ - hours(1),
                       .next_update = now_ + hours(24)}};
    tmpl.nonce = parsed->nonce;
    auto der = SignOcspResponse(tmpl, pki_->responder, pki_->responder_key);
    ASSERT_TRUE(der.ok()) << der.status().ToString();
    const std::string resp = dir.Write("resp.der", *der);
    auto response = OcspResponse::FromDer(*der);
    ASSERT_TRUE(response.ok());
    const std::string response_key_hash = response->responder_key_hash();

    CommandResult exact = RunCommand(std::string(kOpenSsl) + " ocsp -respin '" + resp + "' -reqin '" + req +
                                     "' -CAfile '" + ca + "' -resp_text");
    EXPECT_EQ(exact.exit_code, 0) << exact.output;
    EXPECT_THAT(exact.output, HasSubstr("Response verify OK"));
    EXPECT_THAT(exact.output, Not(HasSubstr("Nonce Verify error")));
    EXPECT_THAT(exact.output, Not(HasSubstr("no nonce in response")));
    EXPECT_THAT(exact.output, HasSubstr(c.resp_text));
    EXPECT_THAT(exact.output, HasSubstr("OCSP Nonce"));
    EXPECT_THAT(exact.output, HasSubstr("Responder Id: " + UpperHex(response_key_hash)));

    CommandResult summary =
        RunCommand(std::string(kOpenSsl) + " ocsp -respin '" + resp + "' -issuer '" + intermediate +
                   "' -cert '" + leaf_pem + "' -no_nonce -CAfile '" + ca + "'");
    EXPECT_EQ(summary.exit_code, 0) << summary.output;
    EXPECT_THAT(summary.output, HasSubstr("Response verify OK"));
    EXPECT_THAT(summary.output, HasSubstr(c.summary));
    EXPECT_THAT(summary.output, Not(HasSubstr("WARNING")));
    if (c.status == OcspCertStatus::kRevoked) {
      EXPECT_THAT(summary.output, HasSubstr("Revocation Time:"));
    }
    if (c.reason_text != nullptr) {
      EXPECT_THAT(summary.output, HasSubstr(std::string("Reason: ") + c.reason_text));
    } else {
      EXPECT_THAT(summary.output, Not(HasSubstr("Reason:")));
    }
  }

  // The nonce check is live: a response echoing another nonce fails it.
  OcspResponseTemplate other;
  other.produced_at = now_;
  other.responses = {{.id = parsed->ids[0],
                      .status = OcspCertStatus::kGood,
                      .this_update = now_ - hours(1),
                      .next_update = now_ + hours(24)}};
  other.nonce = std::string(parsed->nonce->size(), '\x42');
  auto der = SignOcspResponse(other, pki_->responder, pki_->responder_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  const std::string resp = dir.Write("resp.der", *der);
  CommandResult mismatch = RunCommand(std::string(kOpenSsl) + " ocsp -respin '" + resp + "' -reqin '" + req +
                                      "' -CAfile '" + ca + "'");
  EXPECT_NE(mismatch.exit_code, 0) << mismatch.output;
  EXPECT_THAT(mismatch.output, HasSubstr("Nonce Verify error"));
}

INSTANTIATE_TEST_SUITE_P(
    OcspResponderKeys, OcspByResponderKey,
    testing::Values(KeyCase{KeyType::kEcP256, "P256", "ecdsa-with-SHA256", V_ASN1_UNDEF},
                    KeyCase{KeyType::kEcP384, "P384", "ecdsa-with-SHA384", V_ASN1_UNDEF},
                    KeyCase{KeyType::kRsa2048, "Rsa2048", "sha256WithRSAEncryption", V_ASN1_NULL},
                    KeyCase{KeyType::kEd25519, "Ed25519", "ED25519", V_ASN1_UNDEF}),
    [](const testing::TestParamInfo<KeyCase>& key_case) { return std::string(key_case.param.name); });

// ---- Refusals, limits and the reader, with one P-256 PKI.

class OcspTest : public testing::Test {
 protected:
  void SetUp() override {
    pki_ = PkiFor(KeyType::kEcP256);
    ASSERT_NE(pki_, nullptr);
  }
  OcspCertId Id(std::string serial = "\x05") const { return CertIdFor(pki_->issuer, std::move(serial)); }
  // A request of OpenSSL's making with one CertID for serial 5, changed by `change` before it is encoded.
  std::string OpenSslRequest(const std::function<void(OCSP_REQUEST*)>& change) const {
    internal::OcspRequestPtr req(OCSP_REQUEST_new());
    internal::OcspCertIdPtr cid = RawCertId(kSha1Oid, Id().issuer_name_hash, Id().issuer_key_hash,
                                            internal::DerUnsignedInteger("\x05"));
    if (cid && OCSP_request_add0_id(req.get(), cid.get()) != nullptr) (void)cid.release();
    change(req.get());
    return Encode(req.get(), i2d_OCSP_REQUEST);
  }
  OcspResponseTemplate OneGood() const {
    OcspResponseTemplate tmpl;
    tmpl.produced_at = now_;
    tmpl.responses = {{.id = Id(),
                       .status = OcspCertStatus::kGood,
                       .this_update = now_ - hours(1),
                       .next_update = now_ + hours(24)}};
    return tmpl;
  }
  const TestPki* pki_ = nullptr;
  TimePoint now_ = Now();
};

void AddExtension(OCSP_REQUEST* req, const char* oid, bool critical, const std::string& value) {
  internal::X509ExtensionPtr ext = RawExtension(oid, critical, value);
  ASSERT_TRUE(ext);
  ASSERT_EQ(OCSP_REQUEST_add_ext(req, ext.get(), -1), 1);
}

TEST_F(OcspTest, ParseRefusesMalformedRequestsWithMalformed) {
  auto good = BuildOcspRequest({.ids = {Id()}, .nonce = kNonce});
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_TRUE(ParseOcspRequest(*good).ok());
  const std::string id_name = Id().issuer_name_hash, id_key = Id().issuer_key_hash;
  auto add_id = [](OCSP_REQUEST* req, internal::OcspCertIdPtr cid) {
    ASSERT_TRUE(cid);
    ASSERT_NE(OCSP_request_add0_id(req, cid.get()), nullptr);
    (void)cid.release();
  };
  auto leaf = IssueLeaf(*pki_, "\x06");
  ASSERT_TRUE(leaf.ok());
  const struct {
    const char* name;
    std::string der;
  } cases[] = {
      {"empty", ""},
      {"garbage", "not an OCSP request"},
      {"trailing data", *good + std::string(1, '\0')},
      {"truncated", good->substr(0, good->size() - 1)},
      {"indefinite length",
       std::string("\x30\x80", 2) + good->substr(HeaderLength(*good)) + std::string(2, '\0')},
      {"a certificate", leaf->ToDer()},
      {"no CertID", Encode(internal::OcspRequestPtr(OCSP_REQUEST_new()).get(), i2d_OCSP_REQUEST)},
      {"SHA-384 CertID", OpenSslRequest([&](OCSP_REQUEST* req) {
         add_id(req, OpenSslCertId(EVP_sha384(), *leaf, pki_->issuer));
       })},
      {"MD5 CertID", OpenSslRequest([&](OCSP_REQUEST* req) {
         add_id(req, RawCertId(std::string("\x2a\x86\x48\x86\xf7\x0d\x02\x05", 8), std::string(16, 'n'),
                               std::string(16, 'k'), internal::DerUnsignedInteger("\x07")));
       })},
      {"short name hash", OpenSslRequest([&](OCSP_REQUEST* req) {
         add_id(req, RawCertId(kSha1Oid, id_name.substr(1), id_key, internal::DerUnsignedInteger("\x07")));
       })},
      {"SHA-256-long key hash under SHA-1", OpenSslRequest([&](OCSP_REQUEST* req) {
         add_id(req, RawCertId(kSha1Oid, id_name, id_key + std::string(12, 'x'),
                               internal::DerUnsignedInteger("\x07")));
       })},
      {"negative serial", OpenSslRequest([&](OCSP_REQUEST* req) {
         add_id(req, RawCertId(kSha1Oid, id_name, id_key, std::string("\x02\x01\xfb", 3)));  // -5
       })},
      {"empty nonce", OpenSslRequest([](OCSP_REQUEST* req) {
         AddExtension(req, kNonceOid, false, std::string("\x04\x00", 2));
       })},
      {"33-octet nonce", OpenSslRequest([](OCSP_REQUEST* req) {
         std::string nonce(33, 'n');
         ASSERT_EQ(OCSP_request_add1_nonce(req, reinterpret_cast<unsigned char*>(nonce.data()), 33), 1);
       })},
      {"nonce not wrapped in an OCTET STRING",
       OpenSslRequest([](OCSP_REQUEST* req) { AddExtension(req, kNonceOid, false, kNonce); })},
      {"nonce with trailing data", OpenSslRequest([](OCSP_REQUEST* req) {
         AddExtension(req, kNonceOid, false, internal::DerTlv(0x04, kNonce) + std::string(1, '\0'));
       })},
      {"two nonces", OpenSslRequest([](OCSP_REQUEST* req) {
         AddExtension(req, kNonceOid, false, internal::DerTlv(0x04, "one"));
         AddExtension(req, kNonceOid, false, internal::DerTlv(0x04, "two"));
       })},
      {"critical unknown extension", OpenSslRequest([](OCSP_REQUEST* req) {
         AddExtension(req, "1.3.6.1.4.1.99999.1", true, std::string("\x05\x00", 2));
       })},
      {"critical unknown singleRequestExtension", OpenSslRequest([](OCSP_REQUEST* req) {
         internal::X509ExtensionPtr ext =
             RawExtension("1.3.6.1.4.1.99999.2", true, std::string("\x05\x00", 2));
         ASSERT_TRUE(ext);
         ASSERT_EQ(OCSP_ONEREQ_add_ext(OCSP_request_onereq_get0(req, 0), ext.get(), -1), 1);
       })},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto parsed = ParseOcspRequest(c.der);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), Code::kMalformed) << parsed.status().ToString();
  }
}

TEST_F(OcspTest, ParseAcceptsNonceBoundsAndIgnoresNonCriticalExtensions) {
  for (size_t size : {size_t{1}, size_t{32}}) {
    const std::string der = OpenSslRequest([size](OCSP_REQUEST* req) {
      std::string nonce(size, '\x01');
      ASSERT_EQ(OCSP_request_add1_nonce(req, reinterpret_cast<unsigned char*>(nonce.data()),
                                        static_cast<int>(size)),
                1);
    });
    auto parsed = ParseOcspRequest(der);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->nonce, std::string(size, '\x01'));
  }
  // A critical nonce is understood; a non-critical unknown extension is ignored (RFC 6960 §4.4).
  const std::string der = OpenSslRequest([](OCSP_REQUEST* req) {
    AddExtension(req, kNonceOid, true, internal::DerTlv(0x04, kNonce));
    AddExtension(req, "1.3.6.1.4.1.99999.1", false, std::string("\x05\x00", 2));
  });
  auto parsed = ParseOcspRequest(der);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->nonce, kNonce);
  ASSERT_EQ(parsed->ids.size(), 1u);
  EXPECT_TRUE(parsed->ids[0] == Id());
}

TEST_F(OcspTest, BuildRefusesBadRequestsWithInvalidArgument) {
  OcspCertId short_hash = Id();
  short_hash.issuer_name_hash.pop_back();
  OcspCertId long_key_hash = Id();
  long_key_hash.issuer_key_hash += std::string(12, 'x');  // 32 octets under SHA-1.
  OcspCertId no_serial = Id();
  no_serial.serial.clear();
  const struct {
    const char* name;
    OcspRequest request;
  } cases[] = {
      {"no CertID", {.ids = {}, .nonce = kNonce}},
      {"empty nonce", {.ids = {Id()}, .nonce = ""}},
      {"33-octet nonce", {.ids = {Id()}, .nonce = std::string(33, 'n')}},
      {"short name hash", {.ids = {Id(), short_hash}, .nonce = std::nullopt}},
      {"long key hash", {.ids = {long_key_hash}, .nonce = std::nullopt}},
      {"empty serial", {.ids = {no_serial}, .nonce = std::nullopt}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto der = BuildOcspRequest(c.request);
    ASSERT_FALSE(der.ok());
    EXPECT_EQ(der.status().code(), Code::kInvalidArgument) << der.status().ToString();
  }
}

TEST_F(OcspTest, SignRefusesBadTemplatesWithInvalidArgument) {
  ASSERT_TRUE(SignOcspResponse(OneGood(), pki_->responder, pki_->responder_key).ok());
  struct Case {
    const char* name;
    std::function<void(OcspResponseTemplate&)> change;
    const char* message;
  };
  const Case cases[] = {
      {"no response", [](OcspResponseTemplate& t) { t.responses.clear(); }, "needs a SingleResponse"},
      {"next_update == this_update",
       [](OcspResponseTemplate& t) { t.responses[0].next_update = t.responses[0].this_update; },
       "next_update must be after this_update"},
      {"next_update before this_update",
       [](OcspResponseTemplate& t) { t.responses[0].next_update = t.responses[0].this_update - hours(1); },
       "next_update must be after this_update"},
      {"next_update in the same second",
       [](OcspResponseTemplate& t) {
         t.responses[0].next_update = t.responses[0].this_update + milliseconds(500);
       },
       "next_update must be after this_update"},
      {"reason 7",
       [](OcspResponseTemplate& t) {
         t.responses[0].status = OcspCertStatus::kRevoked;
         t.responses[0].reason = 7;
       },
       "not a CRLReason"},
      {"reason 11",
       [](OcspResponseTemplate& t) {
         t.responses[0].status = OcspCertStatus::kRevoked;
         t.responses[0].reason = 11;
       },
       "not a CRLReason"},
      {"reason -2",
       [](OcspResponseTemplate& t) {
         t.responses[0].status = OcspCertStatus::kRevoked;
         t.responses[0].reason = -2;
       },
       "not a CRLReason"},
      {"empty nonce", [](OcspResponseTemplate& t) { t.nonce = ""; }, "outside 1..32"},
      {"33-octet nonce", [](OcspResponseTemplate& t) { t.nonce = std::string(33, 'n'); }, "outside 1..32"},
      {"short key hash", [](OcspResponseTemplate& t) { t.responses[0].id.issuer_key_hash.pop_back(); },
       "hashes must be 20 octets"},
      {"empty serial", [](OcspResponseTemplate& t) { t.responses[0].id.serial.clear(); }, "serial is empty"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    OcspResponseTemplate tmpl = OneGood();
    c.change(tmpl);
    auto der = SignOcspResponse(tmpl, pki_->responder, pki_->responder_key);
    ASSERT_FALSE(der.ok());
    EXPECT_EQ(der.status().code(), Code::kInvalidArgument);
    EXPECT_THAT(der.status().message(), HasSubstr(c.message));
  }
  // A reason on a status other than revoked is not written, and not refused.
  OcspResponseTemplate good_with_reason = OneGood();
  good_with_reason.responses[0].reason = 7;
  auto der = SignOcspResponse(good_with_reason, pki_->responder, pki_->responder_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  EXPECT_EQ(OcspResponse::FromDer(*der)->responses()[0].reason, -1);
}

TEST_F(OcspTest, SignRefusesAKeyThatIsNotTheResponders) {
  auto der = SignOcspResponse(OneGood(), pki_->responder, pki_->issuer_key);
  ASSERT_FALSE(der.ok());
  EXPECT_EQ(der.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(der.status().message(), HasSubstr("not the key of the responder certificate"));
}

TEST_F(OcspTest, EveryCrlReasonReadsBack) {
  OcspResponseTemplate tmpl = OneGood();
  tmpl.responses.clear();
  for (int reason : {-1, 0, 1, 2, 3, 4, 5, 6, 8, 9, 10}) {
    tmpl.responses.push_back({.id = Id(std::string(1, static_cast<char>(reason + 2))),
                              .status = OcspCertStatus::kRevoked,
                              .revoked_at = now_ - hours(reason + 2),
                              .reason = reason,
                              .this_update = now_,
                              .next_update = now_ + hours(1)});
  }
  auto der = SignOcspResponse(tmpl, pki_->responder, pki_->responder_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto response = OcspResponse::FromDer(*der);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  const std::vector<OcspSingleResponse> singles = response->responses();
  ASSERT_EQ(singles.size(), tmpl.responses.size());
  for (size_t i = 0; i < singles.size(); ++i) {
    SCOPED_TRACE("reason " + std::to_string(tmpl.responses[i].reason));
    ExpectSameSingle(singles[i], tmpl.responses[i]);
  }
}

TEST_F(OcspTest, TimesAfter2049AreGeneralizedTimeToo) {
  OcspResponseTemplate tmpl = OneGood();
  tmpl.produced_at = FromUnixSeconds(2871763200);  // 2061-01-01
  tmpl.responses[0].this_update = FromUnixSeconds(2871763200);
  tmpl.responses[0].next_update = FromUnixSeconds(2871763200 + 3600);
  auto der = SignOcspResponse(tmpl, pki_->responder, pki_->responder_key);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto response = OcspResponse::FromDer(*der);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->produced_at(), tmpl.produced_at);
  ExpectSameSingle(response->responses()[0], tmpl.responses[0]);
  // "20610101000000Z": 15 characters, as GeneralizedTime, not a UTCTime.
  EXPECT_NE(der->find("\x18\x0f"
                      "20610101000000Z"),
            std::string::npos);
}

TEST_F(OcspTest, ErrorResponsesParseBackWithTheirStatus) {
  for (OcspResponseStatus status :
       {OcspResponseStatus::kMalformedRequest, OcspResponseStatus::kInternalError,
        OcspResponseStatus::kTryLater, OcspResponseStatus::kSigRequired, OcspResponseStatus::kUnauthorized}) {
    const int value = static_cast<int>(status);
    SCOPED_TRACE("status " + std::to_string(value));
    const std::string der = OcspErrorResponse(status);
    // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED }, no responseBytes.
    EXPECT_EQ(der, std::string("\x30\x03\x0a\x01", 4) + static_cast<char>(value));
    auto response = OcspResponse::FromDer(der);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status(), status);
    EXPECT_TRUE(response->responses().empty());
    EXPECT_FALSE(response->nonce().has_value());
    EXPECT_TRUE(response->certificates().empty());
    EXPECT_FALSE(response->IsSignedBy(pki_->responder_key.public_key()));
    // OpenSSL reads the same status.
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    internal::OcspResponsePtr openssl(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(openssl);
    EXPECT_EQ(OCSP_response_status(openssl.get()), value);
  }
  // A successful status needs a body: there is none, so it is written as internalError.
  EXPECT_EQ(OcspErrorResponse(OcspResponseStatus::kSuccessful),
            OcspErrorResponse(OcspResponseStatus::kInternalError));
}

TEST_F(OcspTest, FromDerRefusesGarbageAndOtherObjectsWithMalformed) {
  auto good = SignOcspResponse(OneGood(), pki_->responder, pki_->responder_key);
  ASSERT_TRUE(good.ok());
  auto request = BuildOcspRequest({.ids = {Id()}, .nonce = std::nullopt});
  ASSERT_TRUE(request.ok());
  auto response_bytes = [](std::string_view oid, std::string_view body) {
    return internal::DerTlv(
        0x30, std::string("\x0a\x01\x00", 3) +
                  internal::DerTlv(0xa0, internal::DerTlv(0x30, internal::DerTlv(0x06, oid) +
                                                                    internal::DerTlv(0x04, body))));
  };
  const std::string basic_oid("\x2b\x06\x01\x05\x05\x07\x30\x01\x01", 9);
  const struct {
    const char* name;
    std::string der;
  } cases[] = {
      {"empty", ""},
      {"garbage", "not an OCSP response"},
      {"trailing data", *good + std::string(1, '\0')},
      {"truncated", good->substr(0, good->size() - 1)},
      {"a request", *request},
      {"status 4 (unused)", std::string("\x30\x03\x0a\x01\x04", 5)},
      {"status 7", std::string("\x30\x03\x0a\x01\x07", 5)},
      {"status of two octets", std::string("\x30\x04\x0a\x02\x00\x01", 6)},
      {"successful without responseBytes", std::string("\x30\x03\x0a\x01\x00", 5)},
      {"responseType other than basic",
       response_bytes(std::string("\x2b\x06\x01\x05\x05\x07\x30\x01\x09", 9), "whatever")},
      {"basic response that is garbage", response_bytes(basic_oid, "garbage")},
      {"basic response that is a request", response_bytes(basic_oid, *request)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto response = OcspResponse::FromDer(c.der);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), Code::kMalformed) << response.status().ToString();
  }
}

// A response OpenSSL signs itself (responderID byName, no nextUpdate, no nonce, no certs) reads with the
// defaults the header names; one with a SHA-384 CertID is refused.
TEST_F(OcspTest, ReadsAResponseOpenSslSigned) {
  auto leaf = IssueLeaf(*pki_, "\x21");
  ASSERT_TRUE(leaf.ok());
  internal::EvpPkeyPtr key = ToEvpPkey(pki_->responder_key);
  internal::X509Ptr signer = ToX509(pki_->responder);
  ASSERT_TRUE(key && signer);
  auto sign = [&](const EVP_MD* id_md) -> std::string {
    internal::OcspBasicRespPtr basic(OCSP_BASICRESP_new());
    internal::OcspCertIdPtr cid = OpenSslCertId(id_md, *leaf, pki_->issuer);
    internal::Asn1TimePtr this_update(
        ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(ToUnixSeconds(now_))));
    internal::Asn1TimePtr revoked_at(
        ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(ToUnixSeconds(now_ - hours(3)))));
    if (!basic || !cid ||
        OCSP_basic_add1_status(basic.get(), cid.get(), V_OCSP_CERTSTATUS_REVOKED, 4, revoked_at.get(),
                               this_update.get(), nullptr) == nullptr ||
        OCSP_basic_sign(basic.get(), signer.get(), key.get(), EVP_sha256(), nullptr, OCSP_NOCERTS) != 1) {
      return {};
    }
    internal::OcspResponsePtr response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
    return Encode(response.get(), i2d_OCSP_RESPONSE);
  };
  const std::string der = sign(EVP_sha1());
  ASSERT_FALSE(der.empty());
  auto response = OcspResponse::FromDer(der);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status(), OcspResponseStatus::kSuccessful);
  EXPECT_EQ(response->responder_key_hash(), "");  // byName
  EXPECT_FALSE(response->nonce().has_value());
  EXPECT_TRUE(response->certificates().empty());
  ASSERT_EQ(response->responses().size(), 1u);
  const OcspSingleResponse single = response->responses()[0];
  EXPECT_TRUE(single.id == CertIdFor(pki_->issuer, leaf->serial_bytes()));
  EXPECT_EQ(single.status, OcspCertStatus::kRevoked);
  EXPECT_EQ(single.reason, 4);
  EXPECT_EQ(single.revoked_at, now_ - hours(3));
  EXPECT_EQ(single.this_update, now_);
  EXPECT_EQ(single.next_update, TimePoint{});
  EXPECT_TRUE(response->IsSignedBy(pki_->responder_key.public_key()));
  EXPECT_FALSE(response->IsSignedBy(pki_->issuer_key.public_key()));

  const std::string sha384 = sign(EVP_sha384());
  ASSERT_FALSE(sha384.empty());
  auto refused = OcspResponse::FromDer(sha384);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kMalformed);
  EXPECT_THAT(refused.status().message(), HasSubstr("not SHA-1 or SHA-256"));
}

// IsSignedBy insists on a signature algorithm that fits the key: a response OpenSSL signs with
// ECDSA-with-SHA1 verifies under OpenSSL but not here.
TEST_F(OcspTest, IsSignedByRefusesSha1Signatures) {
  internal::EvpPkeyPtr key = ToEvpPkey(pki_->responder_key);
  internal::X509Ptr signer = ToX509(pki_->responder);
  ASSERT_TRUE(key && signer);
  internal::OcspBasicRespPtr basic(OCSP_BASICRESP_new());
  internal::OcspCertIdPtr cid =
      RawCertId(kSha1Oid, Id().issuer_name_hash, Id().issuer_key_hash, internal::DerUnsignedInteger("\x05"));
  internal::Asn1TimePtr this_update(
      ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(ToUnixSeconds(now_))));
  ASSERT_TRUE(basic && cid && this_update);
  ASSERT_NE(OCSP_basic_add1_status(basic.get(), cid.get(), V_OCSP_CERTSTATUS_GOOD, -1, nullptr,
                                   this_update.get(), nullptr),
            nullptr);
  ASSERT_EQ(OCSP_basic_sign(basic.get(), signer.get(), key.get(), EVP_sha1(), nullptr, OCSP_RESPID_KEY), 1);
  internal::OcspResponsePtr openssl(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  auto response = OcspResponse::FromDer(Encode(openssl.get(), i2d_OCSP_RESPONSE));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->responder_key_hash().size(), 20u);
  EXPECT_FALSE(response->IsSignedBy(pki_->responder_key.public_key()));
}

}  // namespace
}  // namespace anvil::crypto
