// TpmDevice and crypto::LoadTpm2Key against a software TPM (tests/support/swtpm.h): the signing key is made
// once and found after, has the attributes asked for, is certified by an AK with a TPMS_ATTEST the AK's key
// verifies, and signs a CSR through OpenSSL's tpm2 provider. TPM structures are read back with the TSS's own
// unmarshalling (tss2-mu), not with the code under test.
#include "agent/tpm/tpm_device.h"

#include <gtest/gtest.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include <atomic>
#include <thread>
#include <vector>

#include "attest/tpm2.h"
#include "base/file.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "crypto/tpm2_key.h"
#include "support/loopback.h"
#include "support/swtpm.h"

namespace anvil::agent::tpm {
namespace {

using namespace std::string_view_literals;

constexpr uint32_t kKeyHandle = 0x81000010;
constexpr uint32_t kAkHandle = 0x81010002;

TPMT_PUBLIC UnmarshalPublic(const std::string& bytes) {
  TPMT_PUBLIC pub{};
  size_t offset = 0;
  EXPECT_EQ(Tss2_MU_TPMT_PUBLIC_Unmarshal(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                          &offset, &pub),
            TSS2_RC_SUCCESS);
  EXPECT_EQ(offset, bytes.size()) << "trailing bytes after TPMT_PUBLIC";
  return pub;
}

std::string Bytes(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// The public key of a TPMT_PUBLIC, built from its fields by crypto/ (what the server's TpmPublicKey does).
crypto::PublicKey PublicKeyOf(const TPMT_PUBLIC& pub) {
  if (pub.type == TPM2_ALG_ECC) {
    EXPECT_EQ(pub.parameters.eccDetail.curveID, TPM2_ECC_NIST_P256);
    return crypto::PublicKey::FromEcPoint(crypto::Curve::kP256,
                                          Bytes(pub.unique.ecc.x.buffer, pub.unique.ecc.x.size),
                                          Bytes(pub.unique.ecc.y.buffer, pub.unique.ecc.y.size))
        .value();
  }
  const uint32_t e = pub.parameters.rsaDetail.exponent == 0 ? 65537 : pub.parameters.rsaDetail.exponent;
  const std::string exponent = {static_cast<char>(e >> 24), static_cast<char>(e >> 16),
                                static_cast<char>(e >> 8), static_cast<char>(e)};
  return crypto::PublicKey::FromRsa(Bytes(pub.unique.rsa.buffer, pub.unique.rsa.size), exponent).value();
}

// The TPM name of an object: nameAlg (SHA-256) || SHA-256(TPMT_PUBLIC).
std::string TpmName(const std::string& tpmt_public) {
  return std::string("\x00\x0b", 2) + crypto::Sha256(tpmt_public);
}

// An attestation key as tpm2_createak makes one: restricted, sign, ECC P-256, ECDSA-SHA256, under the owner's
// primary storage key, persisted at `handle`. Made with ESAPI directly, beside the code under test.
void MakeAk(const std::string& tcti, uint32_t handle) {
  TSS2_TCTI_CONTEXT* tcti_ctx = nullptr;
  ESYS_CONTEXT* esys = nullptr;
  ASSERT_EQ(Tss2_TctiLdr_Initialize(tcti.c_str(), &tcti_ctx), TSS2_RC_SUCCESS);
  ASSERT_EQ(Esys_Initialize(&esys, tcti_ctx, nullptr), TSS2_RC_SUCCESS);
  TPM2B_SENSITIVE_CREATE no_auth{};
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION pcrs{};
  TPM2B_PUBLIC srk{};
  srk.publicArea.type = TPM2_ALG_ECC;
  srk.publicArea.nameAlg = TPM2_ALG_SHA256;
  srk.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  srk.publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
  srk.publicArea.parameters.eccDetail.symmetric.keyBits.aes = 128;
  srk.publicArea.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  srk.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  srk.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  srk.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  ESYS_TR primary = ESYS_TR_NONE, ak = ESYS_TR_NONE, persisted = ESYS_TR_NONE;
  ASSERT_EQ(Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &no_auth,
                               &srk, &outside, &pcrs, &primary, nullptr, nullptr, nullptr, nullptr),
            TSS2_RC_SUCCESS);
  TPM2B_PUBLIC ak_template{};
  TPMT_PUBLIC& a = ak_template.publicArea;
  a.type = TPM2_ALG_ECC;
  a.nameAlg = TPM2_ALG_SHA256;
  a.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                       TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
  a.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
  a.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
  a.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  a.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  a.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  TPM2B_PRIVATE* priv = nullptr;
  TPM2B_PUBLIC* pub = nullptr;
  ASSERT_EQ(Esys_Create(esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &no_auth, &ak_template,
                        &outside, &pcrs, &priv, &pub, nullptr, nullptr, nullptr),
            TSS2_RC_SUCCESS);
  ASSERT_EQ(Esys_Load(esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv, pub, &ak),
            TSS2_RC_SUCCESS);
  ASSERT_EQ(Esys_EvictControl(esys, ESYS_TR_RH_OWNER, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                              handle, &persisted),
            TSS2_RC_SUCCESS);
  Esys_Free(priv);
  Esys_Free(pub);
  Esys_FlushContext(esys, ak);
  Esys_FlushContext(esys, primary);
  Esys_TR_Close(esys, &persisted);
  Esys_Finalize(&esys);
  Tss2_TctiLdr_Finalize(&tcti_ctx);
}

class TpmDeviceTest : public testing::SwtpmTest {
 protected:
  TpmDevice Open() {
    Result<TpmDevice> device = TpmDevice::Open(tcti());
    EXPECT_TRUE(device.ok()) << device.status().ToString();
    return std::move(device).value();
  }
};

TEST_F(TpmDeviceTest, EnsureSigningKeyCreatesThenFindsTheSameKey) {
  std::string first, again, reopened;
  {
    TpmDevice device = Open();
    Result<std::string> made = device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    first = *made;
    Result<std::string> found = device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    again = *found;
    EXPECT_EQ(device.ReadPublic(kKeyHandle).value_or(""), first);
  }
  TpmDevice device = Open();  // a new connection: the key is persistent, no transient object was left
  Result<std::string> found = device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(again, first);
  EXPECT_EQ(*found, first);
}

TEST_F(TpmDeviceTest, SigningKeyHasTheAttributesAskedFor) {
  TpmDevice device = Open();
  Result<std::string> made = device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const TPMT_PUBLIC pub = UnmarshalPublic(*made);
  EXPECT_EQ(pub.type, TPM2_ALG_ECC);
  EXPECT_EQ(pub.nameAlg, TPM2_ALG_SHA256);
  EXPECT_EQ(pub.objectAttributes,
            kAttrFixedTpm | kAttrFixedParent | kAttrSensitiveDataOrigin | kAttrUserWithAuth | kAttrSign);
  EXPECT_EQ(pub.parameters.eccDetail.scheme.scheme, TPM2_ALG_NULL);
  EXPECT_EQ(pub.parameters.eccDetail.curveID, TPM2_ECC_NIST_P256);
  EXPECT_EQ(pub.unique.ecc.x.size, 32);
  EXPECT_EQ(pub.unique.ecc.y.size, 32);
}

TEST_F(TpmDeviceTest, MakesRsa2048SigningKeys) {
  TpmDevice device = Open();
  Result<std::string> made = device.EnsureSigningKey(kKeyHandle + 1, KeyAlg::kRsa2048);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const TPMT_PUBLIC pub = UnmarshalPublic(*made);
  EXPECT_EQ(pub.type, TPM2_ALG_RSA);
  EXPECT_EQ(pub.parameters.rsaDetail.keyBits, 2048);
  EXPECT_EQ(pub.parameters.rsaDetail.scheme.scheme, TPM2_ALG_NULL);
  EXPECT_EQ(pub.objectAttributes & (kAttrRestricted | kAttrDecrypt), 0u);
  EXPECT_EQ(PublicKeyOf(pub).bits(), 2048);
}

TEST_F(TpmDeviceTest, EnsureSigningKeyRefusesAHandleHoldingAnotherKindOfObject) {
  MakeAk(tcti(), kAkHandle);
  TpmDevice device = Open();
  Result<std::string> ak = device.EnsureSigningKey(kAkHandle, KeyAlg::kEccP256);
  EXPECT_EQ(ak.status().code(), Code::kConflict) << ak.status().ToString();
  EXPECT_NE(ak.status().message().find("restricted"), std::string::npos) << ak.status().message();

  ASSERT_TRUE(device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256).ok());
  EXPECT_EQ(device.EnsureSigningKey(kKeyHandle, KeyAlg::kRsa2048).status().code(), Code::kConflict);

  for (uint32_t handle : {0x80000001u, 0x01c00002u, 0x81800000u}) {
    EXPECT_EQ(device.EnsureSigningKey(handle, KeyAlg::kEccP256).status().code(), Code::kInvalidArgument)
        << handle;
  }
}

TEST_F(TpmDeviceTest, CertifyReturnsAnAttestationTheAkSigned) {
  MakeAk(tcti(), kAkHandle);
  TpmDevice device = Open();
  const std::string key_public = device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256).value();
  const std::string qualifying = crypto::Sha256("token.thumbprint");
  Result<Certification> cert = device.Certify(kKeyHandle, kAkHandle, qualifying);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();

  TPMS_ATTEST attest{};
  size_t offset = 0;
  ASSERT_EQ(Tss2_MU_TPMS_ATTEST_Unmarshal(reinterpret_cast<const uint8_t*>(cert->certify_info.data()),
                                          cert->certify_info.size(), &offset, &attest),
            TSS2_RC_SUCCESS);
  EXPECT_EQ(offset, cert->certify_info.size());
  EXPECT_EQ(attest.magic, 0xff544347u);
  EXPECT_EQ(attest.type, 0x8017);  // TPM_ST_ATTEST_CERTIFY
  EXPECT_EQ(Bytes(attest.extraData.buffer, attest.extraData.size), qualifying);
  EXPECT_EQ(Bytes(attest.attested.certify.name.name, attest.attested.certify.name.size), TpmName(key_public));

  const crypto::PublicKey ak_key = PublicKeyOf(UnmarshalPublic(device.ReadPublic(kAkHandle).value()));
  EXPECT_EQ(cert->cose_alg, -7);
  EXPECT_TRUE(ak_key.Verify(crypto::DigestAlg::kSha256, cert->certify_info, cert->signature_raw));
  std::string tampered = cert->certify_info;
  tampered[tampered.size() - 1] ^= 1;
  EXPECT_FALSE(ak_key.Verify(crypto::DigestAlg::kSha256, tampered, cert->signature_raw));

  TPMT_SIGNATURE sig{};
  offset = 0;
  ASSERT_EQ(Tss2_MU_TPMT_SIGNATURE_Unmarshal(reinterpret_cast<const uint8_t*>(cert->signature_tpmt.data()),
                                             cert->signature_tpmt.size(), &offset, &sig),
            TSS2_RC_SUCCESS);
  EXPECT_EQ(offset, cert->signature_tpmt.size());
  EXPECT_EQ(sig.sigAlg, TPM2_ALG_ECDSA);
  EXPECT_EQ(sig.signature.ecdsa.hash, TPM2_ALG_SHA256);
  const std::string raw = Bytes(sig.signature.ecdsa.signatureR.buffer, sig.signature.ecdsa.signatureR.size) +
                          Bytes(sig.signature.ecdsa.signatureS.buffer, sig.signature.ecdsa.signatureS.size);
  EXPECT_EQ(crypto::EcdsaRawToDer(raw).value_or(""), cert->signature_raw);
}

TEST_F(TpmDeviceTest, CertifyRefusesMissingObjectsAndLongQualifyingData) {
  MakeAk(tcti(), kAkHandle);
  TpmDevice device = Open();
  ASSERT_TRUE(device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256).ok());
  EXPECT_EQ(device.Certify(kKeyHandle + 7, kAkHandle, "q").status().code(), Code::kNotFound);
  EXPECT_EQ(device.Certify(kKeyHandle, kAkHandle + 7, "q").status().code(), Code::kNotFound);
  EXPECT_EQ(device.Certify(kKeyHandle, kAkHandle, std::string(65, 'q')).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(device.ReadPublic(kKeyHandle + 7).status().code(), Code::kNotFound);
}

TEST_F(TpmDeviceTest, OpenFailsWhenNoTpmAnswers) {
  const uint16_t port = anvil::testing::FreePort().value();
  Result<TpmDevice> device = TpmDevice::Open("swtpm:host=127.0.0.1,port=" + std::to_string(port));
  EXPECT_EQ(device.status().code(), Code::kUnavailable) << device.status().ToString();
}

// The key at the handle, through OpenSSL's tpm2 provider, signs a CSR that verifies; its public key is the
// TPMT_PUBLIC's. The TpmDevice is closed first: swtpm serves one connection at a time.
void ExpectLoadedKeySigns(const std::string& tcti, const std::string& tpmt_public, uint32_t handle) {
  char uri[32];
  std::snprintf(uri, sizeof uri, "handle:0x%08x", handle);
  Result<crypto::PrivateKey> key = crypto::LoadTpm2Key(uri, tcti);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(key->public_key() == PublicKeyOf(UnmarshalPublic(tpmt_public)));
  EXPECT_EQ(key->ToPem(), "") << "the private half never leaves the TPM";

  Result<crypto::Csr> csr = crypto::Csr::Create(*key, {"device.anvil.test"}, {});
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  EXPECT_TRUE(csr->VerifySignature());
  EXPECT_TRUE(csr->public_key() == key->public_key());

  Result<std::string> sig = key->Sign(crypto::DigestAlg::kSha256, "data");
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_TRUE(key->public_key().Verify(crypto::DigestAlg::kSha256, "data", *sig));
  EXPECT_FALSE(key->public_key().Verify(crypto::DigestAlg::kSha256, "other", *sig));
}

TEST_F(TpmDeviceTest, LoadTpm2KeySignsACsrWithTheEcKey) {
  std::string pub;
  {
    TpmDevice device = Open();
    pub = device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256).value();
  }
  ExpectLoadedKeySigns(tcti(), pub, kKeyHandle);
  // The key's TPM connection closed with it: the TPM takes a new one.
  TpmDevice device = Open();
  EXPECT_EQ(device.ReadPublic(kKeyHandle).value_or(""), pub);
}

TEST_F(TpmDeviceTest, LoadTpm2KeySignsACsrWithTheRsaKey) {
  std::string pub;
  {
    TpmDevice device = Open();
    pub = device.EnsureSigningKey(kKeyHandle, KeyAlg::kRsa2048).value();
  }
  ExpectLoadedKeySigns(tcti(), pub, kKeyHandle);
}

TEST_F(TpmDeviceTest, LoadedKeySignsFromSeveralThreadsAtOnce) {
  {
    TpmDevice device = Open();
    ASSERT_TRUE(device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256).ok());
  }
  const crypto::PrivateKey key = crypto::LoadTpm2Key("handle:0x81000010", tcti()).value();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        const std::string data = "thread " + std::to_string(t) + " #" + std::to_string(i);
        Result<std::string> sig = key.Sign(crypto::DigestAlg::kSha256, data);
        if (sig.ok() && key.public_key().Verify(crypto::DigestAlg::kSha256, data, *sig)) ++good;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), 12);
}

TEST_F(TpmDeviceTest, LoadTpm2KeyTellsAMissingKeyFromAMissingTpm) {
  Result<crypto::PrivateKey> missing = crypto::LoadTpm2Key("handle:0x81000099", tcti());
  EXPECT_EQ(missing.status().code(), Code::kNotFound) << missing.status().ToString();
  const uint16_t port = anvil::testing::FreePort().value();
  Result<crypto::PrivateKey> no_tpm =
      crypto::LoadTpm2Key("handle:0x81000010", "swtpm:host=127.0.0.1,port=" + std::to_string(port));
  EXPECT_EQ(no_tpm.status().code(), Code::kUnavailable) << no_tpm.status().ToString();
}

// What the device produces is what the server's parsers (attest/tpm2.h) read: the TPMT_PUBLIC's key is the
// key OpenSSL signs with, its TPM name is the one certified, and the two signature forms agree.
TEST_F(TpmDeviceTest, ServerParsersReadWhatTheDeviceProduces) {
  MakeAk(tcti(), kAkHandle);
  std::string key_public, ak_public;
  Certification cert;
  {
    TpmDevice device = Open();
    key_public = device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256).value();
    ak_public = device.ReadPublic(kAkHandle).value();
    cert = device.Certify(kKeyHandle, kAkHandle, crypto::Sha256("key authorization")).value();
  }
  const attest::TpmtPublic pub = attest::ParseTpmtPublic(key_public).value();
  EXPECT_TRUE(pub.has(attest::kTpmaFixedTpm | attest::kTpmaFixedParent | attest::kTpmaSensitiveDataOrigin |
                      attest::kTpmaSign));
  EXPECT_FALSE(pub.has(attest::kTpmaRestricted));
  EXPECT_FALSE(pub.has(attest::kTpmaDecrypt));
  const attest::TpmsAttest info = attest::ParseTpmsAttest(cert.certify_info).value();
  EXPECT_EQ(info.type, attest::kTpmStAttestCertify);
  EXPECT_EQ(info.extra_data, crypto::Sha256("key authorization"));
  EXPECT_EQ(info.certified_name, attest::TpmName(pub).value());
  const attest::TpmtSignature sig = attest::ParseTpmtSignature(cert.signature_tpmt).value();
  EXPECT_EQ(attest::RawSignature(sig), cert.signature_raw);
  const crypto::PublicKey ak_key = attest::TpmPublicKey(attest::ParseTpmtPublic(ak_public).value()).value();
  EXPECT_TRUE(ak_key.Verify(crypto::DigestAlg::kSha256, cert.certify_info, cert.signature_raw));

  const crypto::PrivateKey key = crypto::LoadTpm2Key("handle:0x81000010", tcti()).value();
  EXPECT_TRUE(key.public_key() == attest::TpmPublicKey(pub).value());
}

// tests/device/make_ak.sh against a TPM manufactured with EK certificates, as the end-to-end test runs it.
class MakeAkScriptTest : public TpmDeviceTest {
 protected:
  testing::Swtpm::Options TpmOptions() const override { return {.ek_certificate = true}; }
};

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_F(MakeAkScriptTest, IssuesATcgProfileCertificateForAnAkThatCertifiesKeys) {
  if (std::system("command -v tpm2_createak >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "tpm2-tools or openssl is not installed";
  }
  const std::string out = swtpm_->dir() + "/ak";
  const std::string command = std::string(ANVIL_SOURCE_DIR) + "/tests/device/make_ak.sh '" + tcti() + "' '" +
                              out + "' --identifier SN-0042 >'" + out + ".log' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << ReadFile(out + ".log").value_or("");

  EXPECT_EQ(ReadFile(out + "/ak.handle").value_or(""), "0x81010002\n");
  const crypto::Certificate ca =
      crypto::Certificate::FromPem(ReadFile(out + "/attestation-ca.pem").value()).value();
  const crypto::Certificate ak = crypto::Certificate::FromPem(ReadFile(out + "/ak.pem").value()).value();
  EXPECT_TRUE(crypto::VerifyChain(ak, {}, ca, SystemClock().Now()).ok());
  EXPECT_EQ(ak.version(), 3);
  EXPECT_EQ(ak.subject_der(), std::string("\x30\x00", 2));
  const auto san = ak.extension("2.5.29.17").value();
  ASSERT_TRUE(san.has_value());
  EXPECT_TRUE(san->critical);
  for (std::string_view oid : {"\x06\x05\x67\x81\x05\x02\x01"sv, "\x06\x05\x67\x81\x05\x02\x02"sv,
                               "\x06\x05\x67\x81\x05\x02\x03"sv}) {  // tcg-at-tpmManufacturer, Model, Version
    EXPECT_TRUE(Contains(san->value, oid)) << crypto::HexEncode(oid);
  }
  // otherName PermanentIdentifier: [0] { SEQUENCE { UTF8String "SN-0042" } }
  EXPECT_TRUE(
      Contains(san->value, "\x06\x08\x2b\x06\x01\x05\x05\x07\x08\x03\xa0\x0b\x30\x09\x0c\x07SN-0042"sv));
  const auto eku = ak.extension("2.5.29.37").value();
  ASSERT_TRUE(eku.has_value());
  EXPECT_TRUE(Contains(eku->value, "\x06\x05\x67\x81\x05\x08\x03"sv));  // tcg-kp-AIKCertificate
  const auto basic = ak.extension("2.5.29.19").value();
  ASSERT_TRUE(basic.has_value());
  EXPECT_EQ(basic->value, std::string("\x30\x00", 2));  // cA absent: FALSE

  // The AK the certificate names is the one in the TPM: its certification verifies with the certificate's
  // key.
  TpmDevice device = Open();
  ASSERT_TRUE(device.EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256).ok());
  Result<Certification> cert = device.Certify(kKeyHandle, kAkHandle, crypto::Sha256("key authorization"));
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_EQ(cert->cose_alg, -7);
  EXPECT_TRUE(ak.public_key().Verify(crypto::DigestAlg::kSha256, cert->certify_info, cert->signature_raw));
}

TEST(Tpm2HandleUriTest, AcceptsPersistentHandlesOnly) {
  EXPECT_TRUE(crypto::CheckTpm2HandleUri("handle:0x81000010").ok());
  EXPECT_TRUE(crypto::CheckTpm2HandleUri("handle:81010002").ok());
  for (const char* uri :
       {"handle:", "handle:0x", "handle:0x80000001", "handle:0x1c00002", "handle:0x810000100",
        "handle:0x81000010?pass", "handle:zz", "object:/tmp/key", "0x81000010"}) {
    EXPECT_EQ(crypto::CheckTpm2HandleUri(uri).code(), Code::kInvalidArgument) << uri;
  }
  EXPECT_TRUE(crypto::IsTpm2HandleUri("handle:0x81000010"));
  EXPECT_FALSE(crypto::IsTpm2HandleUri("pkcs11:token=a"));
}

}  // namespace
}  // namespace anvil::agent::tpm
