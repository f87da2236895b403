// The RA's device attestation (ra_devices.cc, docs/device-attestation.md): device identifiers only when
// enabled, enrollment by an EAB key bound to the device or by the MDM check (fail closed), device-attest-01
// as the only challenge, its attestation object required, the evidence kept and audited, a fresh attestation
// for every certificate, and finalize's checks of the CSR against the attestation.
#include <gtest/gtest.h>

#include "acme/problem.h"
#include "base/base64url.h"
#include "ra/ra_test_fixture.h"

namespace anvil::ra::testing_support {
namespace {

const acme::Identifier kDevice{acme::IdentifierType::kPermanentIdentifier, "SN-0042"};

// The MDM check of a test: a fixed answer, or no answer, and the questions it was asked.
class FakeDeviceCheck final : public DeviceCheck {
 public:
  Result<DeviceAnswer> Ask(const DeviceQuestion& question) override {
    questions.push_back(question);
    if (!answer.ok()) return answer.status();
    return *answer;
  }
  Result<DeviceAnswer> answer = DeviceAnswer{true, ""};
  std::vector<DeviceQuestion> questions;
};

RaOptions DeviceOptions(DeviceCheck* check) {
  RaOptions o = Options();
  ProfileRules device;
  device.certificate.name = "device";
  device.certificate.ext_key_usages = {"clientAuth"};
  device.identifier_types = {"permanent-identifier", "hardware-module"};
  o.profiles["device"] = device;
  o.device.enabled = true;
  o.device.profile = "device";
  o.device.check = check;
  return o;
}

class DeviceAttestationTest : public RegistrationAuthorityTest {
 protected:
  DeviceAttestationTest() : RegistrationAuthorityTest(DeviceOptions(&check_)) {
    validator_.set_attestation_json(Evidence(device_key_));
  }

  static std::string Evidence(const crypto::PrivateKey& key) {
    return nlohmann::json{{"format", "tpm"},
                          {"public_key", base64url::Encode(key.public_key().ToDer())},
                          {"identifiers", {"permanent-identifier:SN-0042"}},
                          {"chain_sha256", {"aa", "bb"}},
                          {"claims", {{"manufacturer", "id:49424D00"}}}}
        .dump();
  }

  Result<storage::Order> OrderFor(const storage::Account& account, const acme::Identifier& id) {
    NewOrderRequest request;
    request.identifiers.emplace_back(std::string(acme::IdentifierTypeName(id.type)), id.value);
    return ra_.NewOrder(account, request);
  }

  // Answers the order's device-attest-01 challenge with an attestation object (the fake validator decides).
  Result<storage::Authorization> Attest(const storage::Account& account, const storage::Order& order) {
    auto authz = ra_.GetAuthorization(order.authorization_ids.at(0));
    if (!authz.ok()) return authz.status();
    return ra_.RespondToChallenge(account, authz->id, authz->challenges.at(0).id, ChallengeResponse{"\xa2""cbor"});
  }

  std::string DeviceCsr(const crypto::PrivateKey& key, bool name_the_device) {
    std::vector<crypto::DeviceName> names;
    if (name_the_device) names.push_back({crypto::DeviceName::Kind::kPermanentIdentifier, "SN-0042", ""});
    auto csr = crypto::Csr::Create(key, {}, {}, "", names);
    EXPECT_TRUE(csr.ok()) << csr.status().ToString();
    return csr->ToDer();
  }

  FakeDeviceCheck check_;
  crypto::PrivateKey device_key_ = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
};

TEST_F(DeviceAttestationTest, ADeviceOrderGetsTheDeviceProfileAndOnlyDeviceAttest01) {
  storage::Account account = NewAccount();
  auto order = OrderFor(account, kDevice);
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_EQ(order->profile, "device");  // named none: device_attestation.profile
  auto authz = ra_.GetAuthorization(order->authorization_ids.at(0));
  ASSERT_TRUE(authz.ok());
  ASSERT_EQ(authz->challenges.size(), 1u);
  EXPECT_EQ(authz->challenges[0].type, acme::ChallengeType::kDeviceAttest01);
  EXPECT_GE(authz->challenges[0].token.size(), 22u);  // ≥ 128 bits, base64url
}

TEST_F(DeviceAttestationTest, AResponseWithoutTheAttestationObjectIsMalformedAndChangesNothing) {
  storage::Account account = NewAccount();
  auto order = OrderFor(account, kDevice);
  ASSERT_TRUE(order.ok());
  auto authz = ra_.GetAuthorization(order->authorization_ids.at(0));
  auto answered = ra_.RespondToChallenge(account, authz->id, authz->challenges[0].id);
  EXPECT_EQ(answered.status().code(), Code::kMalformed);
  EXPECT_TRUE(validator_.seen().empty());
  EXPECT_EQ(ra_.GetAuthorization(authz->id)->status, AuthorizationStatus::kPending);
}

TEST_F(DeviceAttestationTest, TheAttestationGoesToTheValidatorAndItsEvidenceIsKeptAndAudited) {
  storage::Account account = NewAccount();
  auto order = OrderFor(account, kDevice);
  ASSERT_TRUE(order.ok());
  auto authz = Attest(account, *order);
  ASSERT_TRUE(authz.ok()) << authz.status().ToString();
  EXPECT_EQ(authz->status, AuthorizationStatus::kValid);
  ASSERT_EQ(validator_.seen().size(), 1u);
  const va::ValidationRequest sent = validator_.seen()[0];
  EXPECT_EQ(sent.type, acme::ChallengeType::kDeviceAttest01);
  EXPECT_EQ(sent.attestation_object, "\xa2""cbor");
  EXPECT_EQ(sent.identifier, kDevice);
  EXPECT_EQ(sent.key_authorization, sent.token + "." + account.thumbprint);
  EXPECT_EQ(authz->challenges[0].attestation_json, Evidence(device_key_));
  // The MDM check saw the verified evidence.
  ASSERT_EQ(check_.questions.size(), 1u);
  EXPECT_EQ(check_.questions[0].identifier, kDevice);
  EXPECT_EQ(check_.questions[0].evidence_json, Evidence(device_key_));
  auto events = store_.ListAudit(0, 100);
  ASSERT_TRUE(events.ok());
  bool audited = false;
  for (const auto& e : *events) {
    if (e.kind != "authorization.valid") continue;
    auto details = nlohmann::json::parse(e.details_json);
    audited = details["attestation"]["format"] == "tpm" && details["attestation"]["chain_sha256"][1] == "bb";
  }
  EXPECT_TRUE(audited);
}

TEST_F(DeviceAttestationTest, TheMdmCheckRefusingOrNotAnsweringInvalidatesTheAuthorization) {
  for (Result<DeviceAnswer> answer : {Result<DeviceAnswer>(DeviceAnswer{false, "retired in Jamf"}),
                                      Result<DeviceAnswer>(Error(Code::kUnavailable, "timed out"))}) {
    check_.answer = answer;
    storage::Account account = NewAccount();
    auto order = OrderFor(account, kDevice);
    ASSERT_TRUE(order.ok());
    auto authz = Attest(account, *order);
    ASSERT_TRUE(authz.ok());
    EXPECT_EQ(authz->status, AuthorizationStatus::kInvalid);
    const Status error = acme::StatusFromProblem(nlohmann::json::parse(authz->challenges[0].error_json));
    EXPECT_EQ(error.code(), Code::kUnauthorized);
    if (answer.ok()) {
      EXPECT_NE(error.message().find("retired in Jamf"), std::string::npos) << error.message();
    }
    EXPECT_EQ(authz->challenges[0].attestation_json, "");
  }
}

TEST_F(DeviceAttestationTest, FinalizeCertifiesTheAttestedKeyWithTheDeviceNamedOctetForOctet) {
  storage::Account account = NewAccount();
  auto order = OrderFor(account, kDevice);
  ASSERT_TRUE(Attest(account, *order).ok());
  auto done = ra_.Finalize(account, order->id, DeviceCsr(device_key_, true));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, OrderStatus::kValid);
  ASSERT_EQ(issuer_.requests().size(), 1u);
  EXPECT_EQ(issuer_.requests()[0].identifiers, std::vector<acme::Identifier>{kDevice});
}

TEST_F(DeviceAttestationTest, ACsrSubjectAnMdmProfileSetIsIgnored) {
  storage::Account account = NewAccount();
  auto order = OrderFor(account, kDevice);
  ASSERT_TRUE(Attest(account, *order).ok());
  auto csr = crypto::Csr::Create(device_key_, {}, {}, "John's MacBook Pro",
                                 {{crypto::DeviceName::Kind::kPermanentIdentifier, "SN-0042", ""}});
  ASSERT_TRUE(csr.ok());
  auto done = ra_.Finalize(account, order->id, csr->ToDer());
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(issuer_.requests()[0].identifiers, std::vector<acme::Identifier>{kDevice});
}

TEST_F(DeviceAttestationTest, ACsrWithoutTheDeviceNameGetsAPrivacyPreservingCertificate) {
  storage::Account account = NewAccount();
  auto order = OrderFor(account, kDevice);
  ASSERT_TRUE(Attest(account, *order).ok());
  auto done = ra_.Finalize(account, order->id, DeviceCsr(device_key_, false));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_EQ(issuer_.requests().size(), 1u);
  EXPECT_TRUE(issuer_.requests()[0].identifiers.empty());
}

TEST_F(DeviceAttestationTest, ACsrWithAnotherKeyOrAnotherDeviceIsBadCsrAndTheOrderStaysReady) {
  storage::Account account = NewAccount();
  auto order = OrderFor(account, kDevice);
  ASSERT_TRUE(Attest(account, *order).ok());
  auto other_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto refused = ra_.Finalize(account, order->id, DeviceCsr(other_key, true));
  EXPECT_EQ(refused.status().code(), Code::kBadCsr);
  EXPECT_NE(refused.status().message().find("not the key attested"), std::string::npos);
  auto csr = crypto::Csr::Create(device_key_, {}, {}, "",
                                 {{crypto::DeviceName::Kind::kPermanentIdentifier, "sn-0042", ""}});  // case differs
  refused = ra_.Finalize(account, order->id, csr->ToDer());
  EXPECT_EQ(refused.status().code(), Code::kBadCsr);
  csr = crypto::Csr::Create(device_key_, {"a.example.com"}, {}, "",
                            {{crypto::DeviceName::Kind::kPermanentIdentifier, "SN-0042", ""}});
  refused = ra_.Finalize(account, order->id, csr->ToDer());
  EXPECT_EQ(refused.status().code(), Code::kBadCsr);
  EXPECT_EQ(ra_.GetOrder(order->id)->status, OrderStatus::kReady);
  EXPECT_TRUE(ra_.Finalize(account, order->id, DeviceCsr(device_key_, true)).ok());
}

TEST_F(DeviceAttestationTest, EveryCertificateNeedsAFreshAttestation) {
  storage::Account account = NewAccount();
  auto first = OrderFor(account, kDevice);
  ASSERT_TRUE(Attest(account, *first).ok());
  ASSERT_TRUE(ra_.Finalize(account, first->id, DeviceCsr(device_key_, true)).ok());
  // The device's valid authorization is not reused: the renewal attests again.
  auto second = OrderFor(account, kDevice);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, OrderStatus::kPending);
  EXPECT_NE(second->authorization_ids[0], first->authorization_ids[0]);
}

class DeviceEnrollmentTest : public RegistrationAuthorityTest {
 protected:
  DeviceEnrollmentTest() : RegistrationAuthorityTest(DeviceOptions(nullptr)) {}

  storage::Account AccountWithEab(const std::string& device) {
    EabKeyRequest request;
    request.device = device;
    auto key = ra_.CreateEabKey(request);
    EXPECT_TRUE(key.ok()) << key.status().ToString();
    auto account_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    storage::Account account;
    account.id = "acct-" + key->kid;
    account.jwk_json = jose::Jwk::FromPublicKey(account_key.public_key()).ToJson().dump();
    account.thumbprint = jose::Jwk::FromPublicKey(account_key.public_key()).Thumbprint();
    account.eab_kid = key->kid;
    account.created_at = clock_.Now();
    storage::AuditEvent audit;
    audit.kind = "account.created";
    EXPECT_TRUE(store_.CreateAccount(account, audit).ok());
    return account;
  }
};

TEST_F(DeviceEnrollmentTest, WithoutABindingOrAnMdmCheckADeviceIsRefused) {
  storage::Account account = NewAccount();
  NewOrderRequest request;
  request.identifiers.emplace_back("permanent-identifier", "SN-0042");
  auto order = ra_.NewOrder(account, request);
  EXPECT_EQ(order.status().code(), Code::kUnauthorized);
}

TEST_F(DeviceEnrollmentTest, AnEnrollmentTokenIsGoodForItsDeviceOnly) {
  storage::Account account = AccountWithEab("permanent-identifier:SN-0042");
  NewOrderRequest mine, other;
  mine.identifiers.emplace_back("permanent-identifier", "SN-0042");
  other.identifiers.emplace_back("permanent-identifier", "SN-0043");
  EXPECT_TRUE(ra_.NewOrder(account, mine).ok());
  auto refused = ra_.NewOrder(account, other);
  EXPECT_EQ(refused.status().code(), Code::kUnauthorized);
  EXPECT_NE(refused.status().message().find("is for permanent-identifier:SN-0042"), std::string::npos);
  // A token for a device orders nothing else either.
  NewOrderRequest name;
  name.identifiers.emplace_back("dns", "a.example.com");
  EXPECT_EQ(ra_.NewOrder(account, name).status().code(), Code::kUnauthorized);
}

TEST_F(DeviceEnrollmentTest, AnEnrollmentTokenNamesADevice) {
  EabKeyRequest request;
  request.device = "dns:a.example.com";
  EXPECT_EQ(ra_.CreateEabKey(request).status().code(), Code::kInvalidArgument);
  request.device = "hardware-module:ABCD";  // the type OID is required
  EXPECT_EQ(ra_.CreateEabKey(request).status().code(), Code::kInvalidArgument);
  request.device = "hardware-module:ABCD/2.23.133.1.2";
  auto key = ra_.CreateEabKey(request);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->device_identifier, "hardware-module:ABCD/2.23.133.1.2");
}

TEST(DeviceIdentifiersOff, AreUnsupportedUnlessEnabled) {
  class Off : public RegistrationAuthorityTest {
   public:
    void TestBody() override {
      storage::Account account = NewAccount();
      NewOrderRequest request;
      request.identifiers.emplace_back("permanent-identifier", "SN-0042");
      request.profile = "tls-server";
      auto order = ra_.NewOrder(account, request);
      // The default profiles do not allow the type: refused as an identifier the profile does not take.
      EXPECT_FALSE(order.ok());
      EXPECT_TRUE(order.status().code() == Code::kRejectedIdentifier ||
                  order.status().code() == Code::kUnsupportedIdentifier)
          << order.status().ToString();
    }
  } off;
  off.TestBody();
}

}  // namespace
}  // namespace anvil::ra::testing_support
