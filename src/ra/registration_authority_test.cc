// The RA alone: a memory store (behind a fault-injecting decorator), a fake CA that follows the issuance
// protocol without signing, and a fake validator. What the front end adds (JWS, problem documents) is
// wfe_test's; real signing is ca_test's.
#include "ra/registration_authority.h"

#include <gtest/gtest.h>

#include <functional>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "crypto/csr.h"
#include "ra/ra_test_fixture.h"

namespace anvil::ra {
namespace {

using namespace testing_support;  // NOLINT(build/namespaces): the fixture and its vocabulary

// A 2048-bit RSA key with public exponent 3, which crypto::PrivateKey::Generate never makes: generated with
// OpenSSL here and imported through its PEM.
crypto::PrivateKey RsaKeyWithExponent3() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  BIGNUM* e = BN_new();
  EVP_PKEY* pkey = nullptr;
  EXPECT_TRUE(ctx != nullptr && e != nullptr && BN_set_word(e, 3) == 1 && EVP_PKEY_keygen_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1 && EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) == 1 &&
              EVP_PKEY_generate(ctx, &pkey) == 1);
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  BN_free(e);
  EVP_PKEY_CTX_free(ctx);
  auto key = crypto::PrivateKey::FromPem(pem);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return *key;
}

// `openssl req -new -key k -subj /CN=a.example.com -addext "subjectAltName=DNS:a.example.com,
// email:admin@example.com,URI:https://evil.example/"`.
constexpr char kCsrWithEmailAndUriSansPem[] = R"(-----BEGIN CERTIFICATE REQUEST-----
MIIBKDCBzwIBADAYMRYwFAYDVQQDDA1hLmV4YW1wbGUuY29tMFkwEwYHKoZIzj0C
AQYIKoZIzj0DAQcDQgAEtSN7Ncoua9BleB+pAD4shYp2THfAfMvRhz9KYrXsbIWi
mNR/E8+eSnZvIEhSc4auL483AwSwL2ZmFHrHUCybk6BVMFMGCSqGSIb3DQEJDjFG
MEQwQgYDVR0RBDswOYINYS5leGFtcGxlLmNvbYERYWRtaW5AZXhhbXBsZS5jb22G
FWh0dHBzOi8vZXZpbC5leGFtcGxlLzAKBggqhkjOPQQDAgNIADBFAiBgcPaaqAQQ
uvfn9iwE8YY5+Nt5tPVee8VZ5BLPNd6m7gIhAIlld5Pfbva123uYhY2Rkt5YLD/E
6kEx+pT0BK28OQsc
-----END CERTIFICATE REQUEST-----
)";


TEST_F(RegistrationAuthorityTest, NewAccountIsStoredWithItsAuditRow) {
  storage::Account account = NewAccount();
  EXPECT_TRUE(store_.GetAccount(account.id).ok());
  EXPECT_EQ(AuditKinds(), std::vector<std::string>{"account.created"});
}

TEST_F(RegistrationAuthorityTest, AStoreFailureFailsNewAccountAndRecordsNothing) {
  store_.account_error = Error(Code::kIo, "disk full (injected)");
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  NewAccountRequest request{jose::Jwk::FromPublicKey(key->public_key()), {}, true, false, std::nullopt, "", ""};
  EXPECT_EQ(ra_.NewAccount(request).status().code(), Code::kIo);
  EXPECT_TRUE(AuditKinds().empty());
}

TEST_F(RegistrationAuthorityTest, FinalizeIssuesThroughTheCaAndMakesTheOrderValidInOneWrite) {
  auto [account, order] = ReadyOrder();
  const int transitions_before = store_.order_transitions;
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_EQ(finalized->status, OrderStatus::kValid);

  // The order went pending → processing → valid through the issuance writes alone: it was never stored ready.
  EXPECT_EQ(store_.order_transitions, transitions_before);
  auto stored = store_.GetOrder(order.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, OrderStatus::kValid);
  EXPECT_EQ(stored->certificate_serial, finalized->certificate_serial);
  auto cert = store_.GetCertificate(finalized->certificate_serial);
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->state, CertificateState::kIssued);
  EXPECT_EQ(cert->order_id, order.id);
  EXPECT_EQ(cert->account_id, account.id);
  EXPECT_EQ(cert->der, "signed:" + cert->serial);
  EXPECT_EQ(cert->created_at, clock_.Now());

  auto requests = issuer_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].profile.name, "tls-server");
  EXPECT_EQ(requests[0].profile.ext_key_usages, std::vector<std::string>{"serverAuth"});
  ASSERT_EQ(requests[0].identifiers.size(), 1u);
  EXPECT_EQ(requests[0].identifiers[0].value, "a.example.com");

  auto events = store_.ListAudit(0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->back().kind, "certificate.issued");
  EXPECT_EQ(events->back().subject, cert->serial);
  EXPECT_EQ(events->back().account_id, account.id);
  EXPECT_EQ(nlohmann::json::parse(events->back().details_json)["order_id"], order.id);
}

TEST_F(RegistrationAuthorityTest, TheProfileNameTheCaGetsIsTheOneTheOrderNamed) {
  storage::Account account = NewAccount();
  storage::Order order = NewOrder(account, {"c.example.com"}, "tls-client");
  RespondToAll(account, order);
  ASSERT_TRUE(ra_.Finalize(account, order.id, Csr({"c.example.com"})).ok());
  EXPECT_EQ(issuer_.requests().at(0).profile.name, "tls-client");
  EXPECT_EQ(issuer_.requests().at(0).profile.ext_key_usages, std::vector<std::string>{"clientAuth"});
}

TEST_F(RegistrationAuthorityTest, ASecondFinalizeIsOrderNotReadyAndSignsNothing) {
  auto [account, order] = ReadyOrder();
  ASSERT_TRUE(ra_.Finalize(account, order.id, Csr({"a.example.com"})).ok());
  EXPECT_EQ(ra_.Finalize(account, order.id, Csr({"a.example.com"})).status().code(), Code::kOrderNotReady);
  EXPECT_EQ(issuer_.requests().size(), 1u);
}

// Another finalize passed the gate between this one's read and its first write.
TEST_F(RegistrationAuthorityTest, AFinalizeThatLosesTheGateSignsNothing) {
  auto [account, order] = ReadyOrder();
  store_.begin_error = Error(Code::kOrderNotReady, "order is not pending (injected)");
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  EXPECT_EQ(finalized.status().code(), Code::kOrderNotReady);
  EXPECT_EQ(finalized.status().message(), "the order is already being finalized");
  auto certs = store_.ListCertificatesForOrder(order.id);
  ASSERT_TRUE(certs.ok());
  EXPECT_TRUE(certs->empty());
}

TEST_F(RegistrationAuthorityTest, ABadCsrLeavesTheOrderReady) {
  auto [account, order] = ReadyOrder();
  EXPECT_EQ(ra_.Finalize(account, order.id, Csr({"other.example.com"})).status().code(), Code::kBadCsr);
  EXPECT_TRUE(issuer_.requests().empty());
  EXPECT_EQ(ra_.GetOrder(order.id)->status, OrderStatus::kReady);
}

TEST_F(RegistrationAuthorityTest, ASigningFailureAbandonsTheRecordAndMakesTheOrderInvalid) {
  auto [account, order] = ReadyOrder();
  issuer_.set_fail_signing(true);
  EXPECT_EQ(ra_.Finalize(account, order.id, Csr({"a.example.com"})).status().code(), Code::kServerInternal);
  auto stored = store_.GetOrder(order.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, OrderStatus::kInvalid);
  EXPECT_EQ(nlohmann::json::parse(stored->error_json)["type"], "urn:ietf:params:acme:error:serverInternal");
  auto certs = store_.ListCertificatesForOrder(order.id);
  ASSERT_TRUE(certs.ok());
  ASSERT_EQ(certs->size(), 1u);
  EXPECT_EQ(certs->front().state, CertificateState::kAbandoned);
  EXPECT_EQ(AuditKinds().back(), "certificate.abandoned");
}

TEST_F(RegistrationAuthorityTest, AFailedLastWriteAbandonsTheRecordToo) {
  auto [account, order] = ReadyOrder();
  store_.finish_error = Error(Code::kIo, "disk full (injected)");
  EXPECT_EQ(ra_.Finalize(account, order.id, Csr({"a.example.com"})).status().code(), Code::kIo);
  EXPECT_EQ(store_.GetOrder(order.id)->status, OrderStatus::kInvalid);
  EXPECT_EQ(store_.ListCertificatesForOrder(order.id)->front().state, CertificateState::kAbandoned);
}

// Neither the last write nor the abandon could be stored: the order stays processing with its pending record,
// which start-up reconciliation resolves.
TEST_F(RegistrationAuthorityTest, ReconciliationResolvesAnIssuanceThatCouldNotBeAbandoned) {
  auto [account, order] = ReadyOrder();
  store_.finish_error = Error(Code::kIo, "disk full (injected)");
  store_.abandon_error = Error(Code::kIo, "still full (injected)");
  EXPECT_FALSE(ra_.Finalize(account, order.id, Csr({"a.example.com"})).ok());
  EXPECT_EQ(store_.GetOrder(order.id)->status, OrderStatus::kProcessing);
  EXPECT_EQ(store_.ListCertificatesForOrder(order.id)->front().state, CertificateState::kPending);

  store_.finish_error = store_.abandon_error = Status::Ok();
  ASSERT_TRUE(ra_.ReconcileProcessingOrders().ok());
  EXPECT_EQ(store_.GetOrder(order.id)->status, OrderStatus::kInvalid);
  EXPECT_EQ(store_.ListCertificatesForOrder(order.id)->front().state, CertificateState::kAbandoned);
  auto events = store_.ListAudit(0, 100);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().kind, "certificate.abandoned");
  EXPECT_NE(events->back().details_json.find("stopped before the certificate was stored"), std::string::npos);
}

// Issue 13 (storage faults): the order left processing by an issuance that could neither finish nor be
// abandoned is resolved when it is next read once the store works again, not only at the next start, so the
// client polling it learns it failed instead of polling until a restart.
TEST_F(RegistrationAuthorityTest, AnOrderLeftProcessingByAFailedAbandonIsResolvedWhenNextRead) {
  auto [account, order] = ReadyOrder();
  store_.finish_error = Error(Code::kIo, "disk I/O error (injected)");
  store_.abandon_error = Error(Code::kIo, "disk I/O error (injected)");
  EXPECT_FALSE(ra_.Finalize(account, order.id, Csr({"a.example.com"})).ok());
  ASSERT_EQ(store_.GetOrder(order.id)->status, OrderStatus::kProcessing);

  // While the store still fails, the read fails too and changes nothing.
  EXPECT_EQ(ra_.GetOrder(order.id).status().code(), Code::kIo);
  EXPECT_EQ(store_.GetOrder(order.id)->status, OrderStatus::kProcessing);

  store_.finish_error = store_.abandon_error = Status::Ok();
  auto read = ra_.GetOrder(order.id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->status, OrderStatus::kInvalid);
  EXPECT_NE(read->error_json.find("serverInternal"), std::string::npos) << read->error_json;
  EXPECT_EQ(store_.ListCertificatesForOrder(order.id)->front().state, CertificateState::kAbandoned);
  auto events = store_.ListAudit(0, 100);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().kind, "certificate.abandoned");
  EXPECT_NE(events->back().details_json.find("could not be abandoned then"), std::string::npos);
  // A finalize retried on the resolved order is refused; nothing more is signed.
  EXPECT_EQ(ra_.Finalize(account, order.id, Csr({"a.example.com"})).status().code(), Code::kOrderNotReady);
  EXPECT_EQ(store_.ListCertificatesForOrder(order.id)->size(), 1u);
}

// ...but an order this process is issuing right now is processing for real and is left alone.
TEST_F(RegistrationAuthorityTest, ReadingAnOrderWhileItIsBeingIssuedLeavesItProcessing) {
  auto [account, order] = ReadyOrder();
  bool read = false;
  store_.before_finish = [&, id = order.id] {
    auto seen = ra_.GetOrder(id);
    ASSERT_TRUE(seen.ok()) << seen.status().ToString();
    EXPECT_EQ(seen->status, OrderStatus::kProcessing);
    read = true;
  };
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  store_.before_finish = nullptr;
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_TRUE(read);
  EXPECT_EQ(finalized->status, OrderStatus::kValid);
  EXPECT_EQ(store_.GetOrder(order.id)->status, OrderStatus::kValid);
  EXPECT_EQ(store_.ListCertificatesForOrder(order.id)->front().state, CertificateState::kIssued);
}

// An older version could stop after storing the certificate but before making its order valid.
TEST_F(RegistrationAuthorityTest, ReconciliationMakesAnOrderWithAnIssuedCertificateValid) {
  auto [account, order] = ReadyOrder();
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  ASSERT_TRUE(finalized.ok());
  ASSERT_TRUE(
      store_.TransitionOrder(order.id, OrderStatus::kValid, OrderStatus::kProcessing, "", "", nullptr).ok());
  ASSERT_TRUE(ra_.ReconcileProcessingOrders().ok());
  auto stored = store_.GetOrder(order.id);
  EXPECT_EQ(stored->status, OrderStatus::kValid);
  EXPECT_EQ(stored->certificate_serial, finalized->certificate_serial);
  EXPECT_EQ(AuditKinds().back(), "order.reconciled");
}

TEST_F(RegistrationAuthorityTest, AFailedValidationMakesTheAuthorizationAndTheOrderInvalid) {
  storage::Account account = NewAccount();
  storage::Order order = NewOrder(account, {"a.example.com"});
  validator_.set_result(Error(Code::kIncorrectResponse, "wrong key authorization"));
  RespondToAll(account, order);
  auto authz = ra_.GetAuthorization(order.authorization_ids.front());
  ASSERT_TRUE(authz.ok());
  EXPECT_EQ(authz->status, AuthorizationStatus::kInvalid);
  EXPECT_EQ(nlohmann::json::parse(authz->challenges.front().error_json)["type"],
            "urn:ietf:params:acme:error:incorrectResponse");
  EXPECT_EQ(ra_.GetOrder(order.id)->status, OrderStatus::kInvalid);
  ASSERT_EQ(validator_.seen().size(), 1u);
  EXPECT_EQ(validator_.seen()[0].identifier.value, "a.example.com");
  EXPECT_EQ(validator_.seen()[0].key_authorization,
            acme::KeyAuthorization(authz->challenges.front().token, account.thumbprint));
}

TEST_F(RegistrationAuthorityTest, AFullValidatorQueueIsRateLimitedAndLeavesTheChallengePending) {
  storage::Account account = NewAccount();
  storage::Order order = NewOrder(account, {"busy.example.com"});
  auto authz = ra_.GetAuthorization(order.authorization_ids.front());
  ASSERT_TRUE(authz.ok());
  const std::string challenge = authz->challenges.front().id;
  validator_.set_refuse(true);
  auto refused = ra_.RespondToChallenge(account, authz->id, challenge);
  EXPECT_EQ(refused.status().code(), Code::kRateLimited);
  auto still = ra_.GetAuthorization(authz->id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->status, AuthorizationStatus::kPending);
  EXPECT_EQ(still->challenges.front().status, acme::ChallengeStatus::kPending);
  // Once the validator has room, the same challenge is validated.
  validator_.set_refuse(false);
  auto answered = ra_.RespondToChallenge(account, authz->id, challenge);
  ASSERT_TRUE(answered.ok()) << answered.status().ToString();
  EXPECT_EQ(answered->status, AuthorizationStatus::kValid);
}

TEST_F(RegistrationAuthorityTest, ChangeKeyToAnotherAccountsKeyIsConflictNamingThatAccount) {
  storage::Account first = NewAccount();
  storage::Account second = NewAccount();
  auto second_key = jose::Jwk::FromJson(nlohmann::json::parse(second.jwk_json));
  ASSERT_TRUE(second_key.ok());
  std::string holder;
  Status s = ra_.ChangeKey(first, *second_key, &holder);
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(holder, second.id);
}

TEST_F(RegistrationAuthorityTest, ChangeKeyFromAStaleKeyIsConflictWithoutAHolder) {
  storage::Account account = NewAccount();
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  jose::Jwk new_key = jose::Jwk::FromPublicKey(key->public_key());
  storage::Account stale = account;
  stale.thumbprint = "not-the-current-thumbprint";
  std::string holder;
  EXPECT_EQ(ra_.ChangeKey(stale, new_key, &holder).code(), Code::kConflict);
  EXPECT_EQ(holder, "");
  EXPECT_EQ(AuditKinds(), std::vector<std::string>{"account.created"});
  ASSERT_TRUE(ra_.ChangeKey(account, new_key, &holder).ok());
  EXPECT_EQ(AuditKinds(), (std::vector<std::string>{"account.created", "account.key_changed"}));
}

TEST_F(RegistrationAuthorityTest, ReplacingAnAlreadyReplacedCertificateIsAlreadyReplaced) {
  auto [account, order] = ReadyOrder();
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  ASSERT_TRUE(finalized.ok());
  auto cert = store_.GetCertificate(finalized->certificate_serial);
  ASSERT_TRUE(cert.ok());
  ASSERT_EQ(cert->authority_key_id, "fake-aki");
  NewOrderRequest renewal;
  renewal.identifiers = {{"dns", "a.example.com"}};
  renewal.replaces = CertificateId(cert->authority_key_id, cert->serial);
  ASSERT_TRUE(ra_.NewOrder(account, renewal).ok());
  EXPECT_EQ(ra_.NewOrder(account, renewal).status().code(), Code::kAlreadyReplaced);
}


// The weak-key rules (crypto/weak_keys.h) guard both the keys the RA trusts and the keys it certifies.
TEST_F(RegistrationAuthorityTest, ANewAccountWithAWeakKeyIsBadPublicKeyAndCreatesNothing) {
  crypto::PrivateKey weak = RsaKeyWithExponent3();
  NewAccountRequest request{jose::Jwk::FromPublicKey(weak.public_key()), {}, true, false, std::nullopt, "", ""};
  auto created = ra_.NewAccount(request);
  EXPECT_EQ(created.status().code(), Code::kBadPublicKey);
  EXPECT_EQ(created.status().message(), "the account key is refused: RSA public exponent 3 (want 65537)");
  EXPECT_TRUE(AuditKinds().empty());
}

TEST_F(RegistrationAuthorityTest, ChangingToAWeakKeyIsBadPublicKey) {
  storage::Account account = NewAccount();
  std::string holder;
  Status s = ra_.ChangeKey(account, jose::Jwk::FromPublicKey(RsaKeyWithExponent3().public_key()), &holder);
  EXPECT_EQ(s.code(), Code::kBadPublicKey);
  EXPECT_EQ(s.message(), "the new account key is refused: RSA public exponent 3 (want 65537)");
}

TEST_F(RegistrationAuthorityTest, ACsrWithAWeakKeyIsBadCsrAndLeavesTheOrderReady) {
  auto [account, order] = ReadyOrder();
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}, RsaKeyWithExponent3()));
  EXPECT_EQ(finalized.status().code(), Code::kBadCsr);
  EXPECT_EQ(finalized.status().message(), "the CSR's key is refused: RSA public exponent 3 (want 65537)");
  EXPECT_TRUE(issuer_.requests().empty());
  EXPECT_EQ(ra_.GetOrder(order.id)->status, OrderStatus::kReady);
}

TEST_F(RegistrationAuthorityTest, ACsrWithAnyAccountsKeyIsBadCsr) {
  auto [account, order] = ReadyOrder();
  auto other_key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_TRUE(other_key.ok());
  NewAccount(*other_key);
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}, *other_key));
  EXPECT_EQ(finalized.status().code(), Code::kBadCsr);
  EXPECT_EQ(finalized.status().message(), "the certificate key is the key of another ACME account");
  EXPECT_TRUE(issuer_.requests().empty());
}

TEST_F(RegistrationAuthorityTest, ACsrWithEmailOrUriSansIsBadCsrNamingThem) {
  auto [account, order] = ReadyOrder();
  auto csr = crypto::Csr::FromPem(kCsrWithEmailAndUriSansPem);
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  auto finalized = ra_.Finalize(account, order.id, csr->ToDer());
  EXPECT_EQ(finalized.status().code(), Code::kBadCsr);
  EXPECT_EQ(finalized.status().message(),
            "the CSR's subjectAltName may hold DNS names and IP addresses only; refused: "
            "email:admin@example.com, uri:https://evil.example/");
  EXPECT_TRUE(issuer_.requests().empty());
  EXPECT_EQ(ra_.GetOrder(order.id)->status, OrderStatus::kReady);
}

TEST_F(RegistrationAuthorityTest, ACsrWhoseCommonNameIsNotAnIdentifierIsBadCsr) {
  auto [account, order] = ReadyOrder();
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto csr = crypto::Csr::Create(*key, {"a.example.com"}, {}, "b.example.com");
  ASSERT_TRUE(csr.ok());
  auto finalized = ra_.Finalize(account, order.id, csr->ToDer());
  EXPECT_EQ(finalized.status().code(), Code::kBadCsr);
  EXPECT_EQ(finalized.status().message(), "the CSR's identifiers do not match the order's; not in the order: b.example.com");
}

TEST_F(RegistrationAuthorityTest, AnOrderOverTheIdentifierLimitIsMalformedNamingTheLimit) {
  storage::Account account = NewAccount();
  NewOrderRequest request;
  for (int i = 0; i < 101; ++i) request.identifiers.emplace_back("dns", "n" + std::to_string(i) + ".example.com");
  auto order = ra_.NewOrder(account, request);
  EXPECT_EQ(order.status().code(), Code::kMalformed);
  EXPECT_EQ(order.status().message(),
            "policy default (default), rule max_identifiers: an order may have at most 100 identifiers; this one "
            "has 101");
  request.identifiers.pop_back();
  EXPECT_TRUE(ra_.NewOrder(account, request).ok());
}

TEST_F(RegistrationAuthorityTest, EveryBadIdentifierIsASubproblem) {
  storage::Account account = NewAccount();
  NewOrderRequest request;
  request.identifiers = {{"dns", "ok.example.com"}, {"dns", "ab--cd.example.com"}, {"dns", "xn--53h.example.com"},
                         {"dns", "host.example.123"}};
  auto order = ra_.NewOrder(account, request);
  ASSERT_EQ(order.status().code(), Code::kRejectedIdentifier);
  ASSERT_EQ(order.status().subproblems().size(), 3u);
  EXPECT_EQ(order.status().subproblems()[0].identifier_value, "ab--cd.example.com");
  EXPECT_EQ(order.status().subproblems()[1].identifier_value, "xn--53h.example.com");
  EXPECT_EQ(order.status().subproblems()[2].identifier_value, "host.example.123");
}

// ---- the audit records of orders, validations and refusals (docs/audit.md) ----

// The newest audit record of `kind`; fails the test when there is none.
storage::AuditEvent LastOf(storage::Store& store, const std::string& kind) {
  auto events = store.ListAudit(0, 1000);
  EXPECT_TRUE(events.ok());
  for (auto it = events->rbegin(); it != events->rend(); ++it) {
    if (it->kind == kind) return *it;
  }
  ADD_FAILURE() << "no " << kind << " record";
  return {};
}

TEST_F(RegistrationAuthorityTest, ANewOrderIsAuditedWithItsIdentifiersAndAuthorizations) {
  storage::Account account = NewAccount();
  storage::Order order = NewOrder(account, {"a.example.com", "b.example.com"});
  storage::AuditEvent e = LastOf(store_, "order.created");
  EXPECT_EQ(e.account_id, account.id);
  EXPECT_EQ(e.subject, order.id);
  nlohmann::json d = nlohmann::json::parse(e.details_json);
  EXPECT_EQ(d["identifiers"], nlohmann::json({"dns:a.example.com", "dns:b.example.com"}));
  EXPECT_EQ(d["profile"], "tls-server");
  EXPECT_EQ(d["authorizations"], nlohmann::json(order.authorization_ids));
  EXPECT_EQ(d["new_authorizations"], 2);
}

TEST_F(RegistrationAuthorityTest, AValidationIsAuditedWithItsRecords) {
  storage::Account account = NewAccount();
  storage::Order order = NewOrder(account, {"a.example.com"});
  va::ValidationRecord record;
  record.url = "http://a.example.com/.well-known/acme-challenge/t";
  record.hostname = "a.example.com";
  record.port = "80";
  record.addresses_resolved = {"2001:db8::1", "192.0.2.1"};
  record.address_used = "192.0.2.1";
  record.addresses_tried = {"2001:db8::1"};
  validator_.set_records({record});
  RespondToAll(account, order);
  storage::AuditEvent e = LastOf(store_, "authorization.valid");
  EXPECT_EQ(e.account_id, account.id);
  EXPECT_EQ(e.subject, order.authorization_ids.front());
  nlohmann::json d = nlohmann::json::parse(e.details_json);
  EXPECT_EQ(d["type"], "http-01");
  EXPECT_EQ(d["identifier"], "dns:a.example.com");
  ASSERT_EQ(d["validation_records"].size(), 1u);
  EXPECT_EQ(d["validation_records"][0]["url"], record.url);
  EXPECT_EQ(d["validation_records"][0]["address_used"], "192.0.2.1");
  EXPECT_EQ(d["validation_records"][0]["addresses_tried"], nlohmann::json({"2001:db8::1"}));
  EXPECT_FALSE(d.contains("error"));
}

TEST_F(RegistrationAuthorityTest, AFailedValidationIsAuditedWithItsProblem) {
  storage::Account account = NewAccount();
  storage::Order order = NewOrder(account, {"a.example.com"});
  validator_.set_result(Error(Code::kIncorrectResponse, "wrong key authorization"));
  RespondToAll(account, order);
  nlohmann::json d = nlohmann::json::parse(LastOf(store_, "authorization.invalid").details_json);
  EXPECT_EQ(d["error"]["type"], "urn:ietf:params:acme:error:incorrectResponse");
  EXPECT_EQ(d["error"]["detail"], "wrong key authorization");
}

TEST_F(RegistrationAuthorityTest, APolicyRefusalIsAuditedWithTheProblemItReturned) {
  storage::Account account = NewAccount();
  NewOrderRequest request;
  request.identifiers = {{"dns", "ok.example.com"}, {"dns", "host.example.123"}};
  auto order = ra_.NewOrder(account, request);
  ASSERT_EQ(order.status().code(), Code::kRejectedIdentifier);
  storage::AuditEvent e = LastOf(store_, "order.refused");
  EXPECT_EQ(e.account_id, account.id);
  nlohmann::json d = nlohmann::json::parse(e.details_json);
  EXPECT_EQ(d["stage"], "new-order");
  EXPECT_EQ(d["identifiers"], nlohmann::json({"dns:ok.example.com", "dns:host.example.123"}));
  EXPECT_EQ(d["problem"]["type"], "urn:ietf:params:acme:error:rejectedIdentifier");
  EXPECT_EQ(d["problem"]["detail"], order.status().message());
}

}  // namespace
}  // namespace anvil::ra
