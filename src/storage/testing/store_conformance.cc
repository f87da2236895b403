#include "storage/testing/store_conformance.h"

#include <gmock/gmock.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace anvil::storage::testing {
namespace {

using acme::AccountStatus;
using acme::AuthorizationStatus;
using acme::ChallengeStatus;
using acme::ChallengeType;
using acme::Identifier;
using acme::IdentifierType;
using acme::OrderStatus;
using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// ---- assertion helpers ----

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

template <typename S>
AssertionResult IsOk(const S& s) {
  Status status = StatusOf(s);
  if (status.ok()) return AssertionSuccess();
  return AssertionFailure() << status.ToString();
}

template <typename S>
AssertionResult HasCode(const S& s, Code code) {
  Status status = StatusOf(s);
  if (status.code() == code) return AssertionSuccess();
  return AssertionFailure() << "expected " << CodeName(code) << ", got " << status.ToString();
}

#define ASSERT_OK(expr) ASSERT_TRUE(IsOk(expr))
#define EXPECT_OK(expr) EXPECT_TRUE(IsOk(expr))

// ---- fixtures ----

// A fixed instant with whole seconds, and one with a fraction the store must drop.
const TimePoint kT0 = FromUnixSeconds(1'800'000'000);
constexpr auto kDay = std::chrono::hours(24);

Identifier Dns(std::string value) { return Identifier{IdentifierType::kDns, std::move(value)}; }
Identifier Ip(std::string value) { return Identifier{IdentifierType::kIp, std::move(value)}; }

Account MakeAccount(const std::string& id) {
  Account a;
  a.id = id;
  a.jwk_json = R"({"crv":"P-256","kty":"EC","x":")" + id + R"(","y":"y"})";
  a.thumbprint = "thumb-" + id;
  a.contacts = {"mailto:admin@" + id + ".example"};
  a.status = AccountStatus::kValid;
  a.tos_agreed = true;
  a.created_at = kT0;
  return a;
}

Challenge MakeChallenge(const std::string& id, ChallengeType type) {
  Challenge c;
  c.id = id;
  c.type = type;
  c.token = "token-" + id;
  return c;
}

Authorization MakeAuthorization(const std::string& id, const std::string& account_id, Identifier identifier,
                                bool wildcard = false) {
  Authorization a;
  a.id = id;
  a.account_id = account_id;
  a.identifier = std::move(identifier);
  a.wildcard = wildcard;
  a.status = AuthorizationStatus::kPending;
  a.expires = kT0 + 7 * kDay;
  a.created_at = kT0;
  a.challenges = {MakeChallenge("c1", ChallengeType::kHttp01), MakeChallenge("c2", ChallengeType::kDns01)};
  return a;
}

Order MakeOrder(const std::string& id, const std::string& account_id,
                std::vector<std::string> authorization_ids = {}) {
  Order o;
  o.id = id;
  o.account_id = account_id;
  o.status = OrderStatus::kPending;
  o.identifiers = {Dns("example.com")};
  o.authorization_ids = std::move(authorization_ids);
  o.expires = kT0 + 7 * kDay;
  o.created_at = kT0;
  return o;
}

CertificateRecord MakeCertificate(const std::string& serial, const std::string& order_id,
                                  const std::string& account_id) {
  CertificateRecord c;
  c.serial = serial;
  c.order_id = order_id;
  c.account_id = account_id;
  c.tbs_der = std::string("\x30\x82\x00\x00tbs", 7);
  c.issuer_chain_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  c.names = {"example.com", "*.example.com"};
  c.profile = "classic";
  c.authority_key_id = std::string("\x01\x00\xff\x7f", 4);
  c.not_before = kT0;
  c.not_after = kT0 + 90 * kDay;
  c.created_at = kT0;
  return c;
}

EabKey MakeEabKey(const std::string& kid) {
  EabKey k;
  k.kid = kid;
  k.hmac_key = std::string("\x00\x01secret\xff", 9);
  k.comment = "for " + kid;
  k.created_at = kT0;
  return k;
}

void ExpectSameAccount(const Account& got, const Account& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.jwk_json, want.jwk_json);
  EXPECT_EQ(got.thumbprint, want.thumbprint);
  EXPECT_EQ(got.contacts, want.contacts);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.tos_agreed, want.tos_agreed);
  EXPECT_EQ(got.eab_kid, want.eab_kid);
  EXPECT_EQ(got.created_at, want.created_at);
}

void ExpectSameOrder(const Order& got, const Order& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.account_id, want.account_id);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.identifiers, want.identifiers);
  EXPECT_EQ(got.authorization_ids, want.authorization_ids);
  EXPECT_EQ(got.not_before, want.not_before);
  EXPECT_EQ(got.not_after, want.not_after);
  EXPECT_EQ(got.expires, want.expires);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.profile, want.profile);
  EXPECT_EQ(got.replaces, want.replaces);
  EXPECT_EQ(got.error_json, want.error_json);
  EXPECT_EQ(got.certificate_serial, want.certificate_serial);
}

void ExpectSameAuthorization(const Authorization& got, const Authorization& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.account_id, want.account_id);
  EXPECT_EQ(got.identifier, want.identifier);
  EXPECT_EQ(got.wildcard, want.wildcard);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.expires, want.expires);
  EXPECT_EQ(got.created_at, want.created_at);
  ASSERT_EQ(got.challenges.size(), want.challenges.size());
  for (size_t i = 0; i < got.challenges.size(); ++i) {
    SCOPED_TRACE("challenge " + std::to_string(i));
    EXPECT_EQ(got.challenges[i].id, want.challenges[i].id);
    EXPECT_EQ(got.challenges[i].type, want.challenges[i].type);
    EXPECT_EQ(got.challenges[i].token, want.challenges[i].token);
    EXPECT_EQ(got.challenges[i].status, want.challenges[i].status);
    EXPECT_EQ(got.challenges[i].validated_at, want.challenges[i].validated_at);
    EXPECT_EQ(got.challenges[i].error_json, want.challenges[i].error_json);
  }
}

void ExpectSameCertificate(const CertificateRecord& got, const CertificateRecord& want) {
  EXPECT_EQ(got.serial, want.serial);
  EXPECT_EQ(got.order_id, want.order_id);
  EXPECT_EQ(got.account_id, want.account_id);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.tbs_der, want.tbs_der);
  EXPECT_EQ(got.der, want.der);
  EXPECT_EQ(got.issuer_chain_pem, want.issuer_chain_pem);
  EXPECT_EQ(got.names, want.names);
  EXPECT_EQ(got.profile, want.profile);
  EXPECT_EQ(got.authority_key_id, want.authority_key_id);
  EXPECT_EQ(got.not_before, want.not_before);
  EXPECT_EQ(got.not_after, want.not_after);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.revoked_at, want.revoked_at);
  EXPECT_EQ(got.revocation_reason, want.revocation_reason);
}

// Makes a pending authorization valid the way the RA does: through its first challenge.
void MakeValid(Store& store, const std::string& authz_id) {
  ASSERT_OK(store.StartChallenge(authz_id, "c1"));
  ASSERT_OK(store.CompleteChallenge(authz_id, "c1", true, "", kT0, std::nullopt));
}

std::vector<std::string> OrderIds(const std::vector<Order>& orders) {
  std::vector<std::string> ids;
  for (const Order& o : orders) ids.push_back(o.id);
  return ids;
}

}  // namespace

void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) { return info.param.name; }

void StoreConformanceTest::SetUp() {
  store_ = GetParam().make();
  if (store_ == nullptr) GTEST_SKIP() << "backend unavailable";
}

namespace {

// ======================= accounts =======================

TEST_P(StoreConformanceTest, CreatedAccountCanBeReadByIdAndThumbprint) {
  Account account = MakeAccount("a1");
  // Characters a list encoding must survive.
  account.contacts = {"mailto:a@example.com", "mailto:\"quoted\"\\back@example.com", "mailto:ünï@例え.jp",
                      ""};
  ASSERT_OK(store_->CreateAccount(account));

  Result<Account> by_id = store_->GetAccount("a1");
  ASSERT_OK(by_id);
  ExpectSameAccount(*by_id, account);

  Result<Account> by_thumbprint = store_->FindAccountByThumbprint(account.thumbprint);
  ASSERT_OK(by_thumbprint);
  ExpectSameAccount(*by_thumbprint, account);
}

TEST_P(StoreConformanceTest, AccountWithoutContactsRoundTrips) {
  Account account = MakeAccount("a1");
  account.contacts.clear();
  account.tos_agreed = false;
  account.status = AccountStatus::kDeactivated;
  ASSERT_OK(store_->CreateAccount(account));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  ExpectSameAccount(*got, account);
}

TEST_P(StoreConformanceTest, TimesAreStoredWithOneSecondPrecision) {
  Account account = MakeAccount("a1");
  account.created_at = kT0 + std::chrono::milliseconds(999);
  ASSERT_OK(store_->CreateAccount(account));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  EXPECT_EQ(got->created_at, kT0);
}

TEST_P(StoreConformanceTest, UnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->GetAccount("nope"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint("nope"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAccountWithUsedThumbprintIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  Account twin = MakeAccount("a2");
  twin.thumbprint = "thumb-a1";
  EXPECT_TRUE(HasCode(store_->CreateAccount(twin), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->GetAccount("a2"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAccountWithUsedIdIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  Account twin = MakeAccount("a1");
  twin.thumbprint = "other";
  EXPECT_TRUE(HasCode(store_->CreateAccount(twin), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint("other"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, UpdateAccountReplacesContactsAndStatus) {
  Account account = MakeAccount("a1");
  ASSERT_OK(store_->CreateAccount(account));
  ASSERT_OK(store_->UpdateAccount("a1", {"mailto:new@example.com", "mailto:two@example.com"},
                                  AccountStatus::kDeactivated));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  account.contacts = {"mailto:new@example.com", "mailto:two@example.com"};
  account.status = AccountStatus::kDeactivated;
  ExpectSameAccount(*got, account);
}

TEST_P(StoreConformanceTest, UpdateUnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->UpdateAccount("nope", {}, AccountStatus::kValid), Code::kNotFound));
}

TEST_P(StoreConformanceTest, ChangeAccountKeyReplacesKeyAndThumbprint) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->ChangeAccountKey("a1", "thumb-a1", R"({"kty":"OKP"})", "thumb-new"));
  Result<Account> got = store_->FindAccountByThumbprint("thumb-new");
  ASSERT_OK(got);
  EXPECT_EQ(got->id, "a1");
  EXPECT_EQ(got->jwk_json, R"({"kty":"OKP"})");
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint("thumb-a1"), Code::kNotFound));
  // The old key is free again.
  Account other = MakeAccount("a2");
  other.thumbprint = "thumb-a1";
  EXPECT_OK(store_->CreateAccount(other));
}

TEST_P(StoreConformanceTest, ChangeAccountKeyWithStaleOldThumbprintIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->ChangeAccountKey("a1", "thumb-a1", "{}", "thumb-2"));
  // A second rollover racing with the first still names the old key.
  EXPECT_TRUE(HasCode(store_->ChangeAccountKey("a1", "thumb-a1", "{}", "thumb-3"), Code::kConflict));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  EXPECT_EQ(got->thumbprint, "thumb-2");
}

TEST_P(StoreConformanceTest, ChangeAccountKeyToKeyInUseIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2")));
  EXPECT_TRUE(HasCode(store_->ChangeAccountKey("a1", "thumb-a1", "{}", "thumb-a2"), Code::kConflict));
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  EXPECT_EQ(got->thumbprint, "thumb-a1");
  EXPECT_EQ(got->jwk_json, MakeAccount("a1").jwk_json);
}

TEST_P(StoreConformanceTest, ChangeKeyOfUnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->ChangeAccountKey("nope", "t", "{}", "t2"), Code::kNotFound));
}

// ======================= EAB =======================

TEST_P(StoreConformanceTest, EabKeysCanBeCreatedReadAndListed) {
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid-b")));
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid-a")));
  Result<EabKey> got = store_->GetEabKey("kid-b");
  ASSERT_OK(got);
  EXPECT_EQ(got->kid, "kid-b");
  EXPECT_EQ(got->hmac_key, MakeEabKey("kid-b").hmac_key);  // raw bytes, NUL included
  EXPECT_EQ(got->account_id, "");
  EXPECT_EQ(got->comment, "for kid-b");
  EXPECT_EQ(got->created_at, kT0);

  Result<std::vector<EabKey>> all = store_->ListEabKeys();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].kid, "kid-b");  // creation order
  EXPECT_EQ((*all)[1].kid, "kid-a");
}

TEST_P(StoreConformanceTest, ListEabKeysOfEmptyStoreIsEmpty) {
  Result<std::vector<EabKey>> all = store_->ListEabKeys();
  ASSERT_OK(all);
  EXPECT_THAT(*all, IsEmpty());
}

TEST_P(StoreConformanceTest, DuplicateEabKidIsConflict) {
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid")));
  EXPECT_TRUE(HasCode(store_->CreateEabKey(MakeEabKey("kid")), Code::kConflict));
}

TEST_P(StoreConformanceTest, UnknownEabKeyIsNotFound) {
  EXPECT_TRUE(HasCode(store_->GetEabKey("nope"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAccountBindsItsEabKey) {
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid")));
  Account account = MakeAccount("a1");
  account.eab_kid = "kid";
  ASSERT_OK(store_->CreateAccount(account));
  Result<EabKey> key = store_->GetEabKey("kid");
  ASSERT_OK(key);
  EXPECT_EQ(key->account_id, "a1");
  Result<Account> got = store_->GetAccount("a1");
  ASSERT_OK(got);
  EXPECT_EQ(got->eab_kid, "kid");
}

TEST_P(StoreConformanceTest, CreateAccountWithUnknownEabKeyIsNotFoundAndCreatesNothing) {
  Account account = MakeAccount("a1");
  account.eab_kid = "nope";
  EXPECT_TRUE(HasCode(store_->CreateAccount(account), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAccount("a1"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint(account.thumbprint), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAccountWithBoundEabKeyIsUnauthorizedAndCreatesNothing) {
  ASSERT_OK(store_->CreateEabKey(MakeEabKey("kid")));
  Account first = MakeAccount("a1");
  first.eab_kid = "kid";
  ASSERT_OK(store_->CreateAccount(first));
  Account second = MakeAccount("a2");
  second.eab_kid = "kid";
  EXPECT_TRUE(HasCode(store_->CreateAccount(second), Code::kUnauthorized));
  EXPECT_TRUE(HasCode(store_->GetAccount("a2"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->FindAccountByThumbprint(second.thumbprint), Code::kNotFound));
  Result<EabKey> key = store_->GetEabKey("kid");
  ASSERT_OK(key);
  EXPECT_EQ(key->account_id, "a1");
  // The failed attempt left its key free for a later account.
  EXPECT_OK(store_->CreateAccount(MakeAccount("a2")));
}

// ======================= orders and authorizations =======================

TEST_P(StoreConformanceTest, CreateOrderStoresOrderAndNewAuthorizations) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  Authorization plain = MakeAuthorization("z1", "a1", Dns("example.com"));
  Authorization wild = MakeAuthorization("z2", "a1", Dns("example.com"), /*wildcard=*/true);
  wild.challenges = {MakeChallenge("only", ChallengeType::kDns01)};
  Authorization ip = MakeAuthorization("z3", "a1", Ip("2001:db8::1"));
  ip.challenges = {MakeChallenge("t", ChallengeType::kTlsAlpn01), MakeChallenge("h", ChallengeType::kHttp01)};
  Order order = MakeOrder("o1", "a1", {"z1", "z2", "z3"});
  order.identifiers = {Dns("example.com"), Dns("*.example.com"), Ip("2001:db8::1")};
  order.not_before = kT0;
  order.not_after = kT0 + 30 * kDay;
  order.profile = "shortlived";
  order.replaces = "aki.serial";
  ASSERT_OK(store_->CreateOrder(order, {plain, wild, ip}));

  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  ExpectSameOrder(*got, order);
  for (const Authorization& want : {plain, wild, ip}) {
    SCOPED_TRACE(want.id);
    Result<Authorization> authz = store_->GetAuthorization(want.id);
    ASSERT_OK(authz);
    ExpectSameAuthorization(*authz, want);
  }
}

TEST_P(StoreConformanceTest, CreateOrderCanReuseStoredAuthorizations) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}),
                                {MakeAuthorization("z1", "a1", Dns("example.com"))}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o2", "a1", {"z1"}), {}));
  Result<Order> got = store_->GetOrder("o2");
  ASSERT_OK(got);
  EXPECT_THAT(got->authorization_ids, ElementsAre("z1"));
}

TEST_P(StoreConformanceTest, CreateOrderWithoutOptionalTimesRoundTrips) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  Order order = MakeOrder("o1", "a1");
  ASSERT_OK(store_->CreateOrder(order, {}));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->not_before, std::nullopt);
  EXPECT_EQ(got->not_after, std::nullopt);
  ExpectSameOrder(*got, order);
}

TEST_P(StoreConformanceTest, CreateOrderIsAtomic) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  // The second new authorization collides: neither the order nor the first new authorization may remain.
  Status status = store_->CreateOrder(
      MakeOrder("o2", "a1", {"z2", "z1"}),
      {MakeAuthorization("z2", "a1", Dns("b.example")), MakeAuthorization("z1", "a1", Dns("a.example"))});
  EXPECT_TRUE(HasCode(status, Code::kConflict));
  EXPECT_TRUE(HasCode(store_->GetOrder("o2"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("z2"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateOrderWithDuplicateIdIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  Order again = MakeOrder("o1", "a1");
  again.profile = "other";
  EXPECT_TRUE(HasCode(store_->CreateOrder(again, {}), Code::kConflict));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->profile, "");
}

TEST_P(StoreConformanceTest, CreateOrderWithDuplicateChallengeIdIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  Authorization authz = MakeAuthorization("z1", "a1", Dns("example.com"));
  authz.challenges = {MakeChallenge("c", ChallengeType::kHttp01), MakeChallenge("c", ChallengeType::kDns01)};
  EXPECT_TRUE(HasCode(store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {authz}), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->GetOrder("o1"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("z1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateOrderForUnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->CreateOrder(MakeOrder("o1", "nope"), {}), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetOrder("o1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateOrderWithAuthorizationOfUnknownAccountIsNotFound) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  EXPECT_TRUE(HasCode(store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}),
                                          {MakeAuthorization("z1", "nope", Dns("example.com"))}),
                      Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetOrder("o1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAuthorizationStoresAPreAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  Authorization authz = MakeAuthorization("z1", "a1", Dns("example.com"), /*wildcard=*/true);
  authz.challenges[0].validated_at = kT0;  // stored as given
  ASSERT_OK(store_->CreateAuthorization(authz));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  ExpectSameAuthorization(*got, authz);
  // Usable like any other: validated, then found for reuse.
  MakeValid(*store_, "z1");
  Result<std::optional<Authorization>> found =
      store_->FindValidAuthorization("a1", Dns("example.com"), true, kT0);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "z1");
}

TEST_P(StoreConformanceTest, CreateAuthorizationWithDuplicateIdIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateAuthorization(MakeAuthorization("z1", "a1", Dns("a.example"))));
  EXPECT_TRUE(
      HasCode(store_->CreateAuthorization(MakeAuthorization("z1", "a1", Dns("b.example"))), Code::kConflict));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->identifier, Dns("a.example"));
  // Also against authorizations created with an order.
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z2"}), {MakeAuthorization("z2", "a1", Dns("c.example"))}));
  EXPECT_TRUE(
      HasCode(store_->CreateAuthorization(MakeAuthorization("z2", "a1", Dns("c.example"))), Code::kConflict));
}

TEST_P(StoreConformanceTest, CreateAuthorizationIsAtomic) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  Authorization authz = MakeAuthorization("z1", "a1", Dns("a.example"));
  authz.challenges = {MakeChallenge("c", ChallengeType::kHttp01), MakeChallenge("c", ChallengeType::kDns01)};
  EXPECT_TRUE(HasCode(store_->CreateAuthorization(authz), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("z1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAuthorizationForUnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->CreateAuthorization(MakeAuthorization("z1", "nope", Dns("a.example"))),
                      Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("z1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, UnknownOrderAndAuthorizationAreNotFound) {
  EXPECT_TRUE(HasCode(store_->GetOrder("nope"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("nope"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, ListOrderIdsPagesInCreationOrder) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2")));
  // Ids deliberately not in lexical order; orders of the other account interleaved.
  for (const char* id : {"o-c", "o-a", "o-e", "o-b", "o-d"}) {
    ASSERT_OK(store_->CreateOrder(MakeOrder(id, "a1"), {}));
    ASSERT_OK(store_->CreateOrder(MakeOrder(std::string("x") + id, "a2"), {}));
  }
  Result<std::vector<std::string>> page = store_->ListOrderIds("a1", "", 2);
  ASSERT_OK(page);
  EXPECT_THAT(*page, ElementsAre("o-c", "o-a"));
  page = store_->ListOrderIds("a1", "o-a", 2);
  ASSERT_OK(page);
  EXPECT_THAT(*page, ElementsAre("o-e", "o-b"));
  page = store_->ListOrderIds("a1", "o-b", 2);
  ASSERT_OK(page);
  EXPECT_THAT(*page, ElementsAre("o-d"));
  page = store_->ListOrderIds("a1", "o-d", 2);
  ASSERT_OK(page);
  EXPECT_THAT(*page, IsEmpty());
  page = store_->ListOrderIds("a1", "", 100);
  ASSERT_OK(page);
  EXPECT_THAT(*page, ElementsAre("o-c", "o-a", "o-e", "o-b", "o-d"));
}

TEST_P(StoreConformanceTest, ListOrderIdsOfAccountWithoutOrdersIsEmpty) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  Result<std::vector<std::string>> page = store_->ListOrderIds("a1", "", 10);
  ASSERT_OK(page);
  EXPECT_THAT(*page, IsEmpty());
}

TEST_P(StoreConformanceTest, ListOrderIdsAfterUnknownOrForeignOrderIsNotFound) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o2", "a2"), {}));
  EXPECT_TRUE(HasCode(store_->ListOrderIds("a1", "nope", 10), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->ListOrderIds("a1", "o2", 10), Code::kNotFound));
}

TEST_P(StoreConformanceTest, ListingWithNonPositiveLimitIsInvalidArgument) {
  EXPECT_TRUE(HasCode(store_->ListOrderIds("a1", "", 0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->ListOrdersByStatus(OrderStatus::kPending, 0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->ListAudit(0, -1), Code::kInvalidArgument));
}

TEST_P(StoreConformanceTest, ListOrdersByStatusReturnsMatchingOrdersOldestFirst) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2")));
  for (const char* id : {"o3", "o1", "o4", "o2"}) ASSERT_OK(store_->CreateOrder(MakeOrder(id, "a1"), {}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o5", "a2"), {}));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "", ""));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kReady, OrderStatus::kProcessing, "", ""));
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kPending, OrderStatus::kReady, "", ""));
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kReady, OrderStatus::kProcessing, "", ""));

  Result<std::vector<Order>> processing = store_->ListOrdersByStatus(OrderStatus::kProcessing, 10);
  ASSERT_OK(processing);
  EXPECT_THAT(OrderIds(*processing), ElementsAre("o1", "o2"));
  EXPECT_EQ((*processing)[0].status, OrderStatus::kProcessing);
  Result<std::vector<Order>> pending = store_->ListOrdersByStatus(OrderStatus::kPending, 2);
  ASSERT_OK(pending);
  EXPECT_THAT(OrderIds(*pending), ElementsAre("o3", "o4"));
  Result<std::vector<Order>> valid = store_->ListOrdersByStatus(OrderStatus::kValid, 10);
  ASSERT_OK(valid);
  EXPECT_THAT(*valid, IsEmpty());
}

TEST_P(StoreConformanceTest, TransitionOrderIsConditional) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "", ""));
  // A second finalize racing with the first expects the old state.
  EXPECT_TRUE(HasCode(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kInvalid, "{}", ""),
                      Code::kConflict));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, OrderStatus::kReady);
  EXPECT_EQ(got->error_json, "");
}

TEST_P(StoreConformanceTest, TransitionUnknownOrderIsNotFound) {
  EXPECT_TRUE(HasCode(store_->TransitionOrder("nope", OrderStatus::kPending, OrderStatus::kReady, "", ""),
                      Code::kNotFound));
}

TEST_P(StoreConformanceTest, TransitionOrderToInvalidStoresError) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  const std::string error = R"({"type":"urn:ietf:params:acme:error:unauthorized"})";
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kInvalid, error, "ignored"));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, OrderStatus::kInvalid);
  EXPECT_EQ(got->error_json, error);
  EXPECT_EQ(got->certificate_serial, "");
}

TEST_P(StoreConformanceTest, TransitionOrderToValidStoresSerial) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "ignored", "ignored"));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kReady, OrderStatus::kProcessing, "", ""));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kProcessing, OrderStatus::kValid, "ignored", "1a2b"));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, OrderStatus::kValid);
  EXPECT_EQ(got->certificate_serial, "1a2b");
  EXPECT_EQ(got->error_json, "");
}

TEST_P(StoreConformanceTest, FindOrderReplacingIgnoresInvalidOrders) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  Result<std::optional<Order>> found = store_->FindOrderReplacing("aki.serial");
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);

  Order failed = MakeOrder("o1", "a1");
  failed.replaces = "aki.serial";
  ASSERT_OK(store_->CreateOrder(failed, {}));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kInvalid, "{}", ""));
  found = store_->FindOrderReplacing("aki.serial");
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);

  Order retry = MakeOrder("o2", "a1");
  retry.replaces = "aki.serial";
  ASSERT_OK(store_->CreateOrder(retry, {}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o3", "a1"), {}));  // replaces nothing
  found = store_->FindOrderReplacing("aki.serial");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  ExpectSameOrder(**found, retry);

  found = store_->FindOrderReplacing("other.serial");
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
  found = store_->FindOrderReplacing("");  // orders that replace nothing must not match
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
}

TEST_P(StoreConformanceTest, FindValidAuthorizationReturnsLatestExpiringMatch) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2")));
  auto authz = [](const std::string& id, const std::string& account, Identifier identifier, bool wildcard,
                  TimePoint expires) {
    Authorization a = MakeAuthorization(id, account, std::move(identifier), wildcard);
    a.expires = expires;
    return a;
  };
  std::vector<Authorization> all = {
      authz("soon", "a1", Dns("example.com"), false, kT0 + 10 * kDay),
      authz("late", "a1", Dns("example.com"), false, kT0 + 20 * kDay),
      authz("mid", "a1", Dns("example.com"), false, kT0 + 15 * kDay),
      authz("pending", "a1", Dns("example.com"), false, kT0 + 30 * kDay),    // stays pending
      authz("wild", "a1", Dns("example.com"), true, kT0 + 25 * kDay),        // wildcard
      authz("foreign", "a2", Dns("example.com"), false, kT0 + 40 * kDay),    // other account
      authz("othername", "a1", Dns("example.org"), false, kT0 + 40 * kDay),  // other name
      authz("ip", "a1", Ip("192.0.2.1"), false, kT0 + 40 * kDay),            // other type
  };
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), all));
  for (const char* id : {"soon", "late", "mid", "wild", "foreign", "othername", "ip"}) MakeValid(*store_, id);

  Result<std::optional<Authorization>> found =
      store_->FindValidAuthorization("a1", Dns("example.com"), false, kT0);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "late");
  EXPECT_EQ((*found)->status, AuthorizationStatus::kValid);
  EXPECT_EQ((*found)->expires, kT0 + 20 * kDay);
  ASSERT_EQ((*found)->challenges.size(), 2u);
  EXPECT_EQ((*found)->challenges[0].status, ChallengeStatus::kValid);

  // Expiry cut-off: strictly after `expires_after`.
  found = store_->FindValidAuthorization("a1", Dns("example.com"), false, kT0 + 20 * kDay);
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
  found = store_->FindValidAuthorization("a1", Dns("example.com"), false,
                                         kT0 + 20 * kDay - std::chrono::seconds(1));
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "late");

  found = store_->FindValidAuthorization("a1", Dns("example.com"), true, kT0);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "wild");

  found = store_->FindValidAuthorization("a1", Ip("192.0.2.1"), false, kT0);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "ip");

  found = store_->FindValidAuthorization("a1", Dns("192.0.2.1"), false, kT0);  // type matters
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
  found = store_->FindValidAuthorization("a2", Dns("example.org"), false, kT0);
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
  found = store_->FindValidAuthorization("nobody", Dns("example.com"), false, kT0);
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
}

TEST_P(StoreConformanceTest, TransitionAuthorizationIsConditional) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->TransitionAuthorization("z1", AuthorizationStatus::kPending,
                                            AuthorizationStatus::kDeactivated));
  EXPECT_TRUE(HasCode(
      store_->TransitionAuthorization("z1", AuthorizationStatus::kPending, AuthorizationStatus::kExpired),
      Code::kConflict));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kDeactivated);
  EXPECT_TRUE(HasCode(
      store_->TransitionAuthorization("nope", AuthorizationStatus::kPending, AuthorizationStatus::kExpired),
      Code::kNotFound));
}

TEST_P(StoreConformanceTest, StartChallengeMovesPendingChallengeToProcessing) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c2"));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kPending);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kPending);
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kProcessing);
  // Not pending any more.
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c2"), Code::kConflict));
}

TEST_P(StoreConformanceTest, OnlyOneChallengeOfAnAuthorizationIsProcessingAtATime) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  // The other challenge cannot start while c1's validation decides the authorization...
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c2"), Code::kConflict));
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kValid);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kValid);
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kPending);  // never left processing
  // ...nor afterwards: the authorization is no longer pending.
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c2"), Code::kConflict));
}

TEST_P(StoreConformanceTest, ConcurrentStartsOfDifferentChallengesHaveOneWinner) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  std::atomic<int> ok{0}, conflict{0};
  std::vector<std::thread> threads;
  for (const char* id : {"c1", "c2"}) {
    threads.emplace_back([&, id] {
      Status s = store_->StartChallenge("z1", id);
      if (s.ok()) ++ok;
      if (s.code() == Code::kConflict) ++conflict;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 1);
}

TEST_P(StoreConformanceTest, StartChallengeOfUnknownChallengeIsNotFound) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "nope"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->StartChallenge("nope", "c1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, StartChallengeRequiresPendingAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->TransitionAuthorization("z1", AuthorizationStatus::kPending,
                                            AuthorizationStatus::kDeactivated));
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c1"), Code::kConflict));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kPending);
}

TEST_P(StoreConformanceTest, CompleteChallengeValidUpdatesChallengeAndAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0 + std::chrono::milliseconds(1500), std::nullopt));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kValid);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kValid);
  EXPECT_EQ(got->challenges[0].validated_at, kT0 + std::chrono::seconds(1));
  EXPECT_EQ(got->challenges[0].error_json, "");
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kPending);
  // The authorization is decided: its other challenge cannot start any more.
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c2"), Code::kConflict));
}

TEST_P(StoreConformanceTest, CompleteChallengeValidExtendsExpiryOnlyWhenValid) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1", {"z1", "z2"}),
                                {MakeAuthorization("z1", "a1", Dns("a.example")),
                                 MakeAuthorization("z2", "a1", Dns("b.example"))}));
  Result<Authorization> before = store_->GetAuthorization("z1");
  ASSERT_OK(before);
  const TimePoint later = kT0 + std::chrono::hours(24 * 30);
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, later));
  EXPECT_EQ(store_->GetAuthorization("z1")->expires, later);
  ASSERT_OK(store_->StartChallenge("z2", "c1"));
  ASSERT_OK(store_->CompleteChallenge("z2", "c1", false, "{}", kT0, later));
  EXPECT_EQ(store_->GetAuthorization("z2")->expires, before->expires);
}

TEST_P(StoreConformanceTest, CompleteChallengeInvalidStoresErrorOnBoth) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c2"));
  const std::string error = R"({"type":"urn:ietf:params:acme:error:dns","detail":"NXDOMAIN"})";
  ASSERT_OK(store_->CompleteChallenge("z1", "c2", false, error, kT0, std::nullopt));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kInvalid);
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kInvalid);
  EXPECT_EQ(got->challenges[1].error_json, error);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kPending);
}

TEST_P(StoreConformanceTest, CompleteChallengeRequiresAnUndecidedChallenge) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt));
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "c1", false, "{}", kT0, std::nullopt), Code::kConflict));  // decided
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kValid);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kValid);
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "nope", true, "", kT0, std::nullopt), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("nope", "c1", true, "", kT0, std::nullopt), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CompleteChallengeFromPendingDecidesTheAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(
      store_->CompleteChallenge("z1", "c1", false, "{}", kT0, std::nullopt));  // never recorded processing
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kInvalid);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kInvalid);
  // Decided: neither a late StartChallenge nor another completion changes it.
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c1"), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "c2", true, "", kT0, std::nullopt), Code::kConflict));
}

TEST_P(StoreConformanceTest, CompleteChallengeRefusesWhileAnotherChallengeIsProcessing) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  // c1's validation decides the authorization; a result for c2 must not leave c1 processing for ever.
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "c2", true, "", kT0, std::nullopt), Code::kConflict));
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kPending);
}

TEST_P(StoreConformanceTest, CompleteChallengeRequiresPendingAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  // Deactivated by the client while validation ran.
  ASSERT_OK(store_->TransitionAuthorization("z1", AuthorizationStatus::kPending,
                                            AuthorizationStatus::kDeactivated));
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt), Code::kConflict));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kDeactivated);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kProcessing);
}

// ======================= certificates and audit =======================

TEST_P(StoreConformanceTest, CertificateGoesPendingIssuedRevoked) {
  CertificateRecord record = MakeCertificate("1a2b3c", "o1", "a1");
  ASSERT_OK(store_->AddPendingCertificate(record));
  Result<CertificateRecord> got = store_->GetCertificate("1a2b3c");
  ASSERT_OK(got);
  ExpectSameCertificate(*got, record);

  const std::string der(
      "\x30\x82\x01\x00signed\x00"
      "cert",
      15);
  ASSERT_OK(store_->MarkCertificateIssued("1a2b3c", der));
  got = store_->GetCertificate("1a2b3c");
  ASSERT_OK(got);
  record.state = CertificateState::kIssued;
  record.der = der;
  ExpectSameCertificate(*got, record);

  ASSERT_OK(store_->RevokeCertificate("1a2b3c", 4, kT0 + kDay));
  got = store_->GetCertificate("1a2b3c");
  ASSERT_OK(got);
  record.revoked_at = kT0 + kDay;
  record.revocation_reason = 4;
  ExpectSameCertificate(*got, record);
}

TEST_P(StoreConformanceTest, AddPendingCertificateWithDuplicateSerialIsConflict) {
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "o1", "a1")));
  EXPECT_TRUE(HasCode(store_->AddPendingCertificate(MakeCertificate("01", "o2", "a1")), Code::kConflict));
  Result<CertificateRecord> got = store_->GetCertificate("01");
  ASSERT_OK(got);
  EXPECT_EQ(got->order_id, "o1");
}

TEST_P(StoreConformanceTest, AddPendingCertificateRecordsPendingState) {
  CertificateRecord record = MakeCertificate("01", "o1", "a1");
  record.state = CertificateState::kIssued;  // ignored: a new record is always pending
  record.der = "not yet";
  record.revoked_at = kT0;
  record.revocation_reason = 1;
  ASSERT_OK(store_->AddPendingCertificate(record));
  Result<CertificateRecord> got = store_->GetCertificate("01");
  ASSERT_OK(got);
  EXPECT_EQ(got->state, CertificateState::kPending);
  EXPECT_EQ(got->der, "");
  EXPECT_EQ(got->revoked_at, std::nullopt);
  EXPECT_EQ(got->revocation_reason, 0);
}

TEST_P(StoreConformanceTest, UnknownCertificateIsNotFound) {
  EXPECT_TRUE(HasCode(store_->GetCertificate("ff"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->MarkCertificateIssued("ff", "der"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->MarkCertificateAbandoned("ff"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->RevokeCertificate("ff", 0, kT0), Code::kNotFound));
}

TEST_P(StoreConformanceTest, MarkCertificateIssuedTwiceIsConflict) {
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "o1", "a1")));
  ASSERT_OK(store_->MarkCertificateIssued("01", "first"));
  EXPECT_TRUE(HasCode(store_->MarkCertificateIssued("01", "second"), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->MarkCertificateAbandoned("01"), Code::kConflict));
  Result<CertificateRecord> got = store_->GetCertificate("01");
  ASSERT_OK(got);
  EXPECT_EQ(got->der, "first");
  EXPECT_EQ(got->state, CertificateState::kIssued);
}

TEST_P(StoreConformanceTest, IssuedAndOrderValidCommitTogether) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "", ""));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kReady, OrderStatus::kProcessing, "", ""));
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "o1", "a1")));
  ASSERT_OK(store_->MarkCertificateIssuedAndOrderValid("01", "der"));
  Result<CertificateRecord> cert = store_->GetCertificate("01");
  ASSERT_OK(cert);
  EXPECT_EQ(cert->state, CertificateState::kIssued);
  EXPECT_EQ(cert->der, "der");
  Result<Order> order = store_->GetOrder("o1");
  ASSERT_OK(order);
  EXPECT_EQ(order->status, OrderStatus::kValid);
  EXPECT_EQ(order->certificate_serial, "01");
  Result<std::vector<AuditEvent>> events = store_->ListAudit(0, 10);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().subject, "01");
  // Twice: the certificate is no longer pending, and nothing changes.
  EXPECT_TRUE(HasCode(store_->MarkCertificateIssuedAndOrderValid("01", "other"), Code::kConflict));
  EXPECT_EQ(store_->GetCertificate("01")->der, "der");
}

TEST_P(StoreConformanceTest, IssuedAndOrderValidChangesNothingWhenTheOrderIsNotProcessing) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));  // pending
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "o1", "a1")));
  EXPECT_TRUE(HasCode(store_->MarkCertificateIssuedAndOrderValid("01", "der"), Code::kConflict));
  EXPECT_EQ(store_->GetCertificate("01")->state, CertificateState::kPending);
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kPending);
  Result<std::vector<AuditEvent>> events = store_->ListAudit(0, 10);
  ASSERT_OK(events);
  EXPECT_TRUE(events->empty());
  // A certificate without a stored order, and an unknown serial.
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("02", "nope", "a1")));
  EXPECT_TRUE(HasCode(store_->MarkCertificateIssuedAndOrderValid("02", "der"), Code::kNotFound));
  EXPECT_EQ(store_->GetCertificate("02")->state, CertificateState::kPending);
  EXPECT_TRUE(HasCode(store_->MarkCertificateIssuedAndOrderValid("ff", "der"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, PendingCertificateAndStartedOrderCommitTogether) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));  // pending
  ASSERT_OK(
      store_->AddPendingCertificateAndStartOrder(MakeCertificate("01", "o1", "a1"), OrderStatus::kPending));
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kProcessing);
  EXPECT_EQ(store_->GetCertificate("01")->state, CertificateState::kPending);
  ASSERT_OK(store_->MarkCertificateIssuedAndOrderValid("01", "der"));
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kValid);
  // From ready too.
  ASSERT_OK(store_->CreateOrder(MakeOrder("o2", "a1"), {}));
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kPending, OrderStatus::kReady, "", ""));
  ASSERT_OK(
      store_->AddPendingCertificateAndStartOrder(MakeCertificate("02", "o2", "a1"), OrderStatus::kReady));
  EXPECT_EQ(store_->GetOrder("o2")->status, OrderStatus::kProcessing);
}

// The gate: a second finalize of the same order (or one that read a stale status) changes nothing.
TEST_P(StoreConformanceTest, PendingCertificateAndStartedOrderChangeNothingWhenTheOrderMoved) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  ASSERT_OK(
      store_->AddPendingCertificateAndStartOrder(MakeCertificate("01", "o1", "a1"), OrderStatus::kPending));
  EXPECT_TRUE(HasCode(
      store_->AddPendingCertificateAndStartOrder(MakeCertificate("02", "o1", "a1"), OrderStatus::kPending),
      Code::kOrderNotReady));
  EXPECT_TRUE(HasCode(store_->GetCertificate("02").status(), Code::kNotFound));
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kProcessing);
  // No such order.
  EXPECT_TRUE(HasCode(
      store_->AddPendingCertificateAndStartOrder(MakeCertificate("03", "nope", "a1"), OrderStatus::kPending),
      Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetCertificate("03").status(), Code::kNotFound));
}

// A serial collision leaves the order as it was, so the CA can retry with a fresh serial.
TEST_P(StoreConformanceTest, PendingCertificateAndStartedOrderChangeNothingOnADuplicateSerial) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "other", "a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  EXPECT_TRUE(HasCode(
      store_->AddPendingCertificateAndStartOrder(MakeCertificate("01", "o1", "a1"), OrderStatus::kPending),
      Code::kConflict));
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kPending);
  EXPECT_EQ(store_->GetCertificate("01")->order_id, "other");
  ASSERT_OK(
      store_->AddPendingCertificateAndStartOrder(MakeCertificate("02", "o1", "a1"), OrderStatus::kPending));
  EXPECT_EQ(store_->GetOrder("o1")->status, OrderStatus::kProcessing);
}

// Many finalizes of one order at once: exactly one starts it.
TEST_P(StoreConformanceTest, ConcurrentStartsOfOneOrderHaveOneWinner) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  std::atomic<int> won{0}, not_ready{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Status s = store_->AddPendingCertificateAndStartOrder(
          MakeCertificate("0" + std::to_string(t + 1), "o1", "a1"), OrderStatus::kPending);
      (s.ok() ? won : s.code() == Code::kOrderNotReady ? not_ready : other)++;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(not_ready.load(), 7);
  EXPECT_EQ(other.load(), 0);
  Result<std::vector<CertificateRecord>> certs = store_->ListCertificatesForOrder("o1");
  ASSERT_OK(certs);
  EXPECT_EQ(certs->size(), 1u);
}

TEST_P(StoreConformanceTest, AbandonedCertificateCanNeitherBeIssuedNorRevoked) {
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "o1", "a1")));
  ASSERT_OK(store_->MarkCertificateAbandoned("01"));
  Result<CertificateRecord> got = store_->GetCertificate("01");
  ASSERT_OK(got);
  EXPECT_EQ(got->state, CertificateState::kAbandoned);
  EXPECT_TRUE(HasCode(store_->MarkCertificateIssued("01", "der"), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->MarkCertificateAbandoned("01"), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->RevokeCertificate("01", 0, kT0), Code::kConflict));
}

TEST_P(StoreConformanceTest, RevokePendingCertificateIsConflict) {
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "o1", "a1")));
  EXPECT_TRUE(HasCode(store_->RevokeCertificate("01", 1, kT0), Code::kConflict));
  Result<CertificateRecord> got = store_->GetCertificate("01");
  ASSERT_OK(got);
  EXPECT_EQ(got->revoked_at, std::nullopt);
}

TEST_P(StoreConformanceTest, RevokeRevokedCertificateIsAlreadyRevoked) {
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "o1", "a1")));
  ASSERT_OK(store_->MarkCertificateIssued("01", "der"));
  ASSERT_OK(store_->RevokeCertificate("01", 1, kT0));
  EXPECT_TRUE(HasCode(store_->RevokeCertificate("01", 4, kT0 + kDay), Code::kAlreadyRevoked));
  Result<CertificateRecord> got = store_->GetCertificate("01");
  ASSERT_OK(got);
  EXPECT_EQ(got->revoked_at, kT0);  // the first revocation stands
  EXPECT_EQ(got->revocation_reason, 1);
}

TEST_P(StoreConformanceTest, ListCertificatesForOrderReturnsThemInCreationOrder) {
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("0b", "o1", "a1")));
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("0c", "o2", "a1")));
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("0a", "o1", "a1")));
  ASSERT_OK(store_->MarkCertificateAbandoned("0b"));
  Result<std::vector<CertificateRecord>> certs = store_->ListCertificatesForOrder("o1");
  ASSERT_OK(certs);
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].serial, "0b");
  EXPECT_EQ((*certs)[0].state, CertificateState::kAbandoned);
  EXPECT_EQ((*certs)[1].serial, "0a");
  certs = store_->ListCertificatesForOrder("none");
  ASSERT_OK(certs);
  EXPECT_THAT(*certs, IsEmpty());
}

TEST_P(StoreConformanceTest, IssueAndRevokeAppendAuditEvents) {
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "o1", "a1")));
  TimePoint before = FromUnixSeconds(ToUnixSeconds(std::chrono::system_clock::now()));
  ASSERT_OK(store_->MarkCertificateIssued("01", "der"));
  TimePoint after = std::chrono::system_clock::now();
  ASSERT_OK(store_->RevokeCertificate("01", 5, kT0 + kDay));

  Result<std::vector<AuditEvent>> events = store_->ListAudit(0, 10);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 2u);
  const AuditEvent& issued = (*events)[0];
  EXPECT_EQ(issued.kind, "certificate.issued");
  EXPECT_EQ(issued.account_id, "a1");
  EXPECT_EQ(issued.subject, "01");
  EXPECT_EQ(issued.details_json, R"({"order_id":"o1"})");
  EXPECT_GE(issued.at, before);
  EXPECT_LE(issued.at, after);
  const AuditEvent& revoked = (*events)[1];
  EXPECT_EQ(revoked.kind, "certificate.revoked");
  EXPECT_EQ(revoked.account_id, "a1");
  EXPECT_EQ(revoked.subject, "01");
  EXPECT_EQ(revoked.details_json, R"({"reason":5})");
  EXPECT_EQ(revoked.at, kT0 + kDay);
  EXPECT_LT(issued.id, revoked.id);
}

TEST_P(StoreConformanceTest, FailedIssueOrRevokeAppendsNoAuditEvent) {
  ASSERT_OK(store_->AddPendingCertificate(MakeCertificate("01", "o1", "a1")));
  EXPECT_FALSE(store_->RevokeCertificate("01", 0, kT0).ok());
  EXPECT_FALSE(store_->MarkCertificateIssued("ff", "der").ok());
  ASSERT_OK(store_->MarkCertificateAbandoned("01"));
  EXPECT_FALSE(store_->MarkCertificateIssued("01", "der").ok());
  Result<std::vector<AuditEvent>> events = store_->ListAudit(0, 10);
  ASSERT_OK(events);
  EXPECT_THAT(*events, IsEmpty());
}

TEST_P(StoreConformanceTest, ListAuditPagesByIncreasingId) {
  for (int i = 0; i < 5; ++i) {
    AuditEvent e;
    e.id = 1000;  // ignored: the store assigns ids
    e.at = kT0 + std::chrono::seconds(i);
    e.kind = "account.created";
    e.account_id = "a" + std::to_string(i);
    e.subject = "s" + std::to_string(i);
    e.details_json = R"({"i":)" + std::to_string(i) + "}";
    ASSERT_OK(store_->AppendAudit(e));
  }
  Result<std::vector<AuditEvent>> first = store_->ListAudit(0, 3);
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].account_id, "a0");
  EXPECT_EQ((*first)[0].kind, "account.created");
  EXPECT_EQ((*first)[0].subject, "s0");
  EXPECT_EQ((*first)[0].details_json, R"({"i":0})");
  EXPECT_EQ((*first)[0].at, kT0);
  EXPECT_LT((*first)[0].id, (*first)[1].id);
  EXPECT_LT((*first)[1].id, (*first)[2].id);

  Result<std::vector<AuditEvent>> rest = store_->ListAudit(first->back().id, 3);
  ASSERT_OK(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].account_id, "a3");
  EXPECT_EQ((*rest)[1].account_id, "a4");
  EXPECT_LT(first->back().id, (*rest)[0].id);

  Result<std::vector<AuditEvent>> none = store_->ListAudit(rest->back().id, 3);
  ASSERT_OK(none);
  EXPECT_THAT(*none, IsEmpty());
}

// ======================= concurrency =======================

TEST_P(StoreConformanceTest, ConcurrentWritersAllSucceedAndAreReadable) {
  constexpr int kThreads = 8;
  constexpr int kOrdersPerThread = 10;
  std::vector<std::string> failures[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      auto check = [&](const Status& s, const std::string& what) {
        if (!s.ok()) failures[t].push_back(what + ": " + s.ToString());
      };
      std::string account = "acct" + std::to_string(t);
      check(store_->CreateAccount(MakeAccount(account)), "account " + account);
      for (int i = 0; i < kOrdersPerThread; ++i) {
        std::string suffix = std::to_string(t) + "-" + std::to_string(i);
        check(store_->CreateOrder(MakeOrder("order" + suffix, account, {"authz" + suffix}),
                                  {MakeAuthorization("authz" + suffix, account, Dns(suffix + ".example"))}),
              "order " + suffix);
        // Reads interleaved with other threads' writes.
        check(store_->GetOrder("order" + suffix).status(), "read order " + suffix);
        check(store_->StartChallenge("authz" + suffix, "c1"), "start " + suffix);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_THAT(failures[t], IsEmpty()) << "thread " << t;

  for (int t = 0; t < kThreads; ++t) {
    std::string account = "acct" + std::to_string(t);
    ASSERT_OK(store_->GetAccount(account));
    Result<std::vector<std::string>> ids = store_->ListOrderIds(account, "", 100);
    ASSERT_OK(ids);
    std::vector<std::string> want;
    for (int i = 0; i < kOrdersPerThread; ++i)
      want.push_back("order" + std::to_string(t) + "-" + std::to_string(i));
    EXPECT_EQ(*ids, want);
    for (int i = 0; i < kOrdersPerThread; ++i) {
      Result<Authorization> authz =
          store_->GetAuthorization("authz" + std::to_string(t) + "-" + std::to_string(i));
      ASSERT_OK(authz);
      EXPECT_EQ(authz->challenges[0].status, ChallengeStatus::kProcessing);
    }
  }
  Result<std::vector<Order>> pending = store_->ListOrdersByStatus(OrderStatus::kPending, 1000);
  ASSERT_OK(pending);
  EXPECT_EQ(pending->size(), static_cast<size_t>(kThreads * kOrdersPerThread));
}

// Concurrent writers may share one transaction (group commit): a failing write must fail alone, and every
// caller must get its own result.
TEST_P(StoreConformanceTest, ConcurrentWritersWithFailuresEachGetTheirOwnResult) {
  constexpr int kThreads = 32;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Account a = MakeAccount("c" + std::to_string(i));
      a.thumbprint = "shared-" + std::to_string(i % (kThreads / 2));  // two writers per thumbprint
      results[i] = store_->CreateAccount(a);
    });
  }
  for (auto& t : threads) t.join();
  for (int pair = 0; pair < kThreads / 2; ++pair) {
    const Status& first = results[pair];
    const Status& second = results[pair + kThreads / 2];
    EXPECT_NE(first.ok(), second.ok()) << "pair " << pair << ": " << first.ToString() << " / " << second.ToString();
    const Status& loser = first.ok() ? second : first;
    EXPECT_TRUE(HasCode(loser, Code::kConflict)) << loser.ToString();
    int winner = first.ok() ? pair : pair + kThreads / 2;
    int other = first.ok() ? pair + kThreads / 2 : pair;
    EXPECT_TRUE(store_->GetAccount("c" + std::to_string(winner)).ok());
    EXPECT_TRUE(HasCode(store_->GetAccount("c" + std::to_string(other)).status(), Code::kNotFound));
  }
}

TEST_P(StoreConformanceTest, ConcurrentConditionalTransitionHasOneWinner) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Status s = store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "", "");
      if (s.ok()) ++winners;
      if (s.code() == Code::kConflict) ++conflicts;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
}

}  // namespace

// ======================= WithCleanup =======================

namespace {

class CleanupStore final : public Store {
 public:
  CleanupStore(std::unique_ptr<Store> inner, std::function<void()> cleanup)
      : inner_(std::move(inner)), cleanup_(std::move(cleanup)) {}
  ~CleanupStore() override {
    inner_.reset();
    if (cleanup_) cleanup_();
  }

  Status CreateAccount(const Account& a) override { return inner_->CreateAccount(a); }
  Result<Account> GetAccount(const std::string& id) override { return inner_->GetAccount(id); }
  Result<Account> FindAccountByThumbprint(const std::string& t) override {
    return inner_->FindAccountByThumbprint(t);
  }
  Status UpdateAccount(const std::string& id, const std::vector<std::string>& contacts,
                       acme::AccountStatus status) override {
    return inner_->UpdateAccount(id, contacts, status);
  }
  Status ChangeAccountKey(const std::string& id, const std::string& old_thumbprint,
                          const std::string& new_jwk_json, const std::string& new_thumbprint) override {
    return inner_->ChangeAccountKey(id, old_thumbprint, new_jwk_json, new_thumbprint);
  }
  Status CreateOrder(const Order& order, const std::vector<Authorization>& new_authorizations) override {
    return inner_->CreateOrder(order, new_authorizations);
  }
  Result<Order> GetOrder(const std::string& id) override { return inner_->GetOrder(id); }
  Result<std::vector<std::string>> ListOrderIds(const std::string& account_id, const std::string& after_id,
                                                int limit) override {
    return inner_->ListOrderIds(account_id, after_id, limit);
  }
  Result<std::vector<Order>> ListOrdersByStatus(acme::OrderStatus status, int limit) override {
    return inner_->ListOrdersByStatus(status, limit);
  }
  Status TransitionOrder(const std::string& id, acme::OrderStatus from, acme::OrderStatus to,
                         const std::string& error_json, const std::string& certificate_serial) override {
    return inner_->TransitionOrder(id, from, to, error_json, certificate_serial);
  }
  Result<std::optional<Order>> FindOrderReplacing(const std::string& cert_id) override {
    return inner_->FindOrderReplacing(cert_id);
  }
  Status CreateAuthorization(const Authorization& authorization) override {
    return inner_->CreateAuthorization(authorization);
  }
  Result<Authorization> GetAuthorization(const std::string& id) override {
    return inner_->GetAuthorization(id);
  }
  Result<std::optional<Authorization>> FindValidAuthorization(const std::string& account_id,
                                                              const acme::Identifier& identifier,
                                                              bool wildcard,
                                                              TimePoint expires_after) override {
    return inner_->FindValidAuthorization(account_id, identifier, wildcard, expires_after);
  }
  Status TransitionAuthorization(const std::string& id, acme::AuthorizationStatus from,
                                 acme::AuthorizationStatus to) override {
    return inner_->TransitionAuthorization(id, from, to);
  }
  Status StartChallenge(const std::string& authorization_id, const std::string& challenge_id) override {
    return inner_->StartChallenge(authorization_id, challenge_id);
  }
  Status CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id, bool valid,
                           const std::string& error_json, TimePoint validated_at,
                           std::optional<TimePoint> valid_until) override {
    return inner_->CompleteChallenge(authorization_id, challenge_id, valid, error_json, validated_at, valid_until);
  }
  Status AddPendingCertificate(const CertificateRecord& record) override {
    return inner_->AddPendingCertificate(record);
  }
  Status AddPendingCertificateAndStartOrder(const CertificateRecord& record,
                                            OrderStatus order_from) override {
    return inner_->AddPendingCertificateAndStartOrder(record, order_from);
  }
  Status MarkCertificateIssued(const std::string& serial, const std::string& der) override {
    return inner_->MarkCertificateIssued(serial, der);
  }
  Status MarkCertificateIssuedAndOrderValid(const std::string& serial, const std::string& der) override {
    return inner_->MarkCertificateIssuedAndOrderValid(serial, der);
  }
  Status MarkCertificateAbandoned(const std::string& serial) override {
    return inner_->MarkCertificateAbandoned(serial);
  }
  Result<CertificateRecord> GetCertificate(const std::string& serial) override {
    return inner_->GetCertificate(serial);
  }
  Result<std::vector<CertificateRecord>> ListCertificatesForOrder(const std::string& order_id) override {
    return inner_->ListCertificatesForOrder(order_id);
  }
  Status RevokeCertificate(const std::string& serial, int reason, TimePoint at) override {
    return inner_->RevokeCertificate(serial, reason, at);
  }
  Status CreateEabKey(const EabKey& key) override { return inner_->CreateEabKey(key); }
  Result<EabKey> GetEabKey(const std::string& kid) override { return inner_->GetEabKey(kid); }
  Result<std::vector<EabKey>> ListEabKeys() override { return inner_->ListEabKeys(); }
  Status AppendAudit(const AuditEvent& event) override { return inner_->AppendAudit(event); }
  Result<std::vector<AuditEvent>> ListAudit(int64_t after_id, int limit) override {
    return inner_->ListAudit(after_id, limit);
  }

 private:
  std::unique_ptr<Store> inner_;
  std::function<void()> cleanup_;
};

}  // namespace

std::unique_ptr<Store> WithCleanup(std::unique_ptr<Store> store, std::function<void()> cleanup) {
  if (store == nullptr) {
    if (cleanup) cleanup();
    return nullptr;
  }
  return std::make_unique<CleanupStore>(std::move(store), std::move(cleanup));
}

}  // namespace anvil::storage::testing
