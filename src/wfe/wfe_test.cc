// The ACME API through WebFrontEnd::Handle with the real RA and CA (in-memory store, fake validator):
// every JWS check of RFC 8555 §6 with its exact problem type, and the resource flows of §7.
#include "wfe/wfe.h"

#include <gtest/gtest.h>

#include "base/base64url.h"
#include "crypto/csr.h"
#include "jose/eab.h"
#include "wfe/wfe_test_fixture.h"

namespace anvil::wfe {
namespace {

using namespace testing_support;  // NOLINT(build/namespaces): the fixture and its vocabulary

TEST_F(WfeTest, DirectoryListsEveryResourceAndMeta) {
  auto r = h_.Get("/directory");
  EXPECT_EQ(r.status, 200);
  Json d = BodyJson(r);
  for (const char* k : {"newNonce", "newAccount", "newOrder", "newAuthz", "revokeCert", "keyChange", "renewalInfo"}) {
    EXPECT_TRUE(d.contains(k)) << k;
  }
  EXPECT_EQ(d["newNonce"], std::string(testing::kBaseUrl) + "/acme/new-nonce");
  EXPECT_EQ(d["meta"]["externalAccountRequired"], false);
  EXPECT_TRUE(d["meta"]["profiles"].contains("tls-server"));
  EXPECT_TRUE(d["meta"]["profiles"].contains("short-lived"));
  EXPECT_TRUE(r.headers.Get("Replay-Nonce").has_value());
}

TEST_F(WfeTest, NewNonceAnswersHeadWith200AndGetWith204) {
  auto head = h_.Get("/acme/new-nonce", "HEAD");
  auto get = h_.Get("/acme/new-nonce");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(get.status, 204);
  EXPECT_EQ(head.headers.Get("Cache-Control"), "no-store");
  EXPECT_NE(head.headers.Get("Replay-Nonce"), get.headers.Get("Replay-Nonce"));
  EXPECT_NE(head.headers.Get("Link").value_or("").find("rel=\"index\""), std::string::npos);
}

TEST_F(WfeTest, NewAccountCreatesThenReturnsExisting) {
  auto first = h_.Post("/acme/new-account", Json{{"termsOfServiceAgreed", true}, {"contact", {"mailto:a@example.com"}}}, key_);
  EXPECT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(BodyJson(first)["status"], "valid");
  auto again = h_.Post("/acme/new-account", Json{{"termsOfServiceAgreed", true}}, key_);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(first.headers.Get("Location"), again.headers.Get("Location"));
}

TEST_F(WfeTest, OnlyReturnExistingWithUnknownKeyIsAccountDoesNotExist) {
  auto r = h_.Post("/acme/new-account", Json{{"onlyReturnExisting", true}}, key_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ProblemType(r), Err("accountDoesNotExist"));
}

TEST_F(WfeTest, InvalidContactsAreRefused) {
  auto bad = h_.Post("/acme/new-account", Json{{"contact", {"mailto:not-an-address"}}}, key_);
  EXPECT_EQ(ProblemType(bad), Err("invalidContact"));
  auto scheme = h_.Post("/acme/new-account", Json{{"contact", {"tel:+1555"}}}, key_);
  EXPECT_EQ(ProblemType(scheme), Err("unsupportedContact"));
}

TEST_F(WfeTest, WrongContentTypeIs415) {
  auto req = h_.Signed("/acme/new-account", Json::object(), key_, "");
  req.headers.Set("Content-Type", "application/json");
  auto r = h_.Send(req);
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(ProblemType(r), Err("malformed"));
}

TEST_F(WfeTest, NonceIsAcceptedOnlyOnce) {
  auto req = h_.Signed("/acme/new-account", Json::object(), key_, "");
  EXPECT_EQ(h_.Send(req).status, 201);
  auto replay = h_.Send(req);
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(ProblemType(replay), Err("badNonce"));
  EXPECT_TRUE(replay.headers.Get("Replay-Nonce").has_value());  // a fresh nonce to retry with (§6.5)
}

TEST_F(WfeTest, MissingOrUnknownNonceIsBadNonce) {
  auto missing = h_.Send(h_.Signed("/acme/new-account", Json::object(), key_, "", [](Json& h) { h.erase("nonce"); }));
  EXPECT_EQ(ProblemType(missing), Err("badNonce"));
  auto unknown = h_.Send(h_.Signed("/acme/new-account", Json::object(), key_, "", [](Json& h) { h["nonce"] = "AAAA"; }));
  EXPECT_EQ(ProblemType(unknown), Err("badNonce"));
}

TEST_F(WfeTest, ExpiredNonceIsBadNonce) {
  auto req = h_.Signed("/acme/new-account", Json::object(), key_, "");
  h_.clock().Advance(h_.config().acme.nonce_lifetime + std::chrono::seconds(1));
  EXPECT_EQ(ProblemType(h_.Send(req)), Err("badNonce"));
}

TEST_F(WfeTest, UrlMismatchIsUnauthorized) {
  auto r = h_.Send(h_.Signed("/acme/new-account", Json::object(), key_, "",
                             [](Json& h) { h["url"] = std::string(testing::kBaseUrl) + "/acme/new-order"; }));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ProblemType(r), Err("unauthorized"));
  auto missing = h_.Send(h_.Signed("/acme/new-account", Json::object(), key_, "", [](Json& h) { h.erase("url"); }));
  EXPECT_EQ(ProblemType(missing), Err("malformed"));
}

TEST_F(WfeTest, AlgorithmNoneAndMacAreBadSignatureAlgorithm) {
  for (const char* alg : {"none", "HS256"}) {
    Json header = {{"alg", alg}, {"nonce", h_.Nonce()}, {"url", std::string(testing::kBaseUrl) + "/acme/new-account"},
                   {"jwk", key_.jwk().ToJson()}};
    Json body = {{"protected", base64url::Encode(header.dump())}, {"payload", base64url::Encode("{}")}, {"signature", ""}};
    http::Request req;
    req.method = "POST";
    req.target = "/acme/new-account";
    req.headers.Set("Content-Type", "application/jose+json");
    req.body = body.dump();
    auto r = h_.Send(req);
    EXPECT_EQ(ProblemType(r), Err("badSignatureAlgorithm")) << alg;
    EXPECT_TRUE(BodyJson(r).contains("algorithms")) << alg;
  }
}

TEST_F(WfeTest, AlgorithmThatDoesNotFitTheKeyIsBadSignatureAlgorithm) {
  // ES256 announced with a P-384 key: refused for the mismatch before any signature check.
  TestKey p384 = TestKey::Make(crypto::KeyType::kEcP384);
  Json header = {{"alg", "ES256"}, {"nonce", h_.Nonce()}, {"url", std::string(testing::kBaseUrl) + "/acme/new-account"},
                 {"jwk", p384.jwk().ToJson()}};
  Json body = {{"protected", base64url::Encode(header.dump())}, {"payload", base64url::Encode("{}")},
               {"signature", base64url::Encode(std::string(64, 'x'))}};
  http::Request req;
  req.method = "POST";
  req.target = "/acme/new-account";
  req.headers.Set("Content-Type", "application/jose+json");
  req.body = body.dump();
  EXPECT_EQ(ProblemType(h_.Send(req)), Err("badSignatureAlgorithm"));
}

TEST_F(WfeTest, BadSignatureIsMalformed) {
  auto req = h_.Signed("/acme/new-account", Json::object(), key_, "");
  Json body = Json::parse(req.body);
  std::string sig = *base64url::Decode(body["signature"].get<std::string>());
  sig[5] ^= 1;
  body["signature"] = base64url::Encode(sig);
  req.body = body.dump();
  auto r = h_.Send(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ProblemType(r), Err("malformed"));
}

TEST_F(WfeTest, KidAndJwkAreRequiredWhereTheRfcSaysSo) {
  std::string kid = h_.NewAccount(key_);
  auto with_kid = h_.Post("/acme/new-account", Json::object(), key_, kid);
  EXPECT_EQ(ProblemType(with_kid), Err("malformed"));
  auto with_jwk = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}}, key_);
  EXPECT_EQ(ProblemType(with_jwk), Err("malformed"));
}

TEST_F(WfeTest, UnknownKidIsAccountDoesNotExist) {
  auto r = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}}, key_,
                   std::string(testing::kBaseUrl) + "/acme/acct/nope");
  EXPECT_EQ(ProblemType(r), Err("accountDoesNotExist"));
}

// A 1024-bit RSA key (generated once with `openssl genrsa 1024`), below the 2048-bit minimum.
constexpr char kRsa1024Pem[] = R"(-----BEGIN PRIVATE KEY-----
MIICeQIBADANBgkqhkiG9w0BAQEFAASCAmMwggJfAgEAAoGBAK/pA5tJYmctLzH6
qRQFqmkwUcj7fdHuFyBx9cRFp36mdUx1rvpcDnou5t2eFXA+LR4ahT8GSAnX3Stv
yb7p4dAMUFpL1DvDxBDnUZY2YYg9MiQZ3hMJ3fYbRhQR6dPnfHRjY+7rWqAUY4xB
AV2mBq8KnS4ekiW09DobQqWeml2xAgMBAAECgYEArAa5ajDXtIKxdrTkiBoKTpfc
Qyn+H0AxCZ+ocmqTo/1xFHa5yUghOEeJqgygdoW3ZYsV505jQI0DUykdKEBcfJOg
CqBScKyxAKHrlQXl37Xw53iMVZ5JPma6HHctB+eVytHiRRb9ErTHay/AgDa/dcAv
XXE8JfAD82J8Qcv0NWECQQDUa+nH7EVfCFUuQmAI3Jz103UETxBRWX2gF/qlkcSJ
whIADYSVVhWXS6Xvtf61GFl2mHRbqfr3D8V5v8jam3MVAkEA0/+Ti2c+VfahEZUC
/vDtwYwuqr/mta2R8QUzNru/XTnZ+SFsCFeiIs/TPmLhxrIY1UIc4CW9W+L88QRN
nz9XLQJBAMJNj4NzCKV77saoqkWQ3vYxnUj6tTdkP3gwVvIaGwfTgDmSI+Oh4ZAJ
/1f8RmcKRdMocs7h9hEF2SGbnzLvnF0CQQDAUI1MXPBTk1QyWvdIxs8oUT7Ubxmf
nkFSX+FBubeznpN6STNzrevLoLSFV7ZxRYb5juwa+qF5BcVn7vtrh05RAkEAoeXr
sx12IoMLpXbJ7yQTvP/oQ3VUBph5KjhWKW0NMWLNvloRA/TpSOn19MTSqv6XigzC
cRHB2nuaPiDTK2jqdw==
-----END PRIVATE KEY-----
)";

TEST_F(WfeTest, SmallRsaKeyIsBadPublicKey) {
  auto weak = crypto::PrivateKey::FromPem(kRsa1024Pem);
  ASSERT_TRUE(weak.ok());
  TestKey small{*weak, jose::Algorithm::kRs256};
  auto r = h_.Post("/acme/new-account", Json::object(), small);
  EXPECT_EQ(ProblemType(r), Err("badPublicKey"));
  TestKey rsa = TestKey::Make(crypto::KeyType::kRsa2048);
  EXPECT_EQ(h_.Post("/acme/new-account", Json::object(), rsa).status, 201);
}

// RFC 7517 §4.2-4.4: the JWK's optional members must fit a key that verifies this request.
TEST_F(WfeTest, NewAccountWhoseJwkMembersDisagreeIsRefused) {
  auto mismatch = h_.Send(h_.Signed("/acme/new-account", Json{{"termsOfServiceAgreed", true}}, key_, "",
                                    [](Json& h) { h["jwk"]["alg"] = "ES384"; }));
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(ProblemType(mismatch), Err("badPublicKey"));
  EXPECT_EQ(BodyJson(mismatch)["status"], 400);
  auto encryption = h_.Send(h_.Signed("/acme/new-account", Json{{"termsOfServiceAgreed", true}}, key_, "",
                                      [](Json& h) { h["jwk"]["use"] = "enc"; }));
  EXPECT_EQ(encryption.status, 400);
  EXPECT_EQ(ProblemType(encryption), Err("badPublicKey"));
  auto agreeing = h_.Send(h_.Signed("/acme/new-account", Json{{"termsOfServiceAgreed", true}}, key_, "",
                                    [this](Json& h) {
                                      h["jwk"]["alg"] = std::string(jose::AlgorithmName(key_.alg));
                                      h["jwk"]["use"] = "sig";
                                      h["jwk"]["key_ops"] = Json::array({"verify"});
                                    }));
  EXPECT_EQ(agreeing.status, 201) << agreeing.body;
}

// What the transport refuses (http::ServerOptions::refusal_response) is a problem document too.
TEST_F(WfeTest, TransportRefusalsAreProblemDocumentsWithANonce) {
  http::Response too_large = h_.front_end().Refusal(413, "Content Too Large");
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(too_large.headers.Get("Content-Type"), "application/problem+json");
  EXPECT_EQ(ProblemType(too_large), Err("malformed"));
  EXPECT_EQ(BodyJson(too_large)["status"], 413);
  EXPECT_EQ(BodyJson(too_large)["detail"], "Content Too Large");
  EXPECT_TRUE(too_large.headers.Get("Replay-Nonce").has_value());
  http::Response failed = h_.front_end().Refusal(500, "Internal Server Error");
  EXPECT_EQ(ProblemType(failed), Err("serverInternal"));
  EXPECT_EQ(BodyJson(failed)["status"], 500);
}

TEST_F(WfeTest, PlainGetOfAnAcmeResourceIs405) {
  std::string kid = h_.NewAccount(key_);
  auto r = h_.Get(WfeHarness::PathOf(kid));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(ProblemType(r), Err("malformed"));
  EXPECT_EQ(BodyJson(r)["status"], 405);
  EXPECT_EQ(r.headers.Get("Allow"), "POST");  // RFC 9110 §15.5.6
}

// newNonce, the directory and the CA files are read with GET or HEAD; a POST, POST-as-GET included (§6.3's
// table lists no POST for them), is 405 naming those methods.
TEST_F(WfeTest, PostToAGetResourceIs405WithAllow) {
  std::string kid = h_.NewAccount(key_);
  for (std::string target : {"/acme/new-nonce", "/directory", "/ca/root.pem"}) {
    SCOPED_TRACE(target);
    auto r = h_.Post(target, std::nullopt, key_, kid);
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.headers.Get("Content-Type"), "application/problem+json");
    EXPECT_EQ(ProblemType(r), Err("malformed"));
    EXPECT_EQ(BodyJson(r)["status"], 405);
    EXPECT_EQ(r.headers.Get("Allow"), "GET, HEAD");
  }
}

TEST_F(WfeTest, UnknownPathIs404Malformed) {
  auto r = h_.Get("/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ProblemType(r), Err("malformed"));
}

TEST_F(WfeTest, FullIssuanceFlowThenDownloadAndRevoke) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"www.example.com", "example.com"}));
  auto order = h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid);
  ASSERT_EQ(BodyJson(order)["status"], "ready") << order.body;

  auto fin = h_.Post(WfeHarness::PathOf(order_url) + "/finalize",
                     Json{{"csr", CsrFor({"example.com", "www.example.com"})}}, key_, kid);
  ASSERT_EQ(fin.status, 200) << fin.body;
  Json done = BodyJson(fin);
  EXPECT_EQ(done["status"], "valid");
  ASSERT_TRUE(done.contains("certificate"));

  auto cert = h_.Post(WfeHarness::PathOf(done["certificate"]), std::nullopt, key_, kid);
  ASSERT_EQ(cert.status, 200);
  EXPECT_EQ(cert.headers.Get("Content-Type"), "application/pem-certificate-chain");
  auto chain = crypto::Certificate::ChainFromPem(cert.body);
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  // The served PEM is byte for byte what OpenSSL writes for the leaf and the intermediate.
  EXPECT_EQ(cert.body, (*chain)[0].ToPem() + h_.material().intermediate.ToPem());
  EXPECT_TRUE(crypto::VerifyChain((*chain)[0], {(*chain)[1]}, h_.material().root, h_.clock().Now()).ok());
  auto names = (*chain)[0].dns_names();
  EXPECT_EQ(names.size(), 2u);
  EXPECT_EQ((*chain)[0].serial_bytes().size(), 16u);  // 128-bit serial

  // A second finalize never signs again.
  auto again = h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", CsrFor({"example.com", "www.example.com"})}},
                       key_, kid);
  EXPECT_EQ(again.status, 403);
  EXPECT_EQ(ProblemType(again), Err("orderNotReady"));

  Json revoke = {{"certificate", base64url::Encode((*chain)[0].ToDer())}, {"reason", 4}};
  EXPECT_EQ(h_.Post("/acme/revoke-cert", revoke, key_, kid).status, 200);
  EXPECT_EQ(ProblemType(h_.Post("/acme/revoke-cert", revoke, key_, kid)), Err("alreadyRevoked"));
}

TEST_F(WfeTest, AlternateChainsAreOfferedWithLinkAlternate) {
  // A second root cross-signs the intermediate's key: the alternate chain is that cross certificate.
  auto cross_root_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  crypto::CertificateTemplate t;
  t.serial = std::string(16, '\x42');
  t.subject.common_name = "Anvil Intermediate CA";
  t.not_before = h_.clock().Now() - std::chrono::hours(1);
  t.not_after = h_.clock().Now() + std::chrono::hours(24 * 365);
  t.is_ca = true;
  t.key_cert_sign = true;
  auto cross = crypto::IssueCertificate(t, h_.material().intermediate.public_key(), nullptr, cross_root_key);
  ASSERT_TRUE(cross.ok()) << cross.status().ToString();
  h_.SetAlternateChains({cross->ToPem()});

  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  Json fin = BodyJson(h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", CsrFor({"a.example.com"})}}, key_, kid));
  std::string cert_path = WfeHarness::PathOf(fin["certificate"]);
  auto main_chain = h_.Post(cert_path, std::nullopt, key_, kid);
  std::string alternate;
  for (const auto& link : main_chain.headers.GetAll("Link")) {
    if (link.find("rel=\"alternate\"") != std::string::npos) alternate = link.substr(1, link.find('>') - 1);
  }
  ASSERT_EQ(alternate, std::string(testing::kBaseUrl) + cert_path + "/1");
  auto alt = h_.Post(WfeHarness::PathOf(alternate), std::nullopt, key_, kid);
  ASSERT_EQ(alt.status, 200) << alt.body;
  auto chain = crypto::Certificate::ChainFromPem(alt.body);
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[1].ToDer(), cross->ToDer());
  EXPECT_EQ(h_.Post(cert_path + "/2", std::nullopt, key_, kid).status, 404);
}

TEST_F(WfeTest, RequestedValidityIsHonouredWithinTheProfile) {
  std::string kid = h_.NewAccount(key_);
  TimePoint nb = h_.clock().Now() + std::chrono::hours(1);
  TimePoint na = nb + std::chrono::hours(24 * 10);
  Json too_long = {{"identifiers", DnsIds({"a.example.com"})}, {"notBefore", FormatRfc3339(nb)},
                   {"notAfter", FormatRfc3339(nb + std::chrono::hours(24 * 91))}};
  EXPECT_EQ(ProblemType(h_.Post("/acme/new-order", too_long, key_, kid)), Err("malformed"));
  Json backwards = {{"identifiers", DnsIds({"a.example.com"})}, {"notBefore", FormatRfc3339(na)},
                    {"notAfter", FormatRfc3339(nb)}};
  EXPECT_EQ(ProblemType(h_.Post("/acme/new-order", backwards, key_, kid)), Err("malformed"));
  Json garbage = {{"identifiers", DnsIds({"a.example.com"})}, {"notAfter", "tomorrow"}};
  EXPECT_EQ(ProblemType(h_.Post("/acme/new-order", garbage, key_, kid)), Err("malformed"));

  Json ok = {{"identifiers", DnsIds({"a.example.com"})}, {"notBefore", FormatRfc3339(nb)}, {"notAfter", FormatRfc3339(na)}};
  std::string order_url = ReadyOrderFor(kid, ok);
  EXPECT_EQ(BodyJson(h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid))["notAfter"], FormatRfc3339(na));
  crypto::Certificate leaf = FinalizeAndDownload(kid, order_url, {"a.example.com"});
  EXPECT_EQ(ToUnixSeconds(leaf.not_before()), ToUnixSeconds(nb));
  EXPECT_EQ(ToUnixSeconds(leaf.not_after()), ToUnixSeconds(na));
}

TEST_F(WfeTest, FinalizeBeforeReadyIsOrderNotReady) {
  std::string kid = h_.NewAccount(key_);
  auto r = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}}, key_, kid);
  std::string order_path = WfeHarness::PathOf(r.headers.Get("Location").value_or(""));
  auto fin = h_.Post(order_path + "/finalize", Json{{"csr", CsrFor({"a.example.com"})}}, key_, kid);
  EXPECT_EQ(fin.status, 403);
  EXPECT_EQ(ProblemType(fin), Err("orderNotReady"));
}

TEST_F(WfeTest, CsrWithAnExtraNameIsBadCsr) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  auto fin = h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", CsrFor({"a.example.com", "b.example.com"})}},
                     key_, kid);
  EXPECT_EQ(ProblemType(fin), Err("badCSR"));
  // The order is still ready: a bad CSR does not burn it.
  EXPECT_EQ(BodyJson(h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid))["status"], "ready");
}

TEST_F(WfeTest, CsrWithTheAccountKeyIsBadCsr) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  auto fin = h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", CsrFor({"a.example.com"}, &key_.key)}},
                     key_, kid);
  EXPECT_EQ(ProblemType(fin), Err("badCSR"));
}

// Not only the requester's: a key that signs any account's requests is never certified.
TEST_F(WfeTest, CsrWithAnotherAccountsKeyIsBadCsrWith400) {
  TestKey other = TestKey::Make();
  h_.NewAccount(other);
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  auto fin = h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", CsrFor({"a.example.com"}, &other.key)}},
                     key_, kid);
  EXPECT_EQ(fin.status, 400);
  EXPECT_EQ(ProblemType(fin), Err("badCSR"));
  EXPECT_EQ(BodyJson(fin)["status"], 400);
  EXPECT_EQ(BodyJson(fin)["detail"], "the certificate key is the key of another ACME account");
}

TEST_F(WfeTest, GarbageCsrIsBadCsr) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  auto fin = h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", base64url::Encode("not a csr")}}, key_, kid);
  EXPECT_EQ(ProblemType(fin), Err("badCSR"));
}

TEST_F(WfeTest, FailedValidationMakesAuthorizationAndOrderInvalid) {
  std::string kid = h_.NewAccount(key_);
  h_.validator().set_result(Status(Code::kIncorrectResponse, "wrong key authorization"));
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  Json order = BodyJson(h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid));
  EXPECT_EQ(order["status"], "invalid");
  Json authz = BodyJson(h_.Post(WfeHarness::PathOf(order["authorizations"][0]), std::nullopt, key_, kid));
  EXPECT_EQ(authz["status"], "invalid");
  bool found = false;
  for (const auto& c : authz["challenges"]) {
    if (c["status"] == "invalid") {
      found = true;
      EXPECT_EQ(c["error"]["type"], Err("incorrectResponse"));
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(WfeTest, WildcardOffersOnlyDns01AndIpOffersNoDns01) {
  std::string kid = h_.NewAccount(key_);
  Json ids = {{{"type", "dns"}, {"value", "*.example.com"}}, {{"type", "ip"}, {"value", "192.0.2.7"}}};
  Json order = BodyJson(h_.Post("/acme/new-order", Json{{"identifiers", ids}}, key_, kid));
  ASSERT_EQ(order["authorizations"].size(), 2u);
  for (const auto& url : order["authorizations"]) {
    Json authz = BodyJson(h_.Post(WfeHarness::PathOf(url), std::nullopt, key_, kid));
    std::set<std::string> types;
    for (const auto& c : authz["challenges"]) types.insert(c["type"]);
    if (authz["identifier"]["type"] == "ip") {
      EXPECT_EQ(types, (std::set<std::string>{"http-01", "tls-alpn-01"}));
    } else {
      EXPECT_EQ(authz["identifier"]["value"], "example.com");
      EXPECT_EQ(authz["wildcard"], true);
      EXPECT_EQ(types, std::set<std::string>{"dns-01"});
    }
  }
}

TEST_F(WfeTest, UnsupportedAndRejectedIdentifiersNameTheIdentifier) {
  std::string kid = h_.NewAccount(key_);
  auto email = h_.Post("/acme/new-order", Json{{"identifiers", {{{"type", "email"}, {"value", "a@b.c"}}}}}, key_, kid);
  EXPECT_EQ(ProblemType(email), Err("unsupportedIdentifier"));
  Json two_bad = {{{"type", "dns"}, {"value", "bad_name.example.com"}}, {{"type", "dns"}, {"value", "ok.example.com"}},
                  {{"type", "dns"}, {"value", "-x.example.com"}}};
  auto r = h_.Post("/acme/new-order", Json{{"identifiers", two_bad}}, key_, kid);
  EXPECT_EQ(ProblemType(r), Err("rejectedIdentifier"));
  Json subs = BodyJson(r)["subproblems"];
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0]["identifier"]["value"], "bad_name.example.com");
  EXPECT_EQ(subs[1]["identifier"]["value"], "-x.example.com");
}

TEST_F(WfeTest, PolicyDenyListIsRejectedIdentifier) {
  WfeHarness h([](config::Config& c) { c.policy.denied_domains = {"forbidden.test"}; });
  TestKey key = TestKey::Make();
  std::string kid = h.NewAccount(key);
  auto r = h.Post("/acme/new-order", Json{{"identifiers", {{{"type", "dns"}, {"value", "a.forbidden.test"}}}}}, key, kid);
  EXPECT_EQ(ProblemType(r), Err("rejectedIdentifier"));
  auto ok = h.Post("/acme/new-order", Json{{"identifiers", {{{"type", "dns"}, {"value", "notforbidden.test"}}}}}, key, kid);
  EXPECT_EQ(ok.status, 201);
}

TEST_F(WfeTest, UnknownProfileIsInvalidProfile) {
  std::string kid = h_.NewAccount(key_);
  auto r = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}, {"profile", "nope"}}, key_, kid);
  EXPECT_EQ(ProblemType(r), Err("invalidProfile"));
}

TEST_F(WfeTest, ShortLivedProfileIssuesSevenDayCertificates) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrderFor(kid, Json{{"identifiers", DnsIds({"a.example.com"})}, {"profile", "short-lived"}});
  EXPECT_EQ(BodyJson(h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid))["profile"], "short-lived");
  crypto::Certificate leaf = FinalizeAndDownload(kid, order_url, {"a.example.com"});
  auto days = std::chrono::duration_cast<std::chrono::hours>(leaf.not_after() - leaf.not_before()).count() / 24;
  EXPECT_EQ(days, 7);
}

TEST_F(WfeTest, ValidAuthorizationsAreReusedForTheSameAccount) {
  std::string kid = h_.NewAccount(key_);
  ReadyOrder(kid, DnsIds({"a.example.com"}));
  auto second = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}}, key_, kid);
  EXPECT_EQ(BodyJson(second)["status"], "ready");
  TestKey other = TestKey::Make();
  std::string other_kid = h_.NewAccount(other);
  auto theirs = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}}, other, other_kid);
  EXPECT_EQ(BodyJson(theirs)["status"], "pending");
}

TEST_F(WfeTest, OrdersListIsPaginatedWithLinkNext) {
  std::string kid = h_.NewAccount(key_);
  for (const char* n : {"a.example.com", "b.example.com", "c.example.com"}) {
    h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({n})}}, key_, kid);
  }
  auto page1 = h_.Post(WfeHarness::PathOf(kid) + "/orders", std::nullopt, key_, kid);
  ASSERT_EQ(page1.status, 200) << page1.body;
  EXPECT_EQ(BodyJson(page1)["orders"].size(), 2u);
  std::string next;
  for (const auto& link : page1.headers.GetAll("Link")) {
    if (link.find("rel=\"next\"") != std::string::npos) next = link.substr(1, link.find('>') - 1);
  }
  ASSERT_FALSE(next.empty());
  auto page2 = h_.Post(WfeHarness::PathOf(next), std::nullopt, key_, kid);
  EXPECT_EQ(BodyJson(page2)["orders"].size(), 1u);
}

TEST_F(WfeTest, DeactivatedAccountIsUnauthorized) {
  std::string kid = h_.NewAccount(key_);
  auto d = h_.Post(WfeHarness::PathOf(kid), Json{{"status", "deactivated"}}, key_, kid);
  EXPECT_EQ(BodyJson(d)["status"], "deactivated");
  auto r = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}}, key_, kid);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ProblemType(r), Err("unauthorized"));
  // newAccount with the same key does not bring the account back (§7.3.6).
  EXPECT_EQ(ProblemType(h_.Post("/acme/new-account", Json{{"onlyReturnExisting", true}}, key_)), Err("unauthorized"));
}

TEST_F(WfeTest, AccountUpdateChangesContacts) {
  std::string kid = h_.NewAccount(key_);
  auto r = h_.Post(WfeHarness::PathOf(kid), Json{{"contact", {"mailto:new@example.com"}}}, key_, kid);
  EXPECT_EQ(BodyJson(r)["contact"][0], "mailto:new@example.com");
}

TEST_F(WfeTest, KeyRolloverSwitchesTheAccountKey) {
  std::string kid = h_.NewAccount(key_);
  TestKey next = TestKey::Make(crypto::KeyType::kEcP384);
  std::string url = std::string(testing::kBaseUrl) + "/acme/key-change";
  Json inner_header = {{"jwk", next.jwk().ToJson()}, {"url", url}};
  Json inner_payload = {{"account", kid}, {"oldKey", key_.jwk().ToJson()}};
  auto inner = jose::SignJson(next.key, next.alg, inner_header, inner_payload.dump());
  ASSERT_TRUE(inner.ok());
  auto r = h_.Post("/acme/key-change", *inner, key_, kid);
  ASSERT_EQ(r.status, 200) << r.body;
  // The old key no longer works; the new one does.
  EXPECT_EQ(h_.Post(WfeHarness::PathOf(kid), std::nullopt, key_, kid).status, 400);
  EXPECT_EQ(h_.Post(WfeHarness::PathOf(kid), std::nullopt, next, kid).status, 200);
}

// §7.3.5: the inner JWS must name the same url as the outer; one that does not is malformed (400), and the
// account keeps its key.
TEST_F(WfeTest, KeyRolloverWithADifferentInnerUrlIsMalformed) {
  std::string kid = h_.NewAccount(key_);
  TestKey next = TestKey::Make();
  std::string elsewhere = std::string(testing::kBaseUrl) + "/acme/new-order";
  auto inner = jose::SignJson(next.key, next.alg, Json{{"jwk", next.jwk().ToJson()}, {"url", elsewhere}},
                              Json{{"account", kid}, {"oldKey", key_.jwk().ToJson()}}.dump());
  ASSERT_TRUE(inner.ok());
  auto r = h_.Post("/acme/key-change", *inner, key_, kid);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ProblemType(r), Err("malformed"));
  EXPECT_EQ(BodyJson(r)["status"], 400);
  EXPECT_EQ(h_.Post(WfeHarness::PathOf(kid), std::nullopt, key_, kid).status, 200);
}

TEST_F(WfeTest, KeyRolloverToAKeyInUseIs409WithLocation) {
  std::string kid = h_.NewAccount(key_);
  TestKey other = TestKey::Make();
  std::string other_kid = h_.NewAccount(other);
  std::string url = std::string(testing::kBaseUrl) + "/acme/key-change";
  auto inner = jose::SignJson(other.key, other.alg, Json{{"jwk", other.jwk().ToJson()}, {"url", url}},
                              Json{{"account", kid}, {"oldKey", key_.jwk().ToJson()}}.dump());
  auto r = h_.Post("/acme/key-change", *inner, key_, kid);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.headers.Get("Location"), other_kid);
  // The problem document agrees with the response (RFC 7807 §3.1), type malformed as Boulder and Pebble.
  EXPECT_EQ(BodyJson(r)["status"], 409);
  EXPECT_EQ(ProblemType(r), Err("malformed"));
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/problem+json");
}

TEST_F(WfeTest, NewAuthzPreAuthorizes) {
  std::string kid = h_.NewAccount(key_);
  auto r = h_.Post("/acme/new-authz", Json{{"identifier", {{"type", "dns"}, {"value", "pre.example.com"}}}}, key_, kid);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyJson(r)["status"], "pending");
  EXPECT_TRUE(r.headers.Get("Location").has_value());
}

TEST_F(WfeTest, AuthorizationCanBeDeactivated) {
  std::string kid = h_.NewAccount(key_);
  Json order = BodyJson(h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}}, key_, kid));
  std::string authz = WfeHarness::PathOf(order["authorizations"][0]);
  auto r = h_.Post(authz, Json{{"status", "deactivated"}}, key_, kid);
  EXPECT_EQ(BodyJson(r)["status"], "deactivated");
}

TEST_F(WfeTest, DeactivatingAnAuthorizationOfAReadyOrderMakesItInvalid) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  Json order = BodyJson(h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid));
  ASSERT_EQ(order["status"], "ready");
  auto d = h_.Post(WfeHarness::PathOf(order["authorizations"][0]), Json{{"status", "deactivated"}}, key_, kid);
  ASSERT_EQ(BodyJson(d)["status"], "deactivated");
  auto fin = h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", CsrFor({"a.example.com"})}}, key_, kid);
  EXPECT_EQ(ProblemType(fin), Err("orderNotReady"));
  EXPECT_EQ(BodyJson(h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid))["status"], "invalid");
}

TEST_F(WfeTest, ExternalAccountBindingIsRequiredWhenConfigured) {
  WfeHarness h([](config::Config& c) { c.acme.external_account_required = true; });
  TestKey key = TestKey::Make();
  auto r = h.Post("/acme/new-account", Json{{"termsOfServiceAgreed", true}}, key);
  EXPECT_EQ(ProblemType(r), Err("externalAccountRequired"));
  ASSERT_TRUE(h.store().CreateEabKey({"kid-1", std::string(32, 'k'), "", "test", h.clock().Now()}, storage::AuditEvent{}).ok());
  auto eab = jose::SignEab("kid-1", std::string(32, 'k'), jose::Algorithm::kHs256, key.jwk(),
                           std::string(testing::kBaseUrl) + "/acme/new-account");
  ASSERT_TRUE(eab.ok());
  auto ok = h.Post("/acme/new-account", Json{{"termsOfServiceAgreed", true}, {"externalAccountBinding", *eab}}, key);
  EXPECT_EQ(ok.status, 201) << ok.body;
  // The key is single-use.
  TestKey second = TestKey::Make();
  auto eab2 = jose::SignEab("kid-1", std::string(32, 'k'), jose::Algorithm::kHs256, second.jwk(),
                            std::string(testing::kBaseUrl) + "/acme/new-account");
  auto reused = h.Post("/acme/new-account", Json{{"externalAccountBinding", *eab2}}, second);
  EXPECT_EQ(ProblemType(reused), Err("unauthorized"));
}

TEST_F(WfeTest, RenewalInfoSuggestsAWindowAndReplacesIsChecked) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  crypto::Certificate leaf = FinalizeAndDownload(kid, order_url, {"a.example.com"});
  std::string cert_id = ra::CertificateId(leaf.authority_key_id(), leaf.serial_hex());
  auto info = h_.Get("/acme/renewal-info/" + cert_id);
  ASSERT_EQ(info.status, 200) << info.body;
  Json window = BodyJson(info)["suggestedWindow"];
  auto start = ParseRfc3339(window["start"].get<std::string>());
  auto end = ParseRfc3339(window["end"].get<std::string>());
  ASSERT_TRUE(start.ok() && end.ok());
  EXPECT_LT(*start, *end);
  EXPECT_LT(*end, leaf.not_after());
  EXPECT_TRUE(info.headers.Get("Retry-After").has_value());

  auto renewal = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}, {"replaces", cert_id}}, key_, kid);
  EXPECT_EQ(renewal.status, 201) << renewal.body;
  EXPECT_EQ(BodyJson(renewal)["replaces"], cert_id);
  auto twice = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}, {"replaces", cert_id}}, key_, kid);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(ProblemType(twice), Err("alreadyReplaced"));
  EXPECT_EQ(h_.Get("/acme/renewal-info/AAAA.AAAA").status, 404);
}

TEST_F(WfeTest, RevocationByTheCertificateKey) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  auto cert_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  crypto::Certificate leaf = FinalizeAndDownload(kid, order_url, {"a.example.com"}, &cert_key);
  Json payload = {{"certificate", base64url::Encode(leaf.ToDer())}, {"reason", 1}};
  TestKey stranger = TestKey::Make();
  EXPECT_EQ(ProblemType(h_.Post("/acme/revoke-cert", payload, stranger)), Err("unauthorized"));
  TestKey by_cert{cert_key, jose::Algorithm::kEs256};
  auto r = h_.Post("/acme/revoke-cert", payload, by_cert);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(WfeTest, BadRevocationReasonIsRefused) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  crypto::Certificate leaf = FinalizeAndDownload(kid, order_url, {"a.example.com"});
  // RFC 5280 reasons that are the CA's to state, the unused 7, and unknown codes (RFC 8555 §7.6 lets a server
  // disallow a subset; Boulder allows a subscriber 0, 1, 3, 4, 5).
  for (int reason : {2, 6, 7, 8, 9, 10, 11, -1}) {
    SCOPED_TRACE(reason);
    Json payload = {{"certificate", base64url::Encode(leaf.ToDer())}, {"reason", reason}};
    auto r = h_.Post("/acme/revoke-cert", payload, key_, kid);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(ProblemType(r), Err("badRevocationReason"));
  }
  Json superseded = {{"certificate", base64url::Encode(leaf.ToDer())}, {"reason", 4}};
  EXPECT_EQ(h_.Post("/acme/revoke-cert", superseded, key_, kid).status, 200);
}

TEST_F(WfeTest, OrderExpiresIntoInvalid) {
  std::string kid = h_.NewAccount(key_);
  auto r = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}}, key_, kid);
  h_.clock().Advance(h_.config().acme.order_lifetime + std::chrono::seconds(1));
  // The account's nonce lifetime passed too; the harness fetches a fresh nonce for each request.
  auto order = h_.Post(WfeHarness::PathOf(r.headers.Get("Location").value_or("")), std::nullopt, key_, kid);
  EXPECT_EQ(BodyJson(order)["status"], "invalid");
}

// Clock jumps (issue 13): once past its expiry a ready order cannot be finalized (§7.4: orderNotReady, 403)
// and is invalid; nothing is signed.
TEST_F(WfeTest, FinalizingAnExpiredReadyOrderIsOrderNotReadyAndIssuesNothing) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  std::string order_id = order_url.substr(order_url.rfind('/') + 1);
  h_.clock().Advance(h_.config().acme.order_lifetime + std::chrono::seconds(1));
  auto fin = h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", CsrFor({"a.example.com"})}},
                     key_, kid);
  EXPECT_EQ(fin.status, 403);
  EXPECT_EQ(ProblemType(fin), Err("orderNotReady"));
  EXPECT_EQ(BodyJson(h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid))["status"], "invalid");
  EXPECT_TRUE(h_.store().ListCertificatesForOrder(order_id)->empty());
}

// A challenge of an expired (or deactivated) authorization cannot be answered: the state is final (§7.1.6),
// so the response is a 409 conflict and no validation starts.
TEST_F(WfeTest, RespondingToAChallengeOfAnExpiredOrDeactivatedAuthorizationIsAConflict) {
  std::string kid = h_.NewAccount(key_);
  for (const char* how : {"expired", "deactivated"}) {
    SCOPED_TRACE(how);
    auto r = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"a.example.com"})}}, key_, kid);
    std::string authz_path = WfeHarness::PathOf(BodyJson(r)["authorizations"][0]);
    Json authz = BodyJson(h_.Post(authz_path, std::nullopt, key_, kid));
    std::string challenge_path = WfeHarness::PathOf(authz["challenges"][0]["url"]);
    if (std::string(how) == "expired") {
      h_.clock().Advance(h_.config().acme.pending_authorization_lifetime + std::chrono::seconds(1));
    } else {
      ASSERT_EQ(BodyJson(h_.Post(authz_path, Json{{"status", "deactivated"}}, key_, kid))["status"], how);
    }
    auto answer = h_.Post(challenge_path, Json::object(), key_, kid);
    EXPECT_EQ(answer.status, 409) << answer.body;
    EXPECT_EQ(ProblemType(answer), Err("malformed"));
    EXPECT_NE(BodyJson(answer)["detail"].get<std::string>().find(how), std::string::npos) << answer.body;
    Json after = BodyJson(h_.Post(authz_path, std::nullopt, key_, kid));
    EXPECT_EQ(after["status"], how);
    EXPECT_EQ(after["challenges"][0]["status"], "pending");  // no validation was started
  }
}

TEST_F(WfeTest, ReconcileFinishesOrdersLeftProcessing) {
  std::string kid = h_.NewAccount(key_);
  std::string order_url = ReadyOrder(kid, DnsIds({"a.example.com"}));
  std::string order_id = order_url.substr(order_url.rfind('/') + 1);
  ASSERT_EQ(BodyJson(h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid))["status"], "ready");
  // Simulate a crash right after the ready → processing gate.
  ASSERT_TRUE(h_.store().TransitionOrder(order_id, acme::OrderStatus::kReady, acme::OrderStatus::kProcessing, "", "", nullptr).ok());
  ASSERT_TRUE(h_.ra().ReconcileProcessingOrders().ok());
  auto order = BodyJson(h_.Post(WfeHarness::PathOf(order_url), std::nullopt, key_, kid));
  EXPECT_EQ(order["status"], "invalid");
  EXPECT_EQ(order["error"]["type"], Err("serverInternal"));
}

}  // namespace
}  // namespace anvil::wfe
