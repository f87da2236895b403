// The admin API's endpoints (admin/handlers.h) over the real RA and a memory store: the inventory's listings,
// filters and pages, a certificate's detail, revocation and deactivation audited with the caller as requester,
// the audit trail in pages, EAB keys, and the CA operations (through a fake).
#include <gtest/gtest.h>

#include "admin/admin_test_fixture.h"

namespace anvil::admin {
namespace {

using testing::AdminApiTest;

class HandlersTest : public AdminApiTest {
 protected:
  void SetUp() override {
    viewer_ = AddToken("viewer", "viewer");
    operator_ = AddToken("op", "operator");
    admin_ = AddToken("root", "admin");
  }
  nlohmann::json Get(const std::string& target) {
    http::Response r = Send("GET", target, viewer_);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return Json(r);
  }
  void AddAccount(const std::string& id) {
    storage::Account a;
    a.id = id;
    a.jwk_json = "{}";
    a.thumbprint = "tp-" + id;
    a.contacts = {"mailto:" + id + "@example.com"};
    a.created_at = clock_.Now();
    ASSERT_TRUE(store_.CreateAccount(a, Note("account.created", id)).ok());
  }
  std::string viewer_, operator_, admin_;
};

TEST_F(HandlersTest, CertificatesAreListedWithFiltersAndPages) {
  ImportCertificate("a.example.com");
  ImportCertificate("b.example.com");
  const std::string other = ImportCertificate("www.example.org");
  nlohmann::json all = Get("/admin/v1/certificates");
  ASSERT_EQ(all["certificates"].size(), 3u);
  EXPECT_EQ(all["next_cursor"], "");
  EXPECT_EQ(all["certificates"][0]["status"], "valid");
  EXPECT_EQ(all["certificates"][0]["key_type"], "ECDSA P-256");
  nlohmann::json org = Get("/admin/v1/certificates?name_suffix=.example.org");
  ASSERT_EQ(org["certificates"].size(), 1u);
  EXPECT_EQ(org["certificates"][0]["serial"], other);
  nlohmann::json first = Get("/admin/v1/certificates?limit=2");
  ASSERT_EQ(first["certificates"].size(), 2u);
  ASSERT_NE(first["next_cursor"], "");
  nlohmann::json second = Get("/admin/v1/certificates?limit=2&cursor=" + first["next_cursor"].get<std::string>());
  EXPECT_EQ(second["certificates"].size(), 1u);
  EXPECT_EQ(Get("/admin/v1/certificates?expiring_within_days=100")["certificates"].size(), 3u);
  EXPECT_EQ(Get("/admin/v1/certificates?status=revoked")["certificates"].size(), 0u);
  EXPECT_EQ(Send("GET", "/admin/v1/certificates?status=bogus", viewer_).status, 400);
}

TEST_F(HandlersTest, TheOverviewCountsTheInventoryAndShowsTheCaHealth) {
  const std::string revoked = ImportCertificate("a.example.com");
  ImportCertificate("b.example.com");
  ASSERT_EQ(Send("POST", "/admin/v1/certificates/" + revoked + "/revoke", operator_, R"({"reason":"superseded"})").status,
            200);
  nlohmann::json overview = Get("/admin/v1/overview");
  EXPECT_EQ(overview["counts"]["valid"], 1);
  EXPECT_EQ(overview["counts"]["revoked"], 1);
  EXPECT_EQ(overview["expiring_unreplaced"]["month"], 0);
  // Both expire 90 days from now, the timeline's last day; the revoked one is not on it.
  ASSERT_EQ(overview["timeline"].size(), 1u);
  EXPECT_EQ(overview["timeline"][0]["date"], FormatRfc3339(clock_.Now() + std::chrono::hours(24 * 90)).substr(0, 10));
  EXPECT_EQ(overview["timeline"][0]["profiles"]["tls-server"], 1);
  EXPECT_EQ(Get("/admin/v1/overview?timeline_days=89")["timeline"].size(), 0u);
  ASSERT_EQ(overview["activity"].size(), 1u);
  EXPECT_EQ(overview["activity"][0]["date"], FormatRfc3339(clock_.Now()).substr(0, 10));
  EXPECT_EQ(overview["activity"][0]["issued"], 2);
  EXPECT_EQ(overview["activity"][0]["revoked"], 1);
  EXPECT_EQ(overview["ca"]["last_issuance"], FormatRfc3339(clock_.Now()));
  ASSERT_EQ(overview["ca"]["issuers"].size(), 2u);
  EXPECT_EQ(overview["ca"]["issuers"][0]["current"], true);
  ASSERT_EQ(overview["ca"]["crls"].size(), 1u);
  EXPECT_EQ(overview["ca"]["crls"][0]["issuer"], "Test Intermediate");
  EXPECT_EQ(Send("GET", "/admin/v1/overview?timeline_days=0", viewer_).status, 400);
  EXPECT_EQ(Send("GET", "/admin/v1/overview?activity_days=401", viewer_).status, 400);
}

TEST_F(HandlersTest, AnOperatorRevokesACertificateAuditedWithTheAdminAsRequester) {
  const std::string serial = ImportCertificate("www.example.com");
  http::Response r = Send("POST", "/admin/v1/certificates/" + serial + "/revoke", operator_,
                          R"({"reason":"keyCompromise","note":"ticket 7"})");
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json j = Json(r);
  EXPECT_EQ(j["status"], "revoked");
  EXPECT_EQ(j["revocation_reason"], "keyCompromise");
  nlohmann::json revoked = LastAudit("certificate.revoked");
  EXPECT_EQ(revoked["requester"], "admin:op");
  EXPECT_EQ(revoked["note"], "ticket 7");
  EXPECT_EQ(LastAudit("key.blocked")["requester"], "admin:op");
  // The detail shows it, with its history; a second revocation is a conflict; a bad body a bad request.
  nlohmann::json shown = Get("/admin/v1/certificates/" + serial);
  EXPECT_EQ(shown["status"], "revoked");
  EXPECT_EQ(shown["state"], "issued");
  EXPECT_TRUE(shown["pem"].get<std::string>().starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_EQ(shown["history"].back()["kind"], "certificate.revoked");
  EXPECT_EQ(shown["decoded"]["dns_names"], nlohmann::json::array({"www.example.com"}));
  EXPECT_EQ(shown["decoded"]["serial"], serial);
  EXPECT_EQ(shown["decoded"]["ext_key_usages"], nlohmann::json::array({"serverAuth"}));
  EXPECT_TRUE(shown["order_detail"].is_null()) << "imported: no order";
  // Revoked: ARI says renew now (a window in the past).
  ASSERT_TRUE(shown["ari"].is_object());
  EXPECT_LT(shown["ari"]["end"].get<std::string>(), FormatRfc3339(clock_.Now()));
  EXPECT_EQ(Send("POST", "/admin/v1/certificates/" + serial + "/revoke", operator_, R"({"reason":"superseded"})").status,
            409);
  const std::string other = ImportCertificate("b.example.com");
  for (const std::string body : {"", "[]", R"({"reason":"cACompromise"})", R"({"reason":4})", "{not json"}) {
    EXPECT_EQ(Send("POST", "/admin/v1/certificates/" + other + "/revoke", operator_, body).status, 400) << body;
  }
}

TEST_F(HandlersTest, AccountsAreListedShownAndDeactivatedByAnOperator) {
  AddAccount("acct1");
  AddAccount("acct2");
  nlohmann::json page = Get("/admin/v1/accounts?limit=1");
  ASSERT_EQ(page["accounts"].size(), 1u);
  EXPECT_EQ(page["accounts"][0]["id"], "acct1");
  EXPECT_EQ(page["next_cursor"], "acct1");
  nlohmann::json shown = Get("/admin/v1/accounts/acct2");
  EXPECT_EQ(shown["contacts"][0], "mailto:acct2@example.com");
  EXPECT_EQ(shown["history"][0]["kind"], "account.created");
  EXPECT_EQ(Send("GET", "/admin/v1/accounts/nobody", viewer_).status, 404);
  EXPECT_EQ(Send("POST", "/admin/v1/accounts/acct2/deactivate", viewer_).status, 403);
  http::Response r = Send("POST", "/admin/v1/accounts/acct2/deactivate", operator_, R"({"note":"left"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["status"], "deactivated");
  EXPECT_EQ(LastAudit("account.deactivated")["requester"], "admin:op");
  EXPECT_EQ(Send("POST", "/admin/v1/accounts/acct2/deactivate", operator_).status, 409);
}

TEST_F(HandlersTest, AuditRecordsComeInPagesByIdAndTheChainIsVerified) {
  nlohmann::json first = Get("/admin/v1/audit?limit=2");
  ASSERT_EQ(first["records"].size(), 2u);
  EXPECT_EQ(first["records"][0]["id"], 1);
  EXPECT_EQ(first["records"][0]["kind"], "admin.credential.created");
  EXPECT_EQ(first["next_after_id"], 2);
  nlohmann::json rest = Get("/admin/v1/audit?after_id=2&limit=1000");
  EXPECT_EQ(rest["records"][0]["id"], 3);
  EXPECT_TRUE(rest["next_after_id"].is_null());
  EXPECT_EQ(rest["records"][0]["prev_hash"], first["records"][1]["hash"]);

  // Newest first from the head down, page by page, to the first record.
  nlohmann::json head = Get("/admin/v1/audit/head");
  const int64_t head_id = head["head_id"];
  ASSERT_GE(head_id, 4);
  nlohmann::json latest = Get("/admin/v1/audit?limit=2&before_id=" + std::to_string(head_id + 1));
  ASSERT_EQ(latest["records"].size(), 2u);
  EXPECT_EQ(latest["records"][0]["id"], head_id);
  EXPECT_EQ(latest["records"][1]["id"], head_id - 1);
  std::vector<int64_t> seen;
  nlohmann::json page = latest;
  while (true) {
    for (const auto& r : page["records"]) seen.push_back(r["id"]);
    if (page["next_before_id"].is_null()) break;
    page = Get("/admin/v1/audit?limit=2&before_id=" + std::to_string(page["next_before_id"].get<int64_t>()));
  }
  ASSERT_EQ(static_cast<int64_t>(seen.size()), head_id);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], head_id - static_cast<int64_t>(i));
  EXPECT_EQ(Send("GET", "/admin/v1/audit?before_id=3&after_id=1", viewer_).status, 400);
  // One subject's records: the viewer credential's creation, then the calls it made.
  nlohmann::json viewer_records = Get("/admin/v1/audit?subject=viewer");
  ASSERT_GE(viewer_records["records"].size(), 2u);
  EXPECT_EQ(viewer_records["records"][0]["kind"], "admin.credential.created");
  for (const auto& r : viewer_records["records"]) EXPECT_EQ(r["subject"], "viewer");
  nlohmann::json verified = Get("/admin/v1/audit/verify");
  EXPECT_EQ(verified["holds"], true);
  EXPECT_TRUE(verified["first_bad_id"].is_null());
}

TEST_F(HandlersTest, AnAdminAnchorsTheAuditChain) {
  EXPECT_EQ(Send("POST", "/admin/v1/audit/anchors", operator_).status, 403);
  http::Response r = Send("POST", "/admin/v1/audit/anchors", admin_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r)["anchor"]["head_id"], 7);
  EXPECT_EQ(ca_operations_.anchors, 1);
}

TEST_F(HandlersTest, EabKeysAreCreatedOnceWithTheirHmacKeyListedWithoutItAndRevokedAuditedWithTheCaller) {
  EXPECT_EQ(Send("POST", "/admin/v1/eab-keys", viewer_).status, 403);
  http::Response r = Send("POST", "/admin/v1/eab-keys", operator_,
                          R"({"kid":"team-a","label":"for team A","policy":"devices","max_uses":3,)"
                          R"("expires_in_seconds":86400})");
  ASSERT_EQ(r.status, 201) << r.body;
  nlohmann::json created = Json(r);
  EXPECT_EQ(created["kid"], "team-a");
  EXPECT_EQ(created["hmac_key"].get<std::string>().size(), 43u);
  EXPECT_EQ(created["policy"], "devices");
  EXPECT_EQ(created["max_uses"], 3);
  EXPECT_EQ(created["state"], "usable");
  EXPECT_FALSE(created["expires"].is_null());
  EXPECT_EQ(LastAudit("eab.created")["requester"], "admin:op");
  EXPECT_EQ(Send("POST", "/admin/v1/eab-keys", operator_, R"({"kid":"team-a"})").status, 409);
  EXPECT_EQ(Send("POST", "/admin/v1/eab-keys", operator_, R"({"kid":7})").status, 400);
  EXPECT_EQ(Send("POST", "/admin/v1/eab-keys", operator_, R"({"policy":"nope"})").status, 400);
  EXPECT_EQ(Send("POST", "/admin/v1/eab-keys", operator_, R"({"max_uses":-1})").status, 400);
  http::Response listed = Send("GET", "/admin/v1/eab-keys", operator_);
  ASSERT_EQ(listed.status, 200);
  nlohmann::json keys = Json(listed)["keys"];
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0]["label"], "for team A");
  EXPECT_FALSE(keys[0].contains("hmac_key"));
  auto stored = store_.GetEabKey("team-a");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->hmac_key.size(), 32u);

  EXPECT_EQ(Send("POST", "/admin/v1/eab-keys/team-a/revoke", viewer_).status, 403);
  http::Response revoked = Send("POST", "/admin/v1/eab-keys/team-a/revoke", operator_);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(Json(revoked)["state"], "revoked");
  EXPECT_EQ(LastAudit("eab.revoked")["requester"], "admin:op");
  EXPECT_EQ(Send("POST", "/admin/v1/eab-keys/team-a/revoke", operator_).status, 409);
  EXPECT_EQ(Send("POST", "/admin/v1/eab-keys/nope/revoke", operator_).status, 404);
}

TEST_F(HandlersTest, PoliciesAreListedExplainedAndBoundToAnAccountByAnAdmin) {
  AddAccount("acct1");
  ASSERT_EQ(Send("POST", "/admin/v1/eab-keys", operator_, R"({"kid":"fleet","policy":"devices"})").status, 201);
  ASSERT_EQ(Send("POST", "/admin/v1/eab-keys", operator_, R"({"kid":"gone","policy":"devices"})").status, 201);
  ASSERT_EQ(Send("POST", "/admin/v1/eab-keys/gone/revoke", operator_).status, 200);
  nlohmann::json listed = Get("/admin/v1/policies");
  ASSERT_EQ(listed["policies"].size(), 2u);
  EXPECT_EQ(listed["policies"][0]["name"], "default");
  EXPECT_EQ(listed["policies"][0]["applies_to"]["every_request"], true);
  EXPECT_EQ(listed["policies"][1]["name"], "devices");
  EXPECT_EQ(listed["policies"][1]["rules"]["allowed_domains"][0], "*.devices.example");
  EXPECT_EQ(listed["policies"][1]["applies_to"],
            (nlohmann::json{{"every_request", false}, {"profiles", nlohmann::json::array()},
                            {"eab_keys", nlohmann::json::array({"fleet"})}}));

  nlohmann::json before = Get("/admin/v1/policies/explain?account=acct1&name=www.example.com");
  EXPECT_EQ(before["allowed"], true);
  EXPECT_EQ(Send("POST", "/admin/v1/accounts/acct1/policy", operator_, R"({"policy":"devices"})").status, 403);
  EXPECT_EQ(Send("POST", "/admin/v1/accounts/acct1/policy", admin_, R"({"policy":"nope"})").status, 400);
  EXPECT_EQ(Send("POST", "/admin/v1/accounts/acct1/policy", admin_, R"({})").status, 400);
  http::Response bound = Send("POST", "/admin/v1/accounts/acct1/policy", admin_, R"({"policy":"devices"})");
  ASSERT_EQ(bound.status, 200) << bound.body;
  EXPECT_EQ(Json(bound)["policy"], "devices");
  EXPECT_EQ(LastAudit("account.policy_set")["requester"], "admin:root");
  EXPECT_EQ(Get("/admin/v1/accounts/acct1")["policy"], "devices");

  nlohmann::json after = Get("/admin/v1/policies/explain?account=acct1&name=www.example.com&key_type=rsa2048");
  EXPECT_EQ(after["allowed"], false);
  bool named = false;
  for (const auto& v : after["verdicts"]) {
    if (v["policy"] == "devices" && v["question"] == "identifier") {
      named = true;
      EXPECT_EQ(v["binding"], "account acct1");
      EXPECT_EQ(v["rule"], "allowed_domains");
    }
  }
  EXPECT_TRUE(named) << after.dump();
  EXPECT_EQ(Send("GET", "/admin/v1/policies/explain?account=acct1", viewer_).status, 400);
  EXPECT_EQ(Send("GET", "/admin/v1/policies/explain?account=nobody&name=a.example", viewer_).status, 404);
}

TEST_F(HandlersTest, AnAdminDefinesReplacesAndDeletesPoliciesAtRunTimeButNotTheConfiguredOnes) {
  AddAccount("acct1");
  const std::string rules = R"({"allowed_domains":["partners.example"],"max_identifiers":5})";
  EXPECT_EQ(Send("PUT", "/admin/v1/policies/partners", operator_, rules).status, 403);
  http::Response defined = Send("PUT", "/admin/v1/policies/partners", admin_, rules);
  ASSERT_EQ(defined.status, 201) << defined.body;
  EXPECT_EQ(Json(defined)["source"], "api");
  EXPECT_EQ(Json(defined)["rules"]["max_identifiers"], 5);
  EXPECT_EQ(LastAudit("policy.defined")["requester"], "admin:root");
  nlohmann::json listed = Get("/admin/v1/policies");
  ASSERT_EQ(listed["policies"].size(), 3u);
  EXPECT_EQ(listed["policies"][1]["name"], "devices");
  EXPECT_EQ(listed["policies"][1]["source"], "config");
  EXPECT_EQ(listed["policies"][2]["name"], "partners");
  EXPECT_EQ(listed["policies"][2]["source"], "api");
  EXPECT_EQ(listed["policies"][2]["rules"]["allowed_domains"][0], "partners.example");

  // Bound, it decides; replaced, the new rules decide.
  ASSERT_EQ(Send("POST", "/admin/v1/accounts/acct1/policy", admin_, R"({"policy":"partners"})").status, 200);
  nlohmann::json refused = Get("/admin/v1/policies/explain?account=acct1&name=www.example.com");
  EXPECT_EQ(refused["allowed"], false);
  EXPECT_NE(refused.dump().find("\"policy\":\"partners\""), std::string::npos) << refused.dump();
  http::Response replaced = Send("PUT", "/admin/v1/policies/partners", admin_, R"({"allowed_domains":["example.com"]})");
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(Get("/admin/v1/policies/explain?account=acct1&name=www.example.com")["allowed"], true);
  EXPECT_EQ(LastAudit("policy.updated")["rules"]["allowed_domains"][0], "example.com");

  // Bad bodies are refused naming what is wrong; configured policies change only in the file.
  http::Response unknown = Send("PUT", "/admin/v1/policies/p2", admin_, R"({"allowed_domain":["a.example"]})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(Json(unknown)["detail"].get<std::string>().find("unknown field \"allowed_domain\""), std::string::npos);
  for (const std::string body : {"", "[]", "{not json", R"({"max_identifiers":"5"})", R"({"key_types":["dsa"]})"}) {
    EXPECT_EQ(Send("PUT", "/admin/v1/policies/p2", admin_, body).status, 400) << body;
  }
  EXPECT_EQ(Send("PUT", "/admin/v1/policies/bad%20name", admin_, "{}").status, 400);
  for (const std::string name : {"devices", "default"}) {
    http::Response configured = Send("PUT", "/admin/v1/policies/" + name, admin_, "{}");
    EXPECT_EQ(configured.status, 409) << name;
    EXPECT_NE(Json(configured)["detail"].get<std::string>().find("configuration file"), std::string::npos);
    EXPECT_EQ(Send("DELETE", "/admin/v1/policies/" + name, admin_).status, 409) << name;
  }

  // Deleting: refused while bound, then done once.
  EXPECT_EQ(Send("DELETE", "/admin/v1/policies/partners", operator_).status, 403);
  http::Response bound = Send("DELETE", "/admin/v1/policies/partners", admin_);
  EXPECT_EQ(bound.status, 409);
  EXPECT_NE(Json(bound)["detail"].get<std::string>().find("account acct1"), std::string::npos) << bound.body;
  ASSERT_EQ(Send("POST", "/admin/v1/accounts/acct1/policy", admin_, R"({"policy":""})").status, 200);
  http::Response deleted = Send("DELETE", "/admin/v1/policies/partners", admin_);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(Json(deleted)["deleted"], true);
  EXPECT_EQ(LastAudit("policy.deleted")["requester"], "admin:root");
  EXPECT_EQ(Send("DELETE", "/admin/v1/policies/partners", admin_).status, 404);
  EXPECT_EQ(Get("/admin/v1/policies")["policies"].size(), 2u);
}

}  // namespace
}  // namespace anvil::admin
