// The conformance suite (store_conformance.h): device attestation's records (docs/device-attestation.md) —
// device identifiers on authorizations, the evidence a valid device-attest-01 challenge keeps, and EAB keys
// bound to one device.
#include <chrono>
#include <string>
#include <vector>

#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

const Identifier kDevice{IdentifierType::kPermanentIdentifier, "Serial-ABC/1.2.3.4"};
const Identifier kModule{IdentifierType::kHardwareModule, "0a1B/2.23.133.1.2"};

Authorization DeviceAuthorization(const std::string& id, const Identifier& identifier) {
  Authorization authz = MakeAuthorization(id, "a1", identifier);
  Challenge challenge;
  challenge.id = "c1";
  challenge.type = acme::ChallengeType::kDeviceAttest01;
  challenge.token = "tok-" + id;
  authz.challenges = {challenge};
  return authz;
}

TEST_P(StoreConformanceTest, DeviceIdentifiersAndTheirChallengeRoundTrip) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Order order = MakeOrder("o1", "a1", {"z1", "z2"});
  order.identifiers = {kDevice, kModule};
  ASSERT_OK(store_->CreateOrder(order, {DeviceAuthorization("z1", kDevice), DeviceAuthorization("z2", kModule)}));
  EXPECT_EQ(store_->GetOrder("o1")->identifiers, (std::vector<Identifier>{kDevice, kModule}));
  Result<Authorization> got = store_->GetAuthorization("z2");
  ASSERT_OK(got);
  EXPECT_EQ(got->identifier, kModule);  // case and all, octet for octet
  ASSERT_EQ(got->challenges.size(), 1u);
  EXPECT_EQ(got->challenges[0].type, acme::ChallengeType::kDeviceAttest01);
  EXPECT_EQ(got->challenges[0].attestation_json, "");
}

TEST_P(StoreConformanceTest, AValidAttestationKeepsItsEvidenceAndAFailedOneNone) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Order order = MakeOrder("o1", "a1", {"z1", "z2"});
  order.identifiers = {kDevice, kModule};
  ASSERT_OK(store_->CreateOrder(order, {DeviceAuthorization("z1", kDevice), DeviceAuthorization("z2", kModule)}));
  const std::string evidence = R"({"format":"tpm","public_key":"MFkw"})";
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt, {}, nullptr, evidence));
  EXPECT_EQ(store_->GetAuthorization("z1")->challenges[0].attestation_json, evidence);
  ASSERT_OK(store_->CompleteChallenge("z2", "c1", false, R"({"type":"x"})", kT0, std::nullopt, {}, nullptr,
                                      evidence));
  EXPECT_EQ(store_->GetAuthorization("z2")->challenges[0].attestation_json, "");
}

TEST_P(StoreConformanceTest, EabKeysKeepTheDeviceTheyAreFor) {
  EabKey key = MakeEabKey("mdm-1");
  key.device_identifier = "permanent-identifier:Serial-ABC";
  ASSERT_OK(store_->CreateEabKey(key, Note("eab.created", "mdm-1")));
  EXPECT_EQ(store_->GetEabKey("mdm-1")->device_identifier, "permanent-identifier:Serial-ABC");
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("plain"), Note("eab.created", "plain")));
  EXPECT_EQ(store_->GetEabKey("plain")->device_identifier, "");
  Result<std::vector<EabKey>> all = store_->ListEabKeys();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
}

}  // namespace
}  // namespace anvil::storage::testing
