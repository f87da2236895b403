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
#include "fakes/fake_issuer.h"
#include "fakes/fake_validator.h"
#include "storage/memory/memory_store.h"
#include "storage/testing/forwarding_store.h"

namespace anvil::ra {
namespace {

using acme::AuthorizationStatus;
using acme::OrderStatus;
using storage::CertificateState;

// Forwards to a memory store; injects the errors a test sets and counts order transitions.
class FaultyStore final : public storage::testing::ForwardingStore {
 public:
  FaultyStore() : ForwardingStore(storage::NewMemoryStore()) {}

  Status begin_error = Status::Ok();
  Status finish_error = Status::Ok();
  Status abandon_error = Status::Ok();
  Status account_error = Status::Ok();
  int order_transitions = 0;
  std::function<void()> before_finish;  // called at FinishIssuance, while the order is processing

  Status BeginIssuance(const storage::CertificateRecord& pending, OrderStatus order_from) override {
    if (!begin_error.ok()) return begin_error;
    return ForwardingStore::BeginIssuance(pending, order_from);
  }
  Status FinishIssuance(const std::string& serial, const std::string& der,
                        const storage::AuditEvent& a) override {
    if (before_finish) before_finish();
    if (!finish_error.ok()) return finish_error;
    return ForwardingStore::FinishIssuance(serial, der, a);
  }
  Status AbandonIssuance(const std::string& serial, const std::string& error,
                         const storage::AuditEvent& a) override {
    if (!abandon_error.ok()) return abandon_error;
    return ForwardingStore::AbandonIssuance(serial, error, a);
  }
  Status CreateAccount(const storage::Account& account, const storage::AuditEvent& a) override {
    if (!account_error.ok()) return account_error;
    return ForwardingStore::CreateAccount(account, a);
  }
  Status TransitionOrder(const std::string& id, OrderStatus from, OrderStatus to,
                         const std::string& error_json, const std::string& serial,
                         const storage::AuditEvent* audit) override {
    ++order_transitions;
    return ForwardingStore::TransitionOrder(id, from, to, error_json, serial, audit);
  }
};

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

RaOptions Options() {
  RaOptions o;
  ProfileRules server;
  server.certificate.validity = std::chrono::hours(24 * 90);
  server.certificate.ext_key_usages = {"serverAuth"};
  o.profiles["tls-server"] = server;
  ProfileRules client;
  client.certificate.ext_key_usages = {"clientAuth"};
  client.identifier_types = {"dns"};
  o.profiles["tls-client"] = client;
  o.default_profile = "tls-server";
  return o;
}

class RegistrationAuthorityTest : public ::testing::Test {
 protected:
  RegistrationAuthorityTest()
      : ra_(Options(), *Policy::Create(PolicyRules{}), store_, validator_, issuer_, clock_) {}

  storage::Account NewAccount() { return NewAccount(*crypto::PrivateKey::Generate(crypto::KeyType::kEcP256)); }
  storage::Account NewAccount(const crypto::PrivateKey& key) {
    NewAccountRequest request{jose::Jwk::FromPublicKey(key.public_key()), {}, true, false, std::nullopt, ""};
    auto created = ra_.NewAccount(request);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->account : storage::Account{};
  }

  storage::Order NewOrder(const storage::Account& account, const std::vector<std::string>& names,
                          const std::string& profile = "") {
    NewOrderRequest request;
    for (const auto& n : names) request.identifiers.emplace_back("dns", n);
    request.profile = profile;
    auto order = ra_.NewOrder(account, request);
    EXPECT_TRUE(order.ok()) << order.status().ToString();
    return order.ok() ? *order : storage::Order{};
  }

  // Answers the first challenge of each of the order's authorizations; the fake validator decides.
  void RespondToAll(const storage::Account& account, const storage::Order& order) {
    for (const auto& authz_id : order.authorization_ids) {
      auto authz = ra_.GetAuthorization(authz_id);
      ASSERT_TRUE(authz.ok());
      ASSERT_TRUE(ra_.RespondToChallenge(account, authz_id, authz->challenges.front().id).ok());
    }
  }

  std::string Csr(const std::vector<std::string>& names) {
    return Csr(names, *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  }
  std::string Csr(const std::vector<std::string>& names, const crypto::PrivateKey& key) {
    auto csr = crypto::Csr::Create(key, names, {});
    EXPECT_TRUE(csr.ok());
    return csr->ToDer();
  }

  // An account with a ready order for a.example.com, its challenges answered.
  std::pair<storage::Account, storage::Order> ReadyOrder() {
    storage::Account account = NewAccount();
    storage::Order order = NewOrder(account, {"a.example.com"});
    RespondToAll(account, order);
    return {account, order};
  }

  std::vector<std::string> AuditKinds() {
    std::vector<std::string> kinds;
    auto events = store_.ListAudit(0, 100);
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events) kinds.push_back(e.kind);
    return kinds;
  }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  FaultyStore store_;
  testing::FakeValidator validator_;
  testing::FakeIssuer issuer_;
  RegistrationAuthority ra_;
};

TEST_F(RegistrationAuthorityTest, NewAccountIsStoredWithItsAuditRow) {
  storage::Account account = NewAccount();
  EXPECT_TRUE(store_.GetAccount(account.id).ok());
  EXPECT_EQ(AuditKinds(), std::vector<std::string>{"account.created"});
}

TEST_F(RegistrationAuthorityTest, AStoreFailureFailsNewAccountAndRecordsNothing) {
  store_.account_error = Error(Code::kIo, "disk full (injected)");
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  NewAccountRequest request{jose::Jwk::FromPublicKey(key->public_key()), {}, true, false, std::nullopt, ""};
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
  NewAccountRequest request{jose::Jwk::FromPublicKey(weak.public_key()), {}, true, false, std::nullopt, ""};
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

}  // namespace
}  // namespace anvil::ra
