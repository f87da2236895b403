// CAA end to end (RFC 8659, docs/validation.md): anvil-ca with validation.caa_identities set, its validator
// resolving through pebble-challtestsrv, driven by Anvil's own ACME client over HTTPS. The directory
// publishes the identities; a proven challenge for a name whose CAA records name another CA is invalid with
// the caa problem; finalize checks CAA again for authorizations older than validation.caa_recheck_after and
// refuses with 403 caa, leaving the order ready for a later finalize.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/issuance_fixture.h"

namespace anvil {
namespace {

class CaaTest : public IssuanceFixture {
 protected:
  void Configure(config::Config& c) override {
    c.validation.caa_identities = {"ca.anvil.test"};
    c.validation.caa_recheck_after = recheck_after_;
  }
  std::chrono::seconds recheck_after_{8 * 3600};
};

TEST_F(CaaTest, DirectoryPublishesIdentitiesAndValidationObeysTheRecords) {
  auto directory = client_->GetDirectory();
  ASSERT_TRUE(directory.ok()) << directory.status().ToString();
  EXPECT_EQ(directory->caa_identities, std::vector<std::string>{"ca.anvil.test"});

  ASSERT_TRUE(dns_->AddCaa("anvil.test", {{"issue", "ca.anvil.test"}}).ok());
  ASSERT_TRUE(dns_->AddCaa("theirs.anvil.test", {{"issue", "other.example"}}).ok());
  Register();
  crypto::Certificate ours = Issue({Dns("www.anvil.test")});
  EXPECT_EQ(ours.dns_names(), std::vector<std::string>{"www.anvil.test"});

  // Proven over http-01, refused by the records at the parent.
  auto order = client_->NewOrder({{Dns("www.theirs.anvil.test")}, "", ""});
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  auto authz = client_->FetchAuthorization(order->authorizations[0]);
  ASSERT_TRUE(authz.ok());
  const agent::Challenge* challenge = authz->FindChallenge("http-01");
  ASSERT_NE(challenge, nullptr);
  ASSERT_TRUE(http01_
                  ->Present({authz->identifier, false, challenge->token,
                             acme::KeyAuthorization(challenge->token, client_->Thumbprint())})
                  .ok());
  ASSERT_TRUE(client_->RespondToChallenge(challenge->url).ok());
  auto done = client_->PollAuthorization(order->authorizations[0]);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, acme::AuthorizationStatus::kInvalid);
  auto error = done->FirstError();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Code::kCaa);
  EXPECT_EQ(error->message(),
            "CAA record for theirs.anvil.test prevents issuance: no issue property names this CA");
}

class CaaRecheckTest : public CaaTest {
 protected:
  CaaRecheckTest() { recheck_after_ = std::chrono::seconds(0); }  // every authorization is re-checked
};

TEST_F(CaaRecheckTest, FinalizeRefusesWhenTheRecordsChangedAndLeavesTheOrderReady) {
  ASSERT_TRUE(dns_->AddCaa("anvil.test", {{"issue", "ca.anvil.test"}}).ok());
  Register();
  auto order = client_->NewOrder({{Dns("late.anvil.test")}, "", ""});
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  Solve(*order, "dns-01");
  auto ready = client_->PollOrder(order->url);
  ASSERT_TRUE(ready.ok() && ready->status == acme::OrderStatus::kReady);

  // The name's owner now forbids every CA.
  ASSERT_TRUE(dns_->AddCaa("late.anvil.test", {{"issue", ";"}}).ok());
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  const std::string csr = crypto::Csr::Create(*key, {"late.anvil.test"}, {})->ToDer();
  auto refused = client_->Finalize(*ready, csr);
  ASSERT_EQ(refused.status().code(), Code::kCaa) << refused.status().ToString();
  // The client names the request and renders the subproblem (§6.7.1) after the detail.
  EXPECT_THAT(
      refused.status().message(),
      ::testing::EndsWith("/finalize: CAA record for late.anvil.test prevents issuance: no issue property "
                          "names this CA [dns:late.anvil.test: caa: CAA record for late.anvil.test "
                          "prevents issuance: no issue property names this CA]"));
  ASSERT_EQ(refused.status().subproblems().size(), 1u);
  EXPECT_EQ(refused.status().subproblems()[0].identifier_value, "late.anvil.test");
  auto still = client_->FetchOrder(order->url);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->status, acme::OrderStatus::kReady);

  // The records allow this CA again: the same order is finalized.
  ASSERT_TRUE(dns_->ClearCaa("late.anvil.test").ok());
  auto valid = client_->Finalize(*ready, csr);
  ASSERT_TRUE(valid.ok()) << valid.status().ToString();
  auto final_order = client_->PollOrder(order->url);
  ASSERT_TRUE(final_order.ok());
  EXPECT_EQ(final_order->status, acme::OrderStatus::kValid);
}

}  // namespace
}  // namespace anvil
