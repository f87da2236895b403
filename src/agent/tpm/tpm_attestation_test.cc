// The server's checks of device-attest-01 (attest::VerifyAttestation, as anvil-ca's validator runs them) on
// what a real TPM produces (a software TPM, tests/support/swtpm.h): the device's own certification passes, and
// each way a device could cheat is refused with its check named — a certification over another account's key
// authorization or over nothing, a replay for another challenge, a creation attestation instead of a
// certification, a duplicable key and a software key imported into the TPM claiming to be hardware-made, and
// tampered attestation data. The keys the device itself would never make are made with tpm2-tools.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "acme/types.h"
#include "agent/device_enroll.h"
#include "agent/tpm/tpm_device.h"
#include "attest/attestation.h"
#include "attest/tpm2.h"
#include "base/file.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/digest.h"
#include "support/swtpm.h"

namespace anvil::agent::tpm {
namespace {

constexpr uint32_t kKeyHandle = 0x81000010;
constexpr uint32_t kAkHandle = 0x81010002;
const acme::Identifier kDevice{acme::IdentifierType::kPermanentIdentifier, "SN-0042"};
constexpr char kToken[] = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
constexpr char kThumbprint[] = "LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ";

class TpmAttestationTest : public anvil::testing::SwtpmTest {
 protected:
  void SetUp() override {
    SwtpmTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (std::system("command -v tpm2_createak >/dev/null 2>&1") != 0) GTEST_SKIP() << "tpm2-tools is not installed";
    const std::string ak = swtpm_->dir() + "/ak";
    ASSERT_EQ(Run(std::string(ANVIL_SOURCE_DIR) + "/tests/device/make_ak.sh '" + tcti() + "' '" + ak +
                  "' --identifier SN-0042"),
              0);
    ak_chain_ = crypto::Certificate::ChainFromPem(ReadFile(ak + "/ak.pem").value()).value();
    anchors_.tpm = {crypto::Certificate::FromPem(ReadFile(ak + "/attestation-ca.pem").value()).value()};
  }

  // Runs `command` with tpm2-tools pointed at this TPM, output into the test's log; its exit status.
  int Run(const std::string& command) {
    const std::string log = swtpm_->dir() + "/commands.log";
    return std::system(("export TPM2TOOLS_TCTI='" + tcti() + "'; (" + command + ") >>'" + log + "' 2>&1").c_str());
  }
  // tpm2-tools commands in sequence, flushing what each loaded (swtpm has no resource manager).
  void Tools(const std::vector<std::string>& commands) {
    for (const std::string& command : commands) {
      ASSERT_EQ(Run("cd '" + swtpm_->dir() + "' && " + command), 0)
          << command << "\n" << ReadFile(swtpm_->dir() + "/commands.log").value_or("");
      Run("tpm2_flushcontext -t; tpm2_flushcontext -s; tpm2_flushcontext -l");
    }
  }

  // The attestation object of the key at `key_handle`, certified by the AK over `qualifying_data`.
  std::string Attest(uint32_t key_handle, const std::string& qualifying_data, std::string* pub_area = nullptr) {
    auto device = TpmDevice::Open(tcti());
    EXPECT_TRUE(device.ok()) << device.status().ToString();
    if (!device.ok()) return "";
    auto pub = key_handle == kKeyHandle ? device->EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256)
                                        : device->ReadPublic(key_handle);
    EXPECT_TRUE(pub.ok()) << pub.status().ToString();
    auto certified = device->Certify(key_handle, kAkHandle, qualifying_data);
    EXPECT_TRUE(certified.ok()) << certified.status().ToString();
    if (!pub.ok() || !certified.ok()) return "";
    if (pub_area != nullptr) *pub_area = *pub;
    return TpmAttestationObject(*pub, *certified, ak_chain_);
  }

  static std::string KeyAuthorization(const std::string& token, const std::string& thumbprint) {
    return acme::KeyAuthorization(token, thumbprint);
  }

  // The server's verdict on `att_obj` for the challenge kToken of the account kThumbprint.
  Result<attest::Evidence> Verify(const std::string& att_obj) {
    return attest::VerifyAttestation(
        {att_obj, kDevice, kToken, KeyAuthorization(kToken, kThumbprint), SystemClock().Now()}, anchors_);
  }

  void ExpectRefused(const std::string& att_obj, const std::string& detail) {
    auto verdict = Verify(att_obj);
    ASSERT_FALSE(verdict.ok()) << "accepted; expected: " << detail;
    EXPECT_EQ(verdict.status().code(), Code::kBadAttestationStatement);
    EXPECT_EQ(verdict.status().message(), detail);
  }

  std::vector<crypto::Certificate> ak_chain_;
  attest::TrustAnchors anchors_;
};

const std::string kRightQualifyingData = crypto::Sha256(std::string(kToken) + "." + kThumbprint);

TEST_F(TpmAttestationTest, TheDevicesOwnCertificationVerifies) {
  std::string pub_area;
  auto evidence = Verify(Attest(kKeyHandle, kRightQualifyingData, &pub_area));
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  EXPECT_EQ(evidence->format, "tpm");
  EXPECT_EQ(evidence->identifiers, std::vector<acme::Identifier>{kDevice});
  auto key = attest::TpmPublicKey(attest::ParseTpmtPublic(pub_area).value());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(evidence->public_key_der, key->ToDer());
  EXPECT_EQ(evidence->chain_sha256.size(), 2u);  // the AK certificate and the attestation CA
}

TEST_F(TpmAttestationTest, AnRsaPssAttestationKeyVerifiesAsPs256) {
  // A second AK, RSA-2048 signing RSASSA-PSS, certified by its own attestation CA.
  const std::string ak = swtpm_->dir() + "/ak-pss";
  ASSERT_EQ(Run(std::string(ANVIL_SOURCE_DIR) + "/tests/device/make_ak.sh '" + tcti() + "' '" + ak +
                "' --identifier SN-0042 --ak-handle 0x81010003 --ak-scheme rsapss"),
            0);
  anchors_.tpm.push_back(crypto::Certificate::FromPem(ReadFile(ak + "/attestation-ca.pem").value()).value());
  auto device = TpmDevice::Open(tcti());
  ASSERT_TRUE(device.ok());
  auto pub = device->EnsureSigningKey(kKeyHandle, KeyAlg::kEccP256);
  auto certified = device->Certify(kKeyHandle, 0x81010003, kRightQualifyingData);
  ASSERT_TRUE(pub.ok() && certified.ok()) << certified.status().ToString();
  EXPECT_EQ(certified->cose_alg, -37);
  auto chain = crypto::Certificate::ChainFromPem(ReadFile(ak + "/ak.pem").value()).value();
  auto evidence = Verify(TpmAttestationObject(*pub, *certified, chain));
  EXPECT_TRUE(evidence.ok()) << evidence.status().ToString();
}

TEST_F(TpmAttestationTest, ACertificationOverAnotherAccountsKeyAuthorizationIsRefused) {
  ExpectRefused(Attest(kKeyHandle, crypto::Sha256(KeyAuthorization(kToken, "another-accounts-thumbprint"))),
                "tpm: certInfo extraData is not SHA-256 of the key authorization");
}

TEST_F(TpmAttestationTest, ACertificationWithoutTheKeyAuthorizationIsRefused) {
  ExpectRefused(Attest(kKeyHandle, ""), "tpm: certInfo extraData is not SHA-256 of the key authorization");
  ExpectRefused(Attest(kKeyHandle, crypto::Sha256(kToken)),  // the token alone (the apple construction)
                "tpm: certInfo extraData is not SHA-256 of the key authorization");
}

TEST_F(TpmAttestationTest, AnAttestationReplayedForAnotherChallengeIsRefused) {
  const std::string earlier = Attest(kKeyHandle, crypto::Sha256(KeyAuthorization("an-earlier-token", kThumbprint)));
  ASSERT_TRUE(attest::VerifyAttestation({earlier, kDevice, "an-earlier-token",
                                         KeyAuthorization("an-earlier-token", kThumbprint), SystemClock().Now()},
                                        anchors_)
                  .ok());
  ExpectRefused(earlier, "tpm: certInfo extraData is not SHA-256 of the key authorization");
}

TEST_F(TpmAttestationTest, TamperedAttestationDataIsRefused) {
  std::string pub_area;
  Attest(kKeyHandle, kRightQualifyingData, &pub_area);
  auto device = TpmDevice::Open(tcti());
  ASSERT_TRUE(device.ok());
  auto certified = device->Certify(kKeyHandle, kAkHandle, kRightQualifyingData);
  ASSERT_TRUE(certified.ok());
  // The TPM's clock, moved by one: everything else checks out, the AK's signature does not.
  attest::TpmsAttest info = attest::ParseTpmsAttest(certified->certify_info).value();
  info.clock_info.clock += 1;
  Certification tampered = *certified;
  tampered.certify_info = attest::MarshalTpmsAttest(info);
  ExpectRefused(TpmAttestationObject(pub_area, tampered, ak_chain_),
                "tpm: sig does not verify over certInfo with the AK certificate's key");
}

TEST_F(TpmAttestationTest, ADuplicableKeyIsRefused) {
  // A signing key the TPM may let leave it: neither fixedTPM nor fixedParent.
  ASSERT_NO_FATAL_FAILURE(Tools({"tpm2_createprimary -C o -g sha256 -G ecc -c primary.ctx",
                                 "tpm2_create -C primary.ctx -G ecc -a 'sign|userwithauth|sensitivedataorigin' "
                                 "-u dup.pub -r dup.priv",
                                 "tpm2_load -C primary.ctx -u dup.pub -r dup.priv -c dup.ctx && "
                                 "tpm2_evictcontrol -C o -c dup.ctx 0x81000020"}));
  ExpectRefused(Attest(0x81000020, kRightQualifyingData), "tpm: pubArea objectAttributes: fixedTPM is not set");
}

TEST_F(TpmAttestationTest, ASoftwareKeyImportedIntoTheTpmIsRefused) {
  // A key made outside the TPM and imported: the TPM marks it, it was not born there.
  ASSERT_NO_FATAL_FAILURE(Tools({"openssl ecparam -name prime256v1 -genkey -noout -out software.pem",
                                 "tpm2_createprimary -C o -g sha256 -G ecc -c primary.ctx",
                                 "tpm2_import -C primary.ctx -G ecc -i software.pem -u imp.pub -r imp.priv",
                                 "tpm2_load -C primary.ctx -u imp.pub -r imp.priv -c imp.ctx && "
                                 "tpm2_evictcontrol -C o -c imp.ctx 0x81000021"}));
  // TPM2_Import takes only keys that may move (fixedTPM clear), and never marks them sensitiveDataOrigin.
  std::string pub_area;
  ExpectRefused(Attest(0x81000021, kRightQualifyingData, &pub_area), "tpm: pubArea objectAttributes: fixedTPM is not set");
  EXPECT_FALSE(attest::ParseTpmtPublic(pub_area).value().has(attest::kTpmaSensitiveDataOrigin));
}

TEST_F(TpmAttestationTest, ACreationAttestationInsteadOfACertificationIsRefused) {
  // TPM2_CertifyCreation of a key the TPM made: a TPMS_ATTEST of type TPM_ST_ATTEST_CREATION, signed by the AK
  // over the right key authorization — the wrong statement for device-attest-01.
  ASSERT_NO_FATAL_FAILURE(Tools({"tpm2_createprimary -C o -g sha256 -G ecc -c created.ctx --creation-data "
                                 "creation.data -d creation.hash -t creation.ticket",
                                 "tpm2_certifycreation -C 0x81010002 -c created.ctx -d creation.hash -t "
                                 "creation.ticket -g sha256 -s ecdsa -f plain -o creation.sig --attestation "
                                 "creation.attest"}));
  std::string pub_area;
  Attest(kKeyHandle, kRightQualifyingData, &pub_area);  // any key's public area: the type is checked first
  Certification creation;
  creation.certify_info = ReadFile(swtpm_->dir() + "/creation.attest").value();
  creation.signature_raw = ReadFile(swtpm_->dir() + "/creation.sig").value();
  creation.cose_alg = -7;
  ExpectRefused(TpmAttestationObject(pub_area, creation, ak_chain_),
                "tpm: certInfo is a creation attestation (TPM_ST_ATTEST_CREATION), not a certification");
}

}  // namespace
}  // namespace anvil::agent::tpm
