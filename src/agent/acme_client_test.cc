#include "agent/acme_client.h"

#include <gtest/gtest.h>

#include "agent/testing/fake_http_client.h"
#include "base/base64url.h"
#include "crypto/certificate.h"
#include "crypto/random.h"
#include "jose/jwk.h"

namespace anvil::agent {
namespace {

using nlohmann::json;
using testing::FakeHttpClient;
using testing::JsonResponse;
using testing::Problem;

constexpr char kDir[] = "https://ca.test/dir";
constexpr char kNonce[] = "https://ca.test/nonce";
constexpr char kNewAccount[] = "https://ca.test/new-account";
constexpr char kNewOrder[] = "https://ca.test/new-order";
constexpr char kRevoke[] = "https://ca.test/revoke";
constexpr char kKeyChange[] = "https://ca.test/key-change";
constexpr char kRenewalInfo[] = "https://ca.test/renewal-info";
constexpr char kKid[] = "https://ca.test/acct/1";

json DirectoryJson(bool ari = true) {
  json d = {{"newNonce", kNonce},      {"newAccount", kNewAccount},
            {"newOrder", kNewOrder},   {"revokeCert", kRevoke},
            {"keyChange", kKeyChange}, {"meta", {{"termsOfService", "https://ca.test/tos"}}}};
  if (ari) d["renewalInfo"] = kRenewalInfo;
  return d;
}

class AgentAcmeClientTest : public ::testing::Test {
 protected:
  AgentAcmeClientTest() : clock_(FromUnixSeconds(1'800'000'000)), sleeper_(clock_) {
    http_.Script("GET", kDir, {JsonResponse(200, DirectoryJson())});
    http::Headers h;
    h.Set("Replay-Nonce", "firstnonce");
    http_.Script("HEAD", kNonce, {http::ClientResponse{200, h, ""}});
    options_.directory_url = kDir;
    options_.poll_timeout = std::chrono::seconds(30);
    options_.poll_initial_delay = std::chrono::seconds(1);
    client_ = std::make_unique<AcmeClient>(http_, clock_, sleeper_, options_);
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    EXPECT_TRUE(key.ok());
    client_->SetAccountKey(*key, kKid);
  }

  FakeHttpClient http_;
  FakeClock clock_;
  FakeSleeper sleeper_;
  AcmeClientOptions options_;
  std::unique_ptr<AcmeClient> client_;
};

json PendingOrder() {
  return {{"status", "pending"},
          {"identifiers", {{{"type", "dns"}, {"value", "a.example"}}}},
          {"authorizations", {"https://ca.test/authz/1"}},
          {"finalize", "https://ca.test/order/1/finalize"}};
}

http::ClientResponse Created(const json& body, const std::string& location) {
  http::Headers h;
  h.Set("Location", location);
  return JsonResponse(201, body, h);
}

TEST_F(AgentAcmeClientTest, DirectoryIsFetchedOnceAndParsed) {
  auto d = client_->GetDirectory();
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->new_order, kNewOrder);
  EXPECT_EQ(d->renewal_info, kRenewalInfo);
  EXPECT_EQ(d->terms_of_service, "https://ca.test/tos");
  ASSERT_TRUE(client_->GetDirectory().ok());
  EXPECT_EQ(http_.Count("GET", kDir), 1u);
}

TEST_F(AgentAcmeClientTest, DirectoryWithoutNewOrderIsMalformed) {
  FakeHttpClient http;
  http.Script("GET", kDir, {JsonResponse(200, {{"newNonce", kNonce}})});
  AcmeClient client(http, clock_, sleeper_, options_);
  EXPECT_EQ(client.GetDirectory().status().code(), Code::kMalformed);
}

TEST_F(AgentAcmeClientTest, NonceOfEachResponseIsReusedAndNewNonceOnlyWhenNoneLeft) {
  http_.Script("POST", kNewOrder, {Created(PendingOrder(), "https://ca.test/order/1")});
  ASSERT_TRUE(client_->NewOrder({{{acme::IdentifierType::kDns, "a.example"}}, "", ""}).ok());
  ASSERT_TRUE(client_->NewOrder({{{acme::IdentifierType::kDns, "a.example"}}, "", ""}).ok());
  EXPECT_EQ(http_.Count("HEAD", kNonce), 1u);
  const auto& reqs = http_.requests();
  std::vector<std::string> nonces;
  for (const auto& r : reqs) {
    if (r.method == "POST") nonces.push_back(r.protected_header.value("nonce", ""));
  }
  ASSERT_EQ(nonces.size(), 2u);
  EXPECT_EQ(nonces[0], "firstnonce");
  EXPECT_NE(nonces[1], "firstnonce");  // The Replay-Nonce of the first response.
  EXPECT_EQ(reqs.back().protected_header.value("kid", ""), kKid);
  EXPECT_EQ(reqs.back().protected_header.value("url", ""), kNewOrder);
  EXPECT_EQ(reqs.back().headers.Get("Content-Type"), "application/jose+json");
}

TEST_F(AgentAcmeClientTest, BadNonceIsRetriedTransparently) {
  http_.Script("POST", kNewOrder,
               {Problem(400, "badNonce", "stale"), Problem(400, "badNonce", "stale"),
                Created(PendingOrder(), "https://ca.test/order/1")});
  auto order = client_->NewOrder({{{acme::IdentifierType::kDns, "a.example"}}, "", ""});
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_EQ(http_.Count("POST", kNewOrder), 3u);
  EXPECT_EQ(order->url, "https://ca.test/order/1");
  EXPECT_EQ(order->authorizations.size(), 1u);
}

TEST_F(AgentAcmeClientTest, BadNonceRetriesAreBounded) {
  http_.Script("POST", kNewOrder, {Problem(400, "badNonce", "stale")});
  auto order = client_->NewOrder({{{acme::IdentifierType::kDns, "a.example"}}, "", ""});
  EXPECT_EQ(order.status().code(), Code::kBadNonce);
  EXPECT_EQ(http_.Count("POST", kNewOrder), size_t(options_.max_bad_nonce_retries + 1));
}

TEST_F(AgentAcmeClientTest, ProblemWithSubproblemsBecomesOneLineStatus) {
  json extra = {{"subproblems",
                 {{{"type", "urn:ietf:params:acme:error:rejectedIdentifier"},
                   {"detail", "forbidden name"},
                   {"identifier", {{"type", "dns"}, {"value", "bad.example"}}}},
                  {{"type", "urn:ietf:params:acme:error:caa"},
                   {"detail", "CAA forbids"},
                   {"identifier", {{"type", "dns"}, {"value", "caa.example"}}}}}}};
  http_.Script("POST", kNewOrder, {Problem(400, "rejectedIdentifier", "some names were refused", extra)});
  auto order = client_->NewOrder({{{acme::IdentifierType::kDns, "bad.example"}}, "", ""});
  ASSERT_FALSE(order.ok());
  Status s = order.status();
  EXPECT_EQ(s.code(), Code::kRejectedIdentifier);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  EXPECT_NE(s.message().find("some names were refused"), std::string::npos);
  EXPECT_NE(s.message().find("dns:bad.example: rejectedIdentifier: forbidden name"), std::string::npos);
  EXPECT_NE(s.message().find("dns:caa.example: caa: CAA forbids"), std::string::npos);
  ASSERT_EQ(s.subproblems().size(), 2u);
  EXPECT_EQ(s.subproblems()[1].code, Code::kCaa);
  EXPECT_EQ(s.subproblems()[1].identifier_value, "caa.example");
}

TEST_F(AgentAcmeClientTest, RateLimitedIsSurfacedWithRetryAfter) {
  http::ClientResponse limited = Problem(429, "rateLimited", "too many new orders");
  limited.headers.Set("Retry-After", "3600");
  http_.Script("POST", kNewOrder, {limited});
  auto order = client_->NewOrder({{{acme::IdentifierType::kDns, "a.example"}}, "", ""});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.status().code(), Code::kRateLimited);
  EXPECT_EQ(order.status().retry_after(), 3600);
  EXPECT_NE(order.status().message().find("retry after 3600 s"), std::string::npos);
  EXPECT_EQ(http_.Count("POST", kNewOrder), 1u);  // Surfaced, not retried.
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(AgentAcmeClientTest, NonProblemErrorIsDescribed) {
  http::ClientResponse r{502, {}, "<html>bad gateway</html>"};
  http_.Script("POST", kNewOrder, {r});
  auto order = client_->NewOrder({{{acme::IdentifierType::kDns, "a.example"}}, "", ""});
  EXPECT_EQ(order.status().code(), Code::kServerInternal);
  EXPECT_NE(order.status().message().find("HTTP 502"), std::string::npos);
}

TEST_F(AgentAcmeClientTest, PollingHonoursRetryAfterThenBacksOff) {
  json pending = {{"status", "pending"},
                  {"identifier", {{"type", "dns"}, {"value", "a.example"}}},
                  {"challenges", json::array()}};
  json valid = pending;
  valid["status"] = "valid";
  http::ClientResponse with_retry = JsonResponse(200, pending);
  with_retry.headers.Set("Retry-After", "7");
  http_.Script(
      "POST", "https://ca.test/authz/1",
      {with_retry, JsonResponse(200, pending), JsonResponse(200, pending), JsonResponse(200, valid)});
  auto a = client_->PollAuthorization("https://ca.test/authz/1");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->status, acme::AuthorizationStatus::kValid);
  using std::chrono::milliseconds;
  EXPECT_EQ(sleeper_.sleeps(),
            (std::vector<milliseconds>{milliseconds(7000), milliseconds(1000), milliseconds(2000)}));
  // Polls are POST-as-GET: empty payload.
  EXPECT_EQ(http_.requests().back().payload, "");
}

TEST_F(AgentAcmeClientTest, ChallengeResponseIsTheEmptyObjectUnlessAProofIsGiven) {
  json challenge = {{"type", "device-attest-01"},
                    {"url", "https://ca.test/chall/1"},
                    {"token", "tok"},
                    {"status", "valid"}};
  http_.Script("POST", "https://ca.test/chall/1", {JsonResponse(200, challenge)});
  auto plain = client_->RespondToChallenge("https://ca.test/chall/1");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(http_.requests().back().payload, "{}");
  // draft-ietf-acme-device-attest-09 §5: the attestation object travels in the response.
  auto attested = client_->RespondToChallenge("https://ca.test/chall/1", json{{"attObj", "o2NmbXQ"}});
  ASSERT_TRUE(attested.ok()) << attested.status().ToString();
  EXPECT_EQ(attested->status, acme::ChallengeStatus::kValid);
  EXPECT_EQ(json::parse(http_.requests().back().payload), (json{{"attObj", "o2NmbXQ"}}));
}

TEST_F(AgentAcmeClientTest, PollingGivesUpAfterTheOverallTimeout) {
  json processing = {{"status", "processing"}, {"finalize", "https://ca.test/f"}};
  http_.Script("POST", "https://ca.test/order/1", {JsonResponse(200, processing)});
  auto o = client_->PollOrder("https://ca.test/order/1");
  EXPECT_EQ(o.status().code(), Code::kTimeout);
  // Waited no longer than the timeout in total.
  std::chrono::milliseconds total{0};
  for (auto s : sleeper_.sleeps()) total += s;
  EXPECT_LE(total, options_.poll_timeout);
  EXPECT_GT(sleeper_.sleeps().size(), 2u);
}

TEST_F(AgentAcmeClientTest, NewAccountUsesJwkAndRemembersLocation) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  client_->SetAccountKey(*key);
  http_.Script("POST", kNewAccount,
               {Created({{"status", "valid"}, {"contact", {"mailto:a@example.com"}}}, kKid)});
  NewAccountRequest req;
  req.contact = {"mailto:a@example.com"};
  req.terms_of_service_agreed = true;
  req.eab_kid = "kid-1";
  req.eab_hmac_key = std::string(32, 'k');
  auto account = client_->NewAccount(req);
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  EXPECT_EQ(client_->kid(), kKid);
  EXPECT_EQ(account->contact, std::vector<std::string>{"mailto:a@example.com"});
  const auto& r = http_.requests().back();
  EXPECT_TRUE(r.protected_header.contains("jwk"));
  EXPECT_FALSE(r.protected_header.contains("kid"));
  json payload = json::parse(r.payload);
  EXPECT_EQ(payload["termsOfServiceAgreed"], true);
  ASSERT_TRUE(payload.contains("externalAccountBinding"));
  json eab_header =
      json::parse(*base64url::Decode(payload["externalAccountBinding"]["protected"].get<std::string>()));
  EXPECT_EQ(eab_header["kid"], "kid-1");
  EXPECT_EQ(eab_header["url"], kNewAccount);
}

TEST_F(AgentAcmeClientTest, OnlyReturnExistingSurfacesAccountDoesNotExist) {
  http_.Script("POST", kNewAccount, {Problem(400, "accountDoesNotExist", "no account for this key")});
  NewAccountRequest req;
  req.only_return_existing = true;
  auto account = client_->NewAccount(req);
  EXPECT_EQ(account.status().code(), Code::kAccountDoesNotExist);
  EXPECT_EQ(json::parse(http_.requests().back().payload)["onlyReturnExisting"], true);
}

TEST_F(AgentAcmeClientTest, KeyRolloverSignsInnerWithNewKeyAndSwitches) {
  http_.Script("POST", kKeyChange, {JsonResponse(200, {{"status", "valid"}})});
  auto next = crypto::PrivateKey::Generate(crypto::KeyType::kEcP384);
  ASSERT_TRUE(next.ok());
  std::string old_thumb = client_->Thumbprint();
  ASSERT_TRUE(client_->KeyRollover(*next).ok());
  const auto& r = http_.requests().back();
  EXPECT_EQ(r.protected_header["kid"], kKid);
  json inner = json::parse(r.payload);
  json inner_header = json::parse(*base64url::Decode(inner["protected"].get<std::string>()));
  json inner_payload = json::parse(*base64url::Decode(inner["payload"].get<std::string>()));
  EXPECT_EQ(inner_header["url"], kKeyChange);
  EXPECT_FALSE(inner_header.contains("nonce"));
  EXPECT_EQ(inner_header["jwk"]["crv"], "P-384");
  EXPECT_EQ(inner_payload["account"], kKid);
  EXPECT_EQ(inner_payload["oldKey"]["crv"], "P-256");
  EXPECT_NE(client_->Thumbprint(), old_thumb);
  EXPECT_EQ(client_->Thumbprint(), jose::Jwk::FromPublicKey(next->public_key()).Thumbprint());
}

TEST(AgentLinkTargets, ParsesSeveralFieldsAndCommaSeparatedLinks) {
  http::Headers h;
  h.Add("Link", "<https://ca.test/dir>;rel=\"index\"");
  h.Add("Link", "<https://ca.test/cert/1/1>; rel=\"alternate\", <https://ca.test/cert/1/2>;rel=alternate");
  h.Add("Link", "<https://ca.test/x,y>; title=\"a, b\"; rel=\"up alternate\"");
  EXPECT_EQ(AcmeClient::LinkTargets(h, "alternate"),
            (std::vector<std::string>{"https://ca.test/cert/1/1", "https://ca.test/cert/1/2",
                                      "https://ca.test/x,y"}));
  EXPECT_EQ(AcmeClient::LinkTargets(h, "index"), std::vector<std::string>{"https://ca.test/dir"});
  EXPECT_TRUE(AcmeClient::LinkTargets(h, "next").empty());
}

// A CA with a root named `cn` and a leaf it signed.
struct TestChain {
  std::string pem;
  crypto::Certificate leaf;
};
TestChain MakeChain(const std::string& root_cn, const std::string& leaf_serial_hex = "") {
  auto root_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  crypto::CertificateTemplate rt;
  rt.serial = crypto::RandomBytes(8);
  rt.serial[0] = 1;
  rt.subject.common_name = root_cn;
  rt.not_before = FromUnixSeconds(1'700'000'000);
  rt.not_after = FromUnixSeconds(1'900'000'000);
  rt.is_ca = true;
  rt.key_cert_sign = true;
  auto root = *crypto::IssueCertificate(rt, root_key.public_key(), nullptr, root_key);
  auto leaf_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  crypto::CertificateTemplate lt;
  lt.serial = leaf_serial_hex.empty() ? std::string("\x01\x02", 2) : leaf_serial_hex;
  lt.not_before = FromUnixSeconds(1'800'000'000);
  lt.not_after = FromUnixSeconds(1'800'000'000 + 90 * 86400);
  lt.dns_names = {"a.example"};
  auto leaf = *crypto::IssueCertificate(lt, leaf_key.public_key(), &root, root_key);
  return {leaf.ToPem() + root.ToPem(), leaf};
}

TEST_F(AgentAcmeClientTest, DownloadFollowsAlternateLinksAndPreferredChainPicksByIssuer) {
  TestChain a = MakeChain("Root A"), b = MakeChain("Root B");
  http::ClientResponse main{200, {}, a.pem};
  main.headers.Add("Link", "<https://ca.test/cert/1/alt>;rel=\"alternate\"");
  main.headers.Add("Link", "<https://ca.test/dir>;rel=\"index\"");
  http_.Script("POST", "https://ca.test/cert/1", {main});
  http_.Script("POST", "https://ca.test/cert/1/alt", {http::ClientResponse{200, {}, b.pem}});
  auto chains = client_->DownloadCertificateChains("https://ca.test/cert/1");
  ASSERT_TRUE(chains.ok()) << chains.status().ToString();
  ASSERT_EQ(chains->size(), 2u);
  EXPECT_EQ((*chains)[1], b.pem);
  EXPECT_EQ(http_.requests().back().headers.Get("Accept"), "application/pem-certificate-chain");
  EXPECT_EQ(AcmeClient::PreferredChain(*chains, "Root B"), 1u);
  EXPECT_EQ(AcmeClient::PreferredChain(*chains, "Root A"), 0u);
  EXPECT_EQ(AcmeClient::PreferredChain(*chains, "Nobody"), 0u);
  EXPECT_EQ(AcmeClient::PreferredChain(*chains, ""), 0u);
}

TEST_F(AgentAcmeClientTest, DownloadCertificatePemReturnsTheBodyAndRefusesOneWithoutACertificate) {
  TestChain a = MakeChain("Root A");
  http_.Script("POST", "https://ca.test/cert/1", {http::ClientResponse{200, {}, a.pem}});
  http_.Script("POST", "https://ca.test/cert/2", {http::ClientResponse{200, {}, "{\"not\": \"pem\"}"}});
  auto pem = client_->DownloadCertificatePem("https://ca.test/cert/1");
  ASSERT_TRUE(pem.ok()) << pem.status().ToString();
  EXPECT_EQ(*pem, a.pem);
  EXPECT_EQ(http_.requests().back().headers.Get("Accept"), "application/pem-certificate-chain");
  EXPECT_EQ(client_->DownloadCertificatePem("https://ca.test/cert/2").status().code(), Code::kMalformed);
}

TEST_F(AgentAcmeClientTest, RenewalCertIdAddsLeadingZeroForHighBitSerial) {
  TestChain c = MakeChain("Root", std::string("\x87\x65", 2));
  auto id = AcmeClient::RenewalCertId(c.leaf);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  std::string serial_part = id->substr(id->find('.') + 1);
  EXPECT_EQ(*base64url::Decode(serial_part), std::string("\x00\x87\x65", 3));
  EXPECT_EQ(*base64url::Decode(id->substr(0, id->find('.'))), c.leaf.authority_key_id());
}

TEST_F(AgentAcmeClientTest, RenewalInfoIsFetchedWithGetAndParsed) {
  TestChain c = MakeChain("Root");
  std::string url = std::string(kRenewalInfo) + "/" + *AcmeClient::RenewalCertId(c.leaf);
  http::ClientResponse r = JsonResponse(
      200, {{"suggestedWindow", {{"start", "2027-01-01T00:00:00Z"}, {"end", "2027-01-03T00:00:00Z"}}},
            {"explanationURL", "https://ca.test/why"}});
  r.headers.Set("Retry-After", "21600");
  http_.Script("GET", url, {r});
  auto info = client_->FetchRenewalInfo(c.leaf);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(FormatRfc3339(info->window_start), "2027-01-01T00:00:00Z");
  EXPECT_EQ(info->explanation_url, "https://ca.test/why");
  EXPECT_EQ(info->retry_after, std::chrono::seconds(21600));
}

// RFC 9773 §4.2: the window's end must be after its start; an empty or inverted window is refused.
TEST_F(AgentAcmeClientTest, RenewalInfoWithAnEmptyOrInvertedWindowIsMalformed) {
  TestChain c = MakeChain("Root");
  std::string url = std::string(kRenewalInfo) + "/" + *AcmeClient::RenewalCertId(c.leaf);
  for (const char* end : {"2027-01-01T00:00:00Z", "2026-12-31T00:00:00Z"}) {
    http_.Script("GET", url,
                 {JsonResponse(200, {{"suggestedWindow", {{"start", "2027-01-01T00:00:00Z"}, {"end", end}}}})});
    EXPECT_EQ(client_->FetchRenewalInfo(c.leaf).status().code(), Code::kMalformed) << end;
  }
}

TEST_F(AgentAcmeClientTest, RevokeByCertificateKeyUsesJwk) {
  TestChain c = MakeChain("Root");
  http_.Script("POST", kRevoke, {http::ClientResponse{200, {}, ""}});
  auto cert_key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_TRUE(client_->Revoke(c.leaf, 4, &*cert_key).ok());
  const auto& r = http_.requests().back();
  EXPECT_TRUE(r.protected_header.contains("jwk"));
  json payload = json::parse(r.payload);
  EXPECT_EQ(payload["reason"], 4);
  EXPECT_EQ(*base64url::Decode(payload["certificate"].get<std::string>()), c.leaf.ToDer());
  ASSERT_TRUE(client_->Revoke(c.leaf, std::nullopt).ok());
  EXPECT_EQ(http_.requests().back().protected_header["kid"], kKid);
}

TEST_F(AgentAcmeClientTest, AlreadyRevokedIsSurfaced) {
  TestChain c = MakeChain("Root");
  http_.Script("POST", kRevoke, {Problem(400, "alreadyRevoked", "certificate already revoked")});
  EXPECT_EQ(client_->Revoke(c.leaf, std::nullopt).code(), Code::kAlreadyRevoked);
}

}  // namespace
}  // namespace anvil::agent
