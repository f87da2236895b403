// One account cannot learn whether another account's resources exist (docs/security.md, "no oracle"): every
// request for another account's order, authorization, challenge or certificate is answered exactly as the same
// request for an identifier that was never issued — same status, same problem type, same detail but for the
// identifier itself.
#include <gtest/gtest.h>

#include <string>

#include "ra/ids.h"
#include "wfe/wfe_test_fixture.h"

namespace anvil::wfe {
namespace {

using namespace testing_support;  // NOLINT(build/namespaces): the fixture and its vocabulary

// An identifier of the same shape that names nothing: `id` with its last but one character changed (the last
// character of base64url carries padding bits that must stay zero).
std::string Unissued(std::string id) {
  char& c = id[id.size() - 2];
  c = c == 'a' ? 'b' : 'a';
  return id;
}

// Replaces every occurrence of `from` in `text` with `to`.
std::string Substitute(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

class IsolationTest : public WfeTest {
 protected:
  // `theirs` answered another account's resource `id`; `missing` answered the same request for
  // Unissued(id). They must be the same response but for the identifier.
  void ExpectLikeMissing(const http::Response& theirs, const http::Response& missing, const std::string& id,
                         const std::string& what) {
    EXPECT_EQ(theirs.status, 404) << what << ": " << theirs.body;
    EXPECT_EQ(theirs.status, missing.status) << what;
    EXPECT_EQ(ProblemType(theirs), Err("malformed")) << what;
    EXPECT_EQ(theirs.body, Substitute(missing.body, Unissued(id), id)) << what;
    EXPECT_EQ(theirs.headers.Get("Content-Type"), missing.headers.Get("Content-Type")) << what;
  }
  // POSTs `payload` to `path` and to the same path with `id` replaced by Unissued(id), as `key`/`kid`.
  std::pair<http::Response, http::Response> Both(const std::string& path, const std::string& id,
                                                 const std::optional<Json>& payload, const TestKey& key,
                                                 const std::string& kid) {
    auto theirs = h_.Post(path, payload, key, kid);
    auto missing = h_.Post(Substitute(path, id, Unissued(id)), payload, key, kid);
    return {theirs, missing};
  }
  std::string LastSegment(const std::string& url) { return url.substr(url.rfind('/') + 1); }
};

TEST_F(IsolationTest, AnotherAccountsResourcesAnswerLikeMissingOnes) {
  std::string owner = h_.NewAccount(key_);
  TestKey stranger_key = TestKey::Make();
  std::string stranger = h_.NewAccount(stranger_key);

  // A pending order of the owner's: its order, authorization and challenge.
  auto created = h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"pending.example.com"})}}, key_, owner);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string order_path = WfeHarness::PathOf(created.headers.Get("Location").value_or(""));
  std::string authz_path = WfeHarness::PathOf(BodyJson(created)["authorizations"][0]);
  Json authz = BodyJson(h_.Post(authz_path, std::nullopt, key_, owner));
  std::string challenge_path = WfeHarness::PathOf(authz["challenges"][0]["url"]);
  std::string order_id = LastSegment(order_path), authz_id = LastSegment(authz_path);

  auto [order, no_order] = Both(order_path, order_id, std::nullopt, stranger_key, stranger);
  ExpectLikeMissing(order, no_order, order_id, "order");
  auto [fin, no_fin] = Both(order_path + "/finalize", order_id, Json{{"csr", CsrFor({"pending.example.com"})}},
                            stranger_key, stranger);
  ExpectLikeMissing(fin, no_fin, order_id, "finalize");
  auto [az, no_az] = Both(authz_path, authz_id, std::nullopt, stranger_key, stranger);
  ExpectLikeMissing(az, no_az, authz_id, "authorization");
  auto [deact, no_deact] = Both(authz_path, authz_id, Json{{"status", "deactivated"}}, stranger_key, stranger);
  ExpectLikeMissing(deact, no_deact, authz_id, "deactivation");
  auto [ch, no_ch] = Both(challenge_path, authz_id, std::nullopt, stranger_key, stranger);
  ExpectLikeMissing(ch, no_ch, authz_id, "challenge");
  auto [resp, no_resp] = Both(challenge_path, authz_id, Json::object(), stranger_key, stranger);
  ExpectLikeMissing(resp, no_resp, authz_id, "challenge response");
  // Nothing the stranger did changed the owner's resources.
  EXPECT_EQ(BodyJson(h_.Post(authz_path, std::nullopt, key_, owner))["status"], "pending");
  EXPECT_EQ(BodyJson(h_.Post(challenge_path, std::nullopt, key_, owner))["status"], "pending");

  // An issued certificate of the owner's: download, and naming it in "replaces".
  std::string ready = ReadyOrder(owner, DnsIds({"issued.example.com"}));
  crypto::Certificate leaf = FinalizeAndDownload(owner, ready, {"issued.example.com"});
  Json valid = BodyJson(h_.Post(WfeHarness::PathOf(ready), std::nullopt, key_, owner));
  std::string cert_path = WfeHarness::PathOf(valid["certificate"]);
  std::string serial = LastSegment(cert_path);
  auto [cert, no_cert] = Both(cert_path, serial, std::nullopt, stranger_key, stranger);
  ExpectLikeMissing(cert, no_cert, serial, "certificate");

  std::string cert_id = ra::CertificateId(leaf.authority_key_id(), leaf.serial_hex());
  auto replaces = [&](const std::string& id) {
    return h_.Post("/acme/new-order", Json{{"identifiers", DnsIds({"issued.example.com"})}, {"replaces", id}},
                   stranger_key, stranger);
  };
  auto theirs = replaces(cert_id), missing = replaces(Unissued(cert_id));
  EXPECT_EQ(theirs.status, 400) << theirs.body;
  EXPECT_EQ(ProblemType(theirs), Err("malformed"));
  EXPECT_EQ(theirs.body, Substitute(missing.body, Unissued(cert_id), cert_id));
}

}  // namespace
}  // namespace anvil::wfe
