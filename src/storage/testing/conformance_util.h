// Internal to the storage conformance suite: fixtures, builders of records and assertion helpers shared by
// its files (store_conformance.cc: accounts, EAB keys, audit, concurrency; order_conformance.cc: orders,
// authorizations, challenges; issuance_conformance.cc: certificates and the issuance transactions;
// rate_limit_conformance.cc: rate limits; revocation_list_conformance.cc: revoked listings and CRL states).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/testing/store_conformance.h"

namespace anvil::storage::testing {

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

inline const Status& StatusOf(const Status& s) { return s; }
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
inline const TimePoint kT0 = FromUnixSeconds(1'800'000'000);
inline constexpr auto kDay = std::chrono::hours(24);

inline Identifier Dns(std::string value) { return Identifier{IdentifierType::kDns, std::move(value)}; }
inline Identifier Ip(std::string value) { return Identifier{IdentifierType::kIp, std::move(value)}; }

inline Account MakeAccount(const std::string& id) {
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

inline Challenge MakeChallenge(const std::string& id, ChallengeType type) {
  Challenge c;
  c.id = id;
  c.type = type;
  c.token = "token-" + id;
  return c;
}

inline Authorization MakeAuthorization(const std::string& id, const std::string& account_id,
                                       Identifier identifier, bool wildcard = false) {
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

inline Order MakeOrder(const std::string& id, const std::string& account_id,
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

inline CertificateRecord MakeCertificate(const std::string& serial, const std::string& order_id,
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

inline EabKey MakeEabKey(const std::string& kid) {
  EabKey k;
  k.kid = kid;
  k.hmac_key = std::string("\x00\x01secret\xff", 9);
  k.comment = "for " + kid;
  k.created_at = kT0;
  return k;
}

inline void ExpectSameAccount(const Account& got, const Account& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.jwk_json, want.jwk_json);
  EXPECT_EQ(got.thumbprint, want.thumbprint);
  EXPECT_EQ(got.contacts, want.contacts);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.tos_agreed, want.tos_agreed);
  EXPECT_EQ(got.eab_kid, want.eab_kid);
  EXPECT_EQ(got.created_at, want.created_at);
}

inline void ExpectSameOrder(const Order& got, const Order& want) {
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

inline void ExpectSameAuthorization(const Authorization& got, const Authorization& want) {
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

inline void ExpectSameCertificate(const CertificateRecord& got, const CertificateRecord& want) {
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
inline void MakeValid(Store& store, const std::string& authz_id) {
  ASSERT_OK(store.StartChallenge(authz_id, "c1"));
  ASSERT_OK(store.CompleteChallenge(authz_id, "c1", true, "", kT0, std::nullopt));
}

inline std::vector<std::string> OrderIds(const std::vector<Order>& orders) {
  std::vector<std::string> ids;
  for (const Order& o : orders) ids.push_back(o.id);
  return ids;
}

// An audit event to pass to a write; `kind` tells the events of a test apart.
inline AuditEvent Note(std::string kind, std::string subject = "s") {
  AuditEvent e;
  e.at = kT0;
  e.kind = std::move(kind);
  e.account_id = "a1";
  e.subject = std::move(subject);
  e.details_json = "{}";
  return e;
}

// The kinds of the audit events stored, oldest first.
inline std::vector<std::string> AuditKinds(Store& store) {
  std::vector<std::string> kinds;
  Result<std::vector<AuditEvent>> events = store.ListAudit(0, 1000);
  EXPECT_TRUE(IsOk(events));
  if (events.ok()) {
    for (const AuditEvent& e : *events) kinds.push_back(e.kind);
  }
  return kinds;
}

}  // namespace anvil::storage::testing
