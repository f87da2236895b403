// `anvil device enroll`'s flow (agent/device_enroll.h) against a scripted ACME server (FakeHttpClient) that
// judges device-attest-01 responses the way anvil-ca does — attest::VerifyAttestation against the test
// attestation CA of tests/device/make_ak.sh — and a software TPM (tests/support/swtpm.h; those cases are
// skipped without swtpm or tpm2-tools). The parsing helpers and the --software-key paths need no TPM.
#include "agent/device_enroll.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>

#include "agent/testing/fake_http_client.h"
#include "attest/attestation.h"
#include "attest/cbor.h"
#include "base/base64url.h"
#include "base/file.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "support/swtpm.h"
#include "support/temp_dir.h"

namespace anvil::agent {
namespace {

using nlohmann::json;
using testing::FakeHttpClient;
using testing::JsonResponse;
using testing::RecordedRequest;

const acme::Identifier kDevice{acme::IdentifierType::kPermanentIdentifier, "SN-0042"};

std::string U(const std::string& path) { return "https://ca.test" + path; }

// A one-device ACME server: each newOrder makes one pending authorization for its identifier offering
// `challenge_types`, with a fresh token. A device-attest-01 response is judged by `judge` (given the decoded
// attestation object and the challenge token); any other challenge is valid when answered. finalize issues a
// certificate for the CSR's key with its device names.
class DeviceAcme {
 public:
  using Judge = std::function<Status(const std::string& att_obj, const std::string& token)>;

  explicit DeviceAcme(FakeHttpClient& http) : http_(http) {
    crypto::CertificateTemplate t;
    t.serial = "\x01";
    t.subject.common_name = "Device Root";
    t.not_before = FromUnixSeconds(1'700'000'000);
    t.not_after = FromUnixSeconds(2'000'000'000);
    t.is_ca = true;
    t.key_cert_sign = true;
    root_.emplace(crypto::IssueCertificate(t, ca_key_.public_key(), nullptr, ca_key_).value());
    http_.Script("GET", U("/dir"),
                 {JsonResponse(200, {{"newNonce", U("/nonce")},
                                     {"newAccount", U("/new-account")},
                                     {"newOrder", U("/new-order")}})});
    http::Headers h;
    h.Set("Replay-Nonce", "n0");
    http_.Script("HEAD", U("/nonce"), {http::ClientResponse{200, h, ""}});
    http_.Route("POST", U("/new-order"), [this](const RecordedRequest& r) { return NewOrder(r); });
    http_.Route("POST", U("/authz/1"), [this](const RecordedRequest&) { return JsonResponse(200, authz_); });
    http_.Route("POST", U("/order/1"), [this](const RecordedRequest&) {
      if (order_["status"] == "pending" && authz_["status"] == "valid") order_["status"] = "ready";
      return JsonResponse(200, order_);
    });
    http_.Route("POST", U("/order/1/finalize"), [this](const RecordedRequest& r) { return Finalize(r); });
    http_.Route("POST", U("/cert/1"), [this](const RecordedRequest&) {
      return http::ClientResponse{200, {}, leaf_pem_ + root_->ToPem()};
    });
  }

  std::vector<std::string> challenge_types = {"device-attest-01"};
  Judge judge;
  bool answer_with_outcome = false;   // as anvil-ca within acme.challenge_wait; else the poll sees it
  std::vector<std::string> att_objs;  // every attestation object received (decoded)
  std::vector<std::string> tokens;
  std::vector<json> answered_payloads;
  std::optional<crypto::Csr> csr;

 private:
  http::ClientResponse NewOrder(const RecordedRequest& r) {
    json payload = json::parse(r.payload);
    const std::string token = base64url::Encode(crypto::RandomBytes(16));
    tokens.push_back(token);
    order_ = {{"status", "pending"},
              {"identifiers", payload["identifiers"]},
              {"finalize", U("/order/1/finalize")},
              {"authorizations", {U("/authz/1")}}};
    authz_ = {
        {"status", "pending"}, {"identifier", payload["identifiers"][0]}, {"challenges", json::array()}};
    for (const std::string& type : challenge_types) {
      authz_["challenges"].push_back(
          {{"type", type}, {"url", U("/chall/" + type)}, {"token", token}, {"status", "pending"}});
      http_.Route("POST", U("/chall/" + type),
                  [this, type](const RecordedRequest& req) { return Answer(req, type); });
    }
    http::Headers loc;
    loc.Set("Location", U("/order/1"));
    return JsonResponse(201, order_, loc);
  }

  http::ClientResponse Answer(const RecordedRequest& r, const std::string& type) {
    json payload = json::parse(r.payload);
    answered_payloads.push_back(payload);
    size_t index = 0;
    while (authz_["challenges"][index]["type"] != type) ++index;
    json& challenge = authz_["challenges"][index];
    Status verdict = Status::Ok();
    if (type == "device-attest-01") {
      auto att_obj = base64url::Decode(payload.value("attObj", ""));
      verdict = att_obj.ok() ? (att_objs.push_back(*att_obj), judge(*att_obj, challenge["token"]))
                             : Error(Code::kMalformed, "attObj is not base64url");
    }
    authz_["status"] = verdict.ok() ? "valid" : "invalid";
    challenge["status"] = authz_["status"];
    if (!verdict.ok()) {
      challenge["error"] = {{"type", "urn:ietf:params:acme:error:" + std::string(CodeName(verdict.code()))},
                            {"detail", verdict.message()}};
    }
    json answer = challenge;
    if (!answer_with_outcome) answer["status"] = "processing";
    return JsonResponse(200, answer);
  }

  http::ClientResponse Finalize(const RecordedRequest& r) {
    auto der = base64url::Decode(json::parse(r.payload)["csr"].get<std::string>());
    csr.emplace(crypto::Csr::FromDer(*der).value());
    crypto::CertificateTemplate t;
    t.serial = crypto::RandomBytes(16);
    t.serial[0] = 0x11;
    t.not_before = FromUnixSeconds(1'800'000'000);
    t.not_after = FromUnixSeconds(1'800'000'000 + 30 * 86400);
    t.device_names = csr->device_names();
    leaf_pem_ = crypto::IssueCertificate(t, csr->public_key(), &*root_, ca_key_).value().ToPem();
    order_["status"] = "valid";
    order_["certificate"] = U("/cert/1");
    return JsonResponse(200, order_);
  }

  FakeHttpClient& http_;
  crypto::PrivateKey ca_key_ = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256).value();
  std::optional<crypto::Certificate> root_;
  json order_, authz_;
  std::string leaf_pem_;
};

// The client side: an AcmeClient with an account on a fake clock, over the scripted server.
class DeviceEnrollTest : public ::testing::Test {
 protected:
  DeviceEnrollTest() : clock_(FromUnixSeconds(1'800'000'000)), sleeper_(clock_), acme_(http_) {
    AcmeClientOptions options;
    options.directory_url = U("/dir");
    client_ = std::make_unique<AcmeClient>(http_, clock_, sleeper_, options);
    client_->SetAccountKey(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256).value(), U("/acct/1"));
  }

  DeviceEnrollOptions SoftwareOptions() {
    DeviceEnrollOptions o;
    o.identifier = kDevice;
    o.software_key = true;
    o.software_key_file = dir_.path() + "/device.key.pem";
    return o;
  }

  anvil::testing::TempDir dir_;
  FakeHttpClient http_;
  FakeClock clock_;
  FakeSleeper sleeper_;
  DeviceAcme acme_;
  std::unique_ptr<AcmeClient> client_;
};

TEST(DeviceEnrollParseTest, IdentifierIsOneOfTheTwoDeviceTypesPerTheDraftAbnf) {
  EXPECT_EQ(ParseDeviceIdentifier("permanent-identifier:SN-0042").value(), kDevice);
  EXPECT_EQ(ParseDeviceIdentifier("permanent-identifier:ab:c/1.2.3").value(),
            (acme::Identifier{acme::IdentifierType::kPermanentIdentifier, "ab:c/1.2.3"}));
  EXPECT_EQ(ParseDeviceIdentifier("hardware-module:Serial/2.5.4").value(),
            (acme::Identifier{acme::IdentifierType::kHardwareModule, "Serial/2.5.4"}));
  for (const char* bad : {"SN-0042", "dns:example.com", "hardware-module:SN", "permanent-identifier:a/b/1.2",
                          "permanent-identifier:", "permanent-identifier:SN/1.02"}) {
    EXPECT_EQ(ParseDeviceIdentifier(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(DeviceEnrollParseTest, DeviceNameSplitsTheSerialFromTheOid) {
  EXPECT_EQ(DeviceNameOf(kDevice),
            (crypto::DeviceName{crypto::DeviceName::Kind::kPermanentIdentifier, "SN-0042", ""}));
  EXPECT_EQ(DeviceNameOf({acme::IdentifierType::kHardwareModule, "ABCD/1.2.3.4"}),
            (crypto::DeviceName{crypto::DeviceName::Kind::kHardwareModule, "ABCD", "1.2.3.4"}));
}

TEST(DeviceEnrollParseTest, HandlesArePersistentOwnerHandles) {
  EXPECT_EQ(ParsePersistentHandle("0x81000010").value(), 0x81000010u);
  EXPECT_EQ(ParsePersistentHandle("81010002").value(), 0x81010002u);
  EXPECT_EQ(ParsePersistentHandle("0X817FFFFF").value(), 0x817fffffu);
  for (const char* bad :
       {"", "0x", "0x80000001", "0x81800000", "0x1810000100", "handle:0x81000010", "0x8100001g"}) {
    EXPECT_EQ(ParsePersistentHandle(bad).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(HandleUri(0x81000010), "handle:0x81000010");
}

TEST(DeviceEnrollParseTest, KeyReferenceIsShellAndSystemdReadable) {
  KeyReference r{"handle:0x81000010", "", "swtpm:host=127.0.0.1,port=2321", "/etc/anvil/device.pem"};
  std::string text = FormatKeyReference(r).value();
  EXPECT_NE(text.find("\nANVIL_KEY_URI='handle:0x81000010'\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nTPM2OPENSSL_TCTI='swtpm:host=127.0.0.1,port=2321'\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nANVIL_CERT='/etc/anvil/device.pem'\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("ANVIL_KEY_FILE"), std::string::npos);
  // A shell reads it back.
  anvil::testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/ref", text, 0644).ok());
  const std::string out = dir.path() + "/out";
  const std::string cmd =
      "sh -c '. \"$0\"/ref && printf %s \"$TPM2OPENSSL_TCTI|$ANVIL_KEY_URI\" >\"$0\"/out' " + dir.path();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(ReadFile(out).value_or(""), "swtpm:host=127.0.0.1,port=2321|handle:0x81000010");

  r.tcti = "it's";
  EXPECT_EQ(FormatKeyReference(r).status().code(), Code::kInvalidArgument);
}

TEST_F(DeviceEnrollTest, SoftwareKeyRefusesAServerThatOffersOnlyDeviceAttest) {
  auto result = EnrollDevice(*client_, SoftwareOptions());
  ASSERT_EQ(result.status().code(), Code::kUnsupportedIdentifier) << result.status().ToString();
  EXPECT_NE(result.status().message().find("offers only device-attest-01"), std::string::npos)
      << result.status().message();
  EXPECT_TRUE(acme_.answered_payloads.empty()) << "nothing is answered";
}

TEST_F(DeviceEnrollTest, SoftwareKeyAnswersAnotherChallengeAndKeepsItsKeyOnRenewal) {
  acme_.challenge_types = {"device-attest-01", "pre-authorized-01"};
  auto first = EnrollDevice(*client_, SoftwareOptions());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->validated_by, "pre-authorized-01");
  EXPECT_EQ(acme_.answered_payloads, (std::vector<json>{json::object()}));
  EXPECT_EQ(first->key_uri, "file:" + dir_.path() + "/device.key.pem");
  ASSERT_EQ(first->chain.size(), 2u);
  EXPECT_EQ(first->chain.front().device_names(), (std::vector<crypto::DeviceName>{DeviceNameOf(kDevice)}));
  struct stat st {};
  ASSERT_EQ(::stat((dir_.path() + "/device.key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto again = EnrollDevice(*client_, SoftwareOptions());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->chain.front().public_key() == first->chain.front().public_key());
}

TEST_F(DeviceEnrollTest, PrivacyLeavesTheDeviceOutOfTheCsr) {
  acme_.challenge_types = {"pre-authorized-01"};
  DeviceEnrollOptions o = SoftwareOptions();
  o.privacy = true;
  auto result = EnrollDevice(*client_, o);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(acme_.csr.has_value());
  EXPECT_TRUE(acme_.csr->device_names().empty());
  EXPECT_TRUE(acme_.csr->dns_names().empty());
  EXPECT_EQ(acme_.csr->subject_common_name(), "");
}

TEST_F(DeviceEnrollTest, FilesHoldTheChainAndTheKeyReference) {
  acme_.challenge_types = {"pre-authorized-01"};
  auto result = EnrollDevice(*client_, SoftwareOptions());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const std::string cert = dir_.path() + "/device.pem", ref = dir_.path() + "/device.keyref";
  ASSERT_TRUE(WriteEnrollmentFiles(*result, "ignored for software keys", cert, ref).ok());
  auto chain = crypto::Certificate::ChainFromPem(ReadFile(cert).value()).value();
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].ToDer(), result->chain[0].ToDer());
  const std::string text = ReadFile(ref).value();
  EXPECT_NE(text.find("ANVIL_KEY_URI='file:" + dir_.path() + "/device.key.pem'\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ANVIL_KEY_FILE='" + dir_.path() + "/device.key.pem'\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ANVIL_CERT='" + cert + "'\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("TPM2OPENSSL_TCTI"), std::string::npos) << text;
}

// The account of a key file: registered once with the MDM's EAB token, afterwards found with
// onlyReturnExisting — a renewal does not present the one-time token again.
TEST_F(DeviceEnrollTest, AccountKeyFileIsRegisteredOnceWithEabThenFound) {
  bool registered = false;
  std::vector<json> payloads;
  http_.Route("POST", U("/new-account"), [&](const RecordedRequest& r) {
    json p = json::parse(r.payload);
    payloads.push_back(p);
    if (!registered && p.value("onlyReturnExisting", false)) {
      return testing::Problem(400, "accountDoesNotExist", "no account for this key");
    }
    registered = true;
    http::Headers loc;
    loc.Set("Location", U("/acct/7"));
    return JsonResponse(201, {{"status", "valid"}}, loc);
  });
  AccountOptions options;
  options.eab_kid = "kid-1";
  options.eab_hmac_key = std::string(32, 'k');
  const std::string key_file = dir_.path() + "/account.pem";
  auto first = EnsureAccountForKeyFile(*client_, key_file, options);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(client_->kid(), U("/acct/7"));
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_TRUE(payloads[1].contains("externalAccountBinding"));
  EXPECT_EQ(payloads[1].value("termsOfServiceAgreed", false), true);
  const std::string thumbprint = client_->Thumbprint();

  auto again = EnsureAccountForKeyFile(*client_, key_file, options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_EQ(payloads[2], (json{{"onlyReturnExisting", true}}));
  EXPECT_EQ(client_->Thumbprint(), thumbprint) << "the same key";
}

// ---- With a software TPM --------------------------------------------------------------------------------

class DeviceEnrollTpmTest : public anvil::testing::SwtpmTest {
 protected:
  DeviceEnrollTpmTest() : clock_(FromUnixSeconds(1'800'000'000)), sleeper_(clock_), acme_(http_) {}

  void SetUp() override {
    SwtpmTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (std::system("command -v tpm2_createak >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "tpm2-tools or openssl is not installed";
    }
    ak_dir_ = swtpm_->dir() + "/ak";
    const std::string command = std::string(ANVIL_SOURCE_DIR) + "/tests/device/make_ak.sh '" + tcti() +
                                "' '" + ak_dir_ + "' --identifier SN-0042 >'" + ak_dir_ + ".log' 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << ReadFile(ak_dir_ + ".log").value_or("");
    ak_chain_ = crypto::Certificate::ChainFromPem(ReadFile(ak_dir_ + "/ak.pem").value()).value();
    attestation_ca_ = crypto::Certificate::FromPem(ReadFile(ak_dir_ + "/attestation-ca.pem").value()).value();

    AcmeClientOptions options;
    options.directory_url = U("/dir");
    client_ = std::make_unique<AcmeClient>(http_, clock_, sleeper_, options);
    client_->SetAccountKey(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256).value(), U("/acct/1"));
    // The server's check, as anvil-ca's device-attest-01 validator makes it.
    acme_.judge = [this](const std::string& att_obj, const std::string& token) -> Status {
      attest::AttestationInput input{
          att_obj, kDevice, token, acme::KeyAuthorization(token, client_->Thumbprint()), SystemClock().Now()};
      attest::TrustAnchors anchors;
      anchors.tpm = {*trusted_};
      auto evidence = attest::VerifyAttestation(input, anchors);
      if (!evidence.ok()) return evidence.status();
      evidence_.push_back(*evidence);
      return Status::Ok();
    };
    trusted_ = attestation_ca_;
  }

  DeviceEnrollOptions EnrollOptions() const {
    DeviceEnrollOptions o;
    o.identifier = kDevice;
    o.tpm.tcti = tcti();
    o.tpm.ak_chain = ak_chain_;
    return o;
  }

  FakeHttpClient http_;
  FakeClock clock_;
  FakeSleeper sleeper_;
  DeviceAcme acme_;
  std::unique_ptr<AcmeClient> client_;
  std::string ak_dir_;
  std::vector<crypto::Certificate> ak_chain_;
  std::optional<crypto::Certificate> attestation_ca_, trusted_;
  std::vector<attest::Evidence> evidence_;
};

TEST_F(DeviceEnrollTpmTest, EnrollsWithAnAttestationTheServerVerifies) {
  auto result = EnrollDevice(*client_, EnrollOptions());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->validated_by, "device-attest-01");
  EXPECT_EQ(result->key_uri, "handle:0x81000010");
  ASSERT_EQ(evidence_.size(), 1u);
  EXPECT_EQ(evidence_[0].format, "tpm");
  EXPECT_EQ(evidence_[0].identifiers, (std::vector<acme::Identifier>{kDevice}));

  // The attestation object is the "tpm" format without authData (draft §5), x5c = the AK certificate.
  ASSERT_EQ(acme_.att_objs.size(), 1u);
  const attest::CborValue object = attest::DecodeCbor(acme_.att_objs[0]).value();
  EXPECT_EQ(object.Find("fmt")->AsText("fmt").value(), "tpm");
  EXPECT_EQ(object.Find("authData"), nullptr);
  const attest::CborValue* stmt = object.Find("attStmt");
  ASSERT_NE(stmt, nullptr);
  EXPECT_EQ(stmt->Find("ver")->AsText("ver").value(), "2.0");
  EXPECT_EQ(stmt->Find("alg")->AsInt("alg").value(), -7);  // the AK of make_ak.sh signs ECDSA-SHA256
  const attest::CborValue::Array* x5c = stmt->Find("x5c")->AsArray("x5c").value();
  ASSERT_EQ(x5c->size(), 1u);
  EXPECT_EQ((*x5c)[0].AsBytes("x5c[0]").value(), ak_chain_[0].ToDer());

  // The CSR: the attested key, signed in the TPM, naming the device.
  ASSERT_TRUE(acme_.csr.has_value());
  EXPECT_TRUE(acme_.csr->VerifySignature());
  EXPECT_EQ(acme_.csr->public_key().ToDer(), evidence_[0].public_key_der);
  EXPECT_EQ(acme_.csr->device_names(), (std::vector<crypto::DeviceName>{DeviceNameOf(kDevice)}));
  EXPECT_EQ(result->chain.front().public_key().ToDer(), evidence_[0].public_key_der);

  // The key reference names the handle and the TPM; the TPM takes a new connection (the key was dropped).
  const std::string cert = swtpm_->dir() + "/device.pem", ref = swtpm_->dir() + "/device.keyref";
  ASSERT_TRUE(WriteEnrollmentFiles(*result, tcti(), cert, ref).ok());
  const std::string text = ReadFile(ref).value();
  EXPECT_NE(text.find("\nANVIL_KEY_URI='handle:0x81000010'\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nTPM2OPENSSL_TCTI='" + tcti() + "'\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("ANVIL_KEY_FILE"), std::string::npos) << text;
  auto device = tpm::TpmDevice::Open(tcti());
  ASSERT_TRUE(device.ok()) << device.status().ToString();
}

TEST_F(DeviceEnrollTpmTest, RenewalKeepsTheTpmKeyWithAFreshAttestation) {
  acme_.answer_with_outcome = true;
  auto first = EnrollDevice(*client_, EnrollOptions());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto again = EnrollDevice(*client_, EnrollOptions());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(evidence_.size(), 2u);
  EXPECT_EQ(evidence_[0].public_key_der, evidence_[1].public_key_der);
  EXPECT_TRUE(again->chain.front().public_key() == first->chain.front().public_key());
  ASSERT_EQ(acme_.att_objs.size(), 2u);
  EXPECT_NE(acme_.att_objs[0], acme_.att_objs[1]) << "certified afresh over the new key authorization";
}

TEST_F(DeviceEnrollTpmTest, ARefusedAttestationIsTheServersProblem) {
  // The server trusts another attestation CA: it refuses the chain with badAttestationStatement.
  auto other = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256).value();
  crypto::CertificateTemplate t;
  t.serial = "\x05";
  t.subject.common_name = "Other attestation CA";
  t.not_before = FromUnixSeconds(1'700'000'000);
  t.not_after = FromUnixSeconds(2'000'000'000);
  t.is_ca = true;
  t.key_cert_sign = true;
  trusted_ = crypto::IssueCertificate(t, other.public_key(), nullptr, other).value();
  auto result = EnrollDevice(*client_, EnrollOptions());
  ASSERT_EQ(result.status().code(), Code::kBadAttestationStatement) << result.status().ToString();
  EXPECT_TRUE(
      result.status().message().starts_with("device-attest-01 for permanent-identifier:SN-0042: tpm: "))
      << result.status().message();
  EXPECT_FALSE(acme_.csr.has_value()) << "nothing was finalized";
}

TEST_F(DeviceEnrollTpmTest, AnAkCertificateOfAnotherKeyIsRefusedBeforeTheTpmCertifies) {
  DeviceEnrollOptions o = EnrollOptions();
  o.tpm.ak_chain = {*attestation_ca_};  // a certificate, but not the AK's
  auto result = EnrollDevice(*client_, o);
  ASSERT_EQ(result.status().code(), Code::kInvalidArgument) << result.status().ToString();
  EXPECT_NE(result.status().message().find("not for the attestation key at 0x81010002"), std::string::npos)
      << result.status().message();
  EXPECT_TRUE(acme_.att_objs.empty());
}

TEST_F(DeviceEnrollTpmTest, AttestationObjectVerifiesWithTheChainGivenAfterTheAkCertificate) {
  // x5c carries the AK certificate and then the chain from --ak-cert; the verifier accepts the root there
  // too.
  DeviceEnrollOptions o = EnrollOptions();
  o.tpm.ak_chain.push_back(*attestation_ca_);
  auto result = EnrollDevice(*client_, o);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const attest::CborValue object = attest::DecodeCbor(acme_.att_objs.at(0)).value();
  EXPECT_EQ(object.Find("attStmt")->Find("x5c")->AsArray("x5c").value()->size(), 2u);
}

}  // namespace
}  // namespace anvil::agent
