// The admin API's request handling (admin/admin_api.h): authentication first (401), then the route (404, 405),
// the role (403), the handler, and an admin.request audit record naming the caller for every call, whose failure
// fails the call; and the OpenAPI document describing every route with its role.
#include "admin/admin_api.h"

#include <gtest/gtest.h>

#include <set>

#include "admin/admin_test_fixture.h"
#include "admin/openapi.h"

namespace anvil::admin {
namespace {

using testing::AdminApiTest;

void ExpectProblem(const http::Response& r, int status, const std::string& type) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.headers.Get("Content-Type").value_or(""), "application/problem+json");
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j["type"], "urn:anvil:admin:" + type);
  EXPECT_EQ(j["status"], status);
  EXPECT_TRUE(j["detail"].is_string());
}

TEST_F(AdminApiTest, NoCredentialsIs401WithAProblemAndIsAudited) {
  http::Response r = Send("GET", "/admin/v1/whoami", "");
  ExpectProblem(r, 401, "unauthenticated");
  EXPECT_EQ(r.headers.Get("WWW-Authenticate").value_or(""), "Bearer realm=\"anvil-ca admin\"");
  nlohmann::json audit = LastAudit("admin.request");
  EXPECT_TRUE(audit["caller"].is_null());
  EXPECT_EQ(audit["outcome"], "unauthenticated");
  EXPECT_EQ(audit["status"], 401);
  EXPECT_EQ(audit["path"], "/admin/v1/whoami");
}

TEST_F(AdminApiTest, AViewerIsRefusedARevocationWith403AndTheCertificateStaysValid) {
  const std::string serial = ImportCertificate("www.example.com");
  const std::string token = AddToken("ci", "viewer");
  http::Response r = Send("POST", "/admin/v1/certificates/" + serial + "/revoke", token, R"({"reason":"superseded"})");
  ExpectProblem(r, 403, "forbidden");
  EXPECT_NE(Json(r)["detail"].get<std::string>().find("operator"), std::string::npos);
  auto record = store_.GetCertificate(serial);
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->revoked_at.has_value());
  nlohmann::json audit = LastAudit("admin.request");
  EXPECT_EQ(audit["caller"]["name"], "ci");
  EXPECT_EQ(audit["caller"]["role"], "viewer");
  EXPECT_EQ(audit["caller"]["credential"], "token");
  EXPECT_EQ(audit["outcome"], "forbidden");
  EXPECT_EQ(audit["status"], 403);
}

TEST_F(AdminApiTest, RolesIncludeTheOnesBelowThem) {
  const std::string viewer = AddToken("v", "viewer"), op = AddToken("o", "operator"), admin = AddToken("a", "admin");
  EXPECT_EQ(Send("GET", "/admin/v1/eab-keys", viewer).status, 403);
  EXPECT_EQ(Send("GET", "/admin/v1/eab-keys", op).status, 200);
  EXPECT_EQ(Send("GET", "/admin/v1/eab-keys", admin).status, 200);
  EXPECT_EQ(Send("POST", "/admin/v1/ca/reload", op).status, 403);
  EXPECT_EQ(Send("POST", "/admin/v1/ca/reload", admin).status, 200);
  EXPECT_EQ(ca_operations_.reloads, 1);
  EXPECT_EQ(Send("GET", "/admin/v1/certificates", viewer).status, 200);
}

TEST_F(AdminApiTest, UnknownPathsMethodsAndQueryParametersAreProblems) {
  const std::string token = AddToken("ci", "admin");
  ExpectProblem(Send("GET", "/admin/v1/nothing", token), 404, "notFound");
  ExpectProblem(Send("GET", "/elsewhere", token), 404, "notFound");
  ExpectProblem(Send("DELETE", "/admin/v1/certificates", token), 405, "methodNotAllowed");
  ExpectProblem(Send("GET", "/admin/v1/certificates?colour=red", token), 400, "badRequest");
  ExpectProblem(Send("GET", "/admin/v1/certificates?limit=0", token), 400, "badRequest");
  ExpectProblem(Send("GET", "/admin/v1/certificates?name_contains=%zz", token), 400, "badRequest");
  ExpectProblem(Send("GET", "/admin/v1/certificates/xyz", token), 400, "badRequest");
  ExpectProblem(Send("GET", "/admin/v1/certificates/abcdef", token), 404, "notFound");
  EXPECT_EQ(LastAudit("admin.request")["outcome"], "error");
}

TEST_F(AdminApiTest, AnUnknownQueryParameterIsRefusedBeforeTheHandlerChangesAnything) {
  const std::string serial = ImportCertificate("www.example.com");
  const std::string token = AddToken("op", "operator");
  ExpectProblem(Send("POST", "/admin/v1/certificates/" + serial + "/revoke?force=1", token, R"({"reason":"superseded"})"),
                400, "badRequest");
  auto record = store_.GetCertificate(serial);
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->revoked_at.has_value());
}

TEST_F(AdminApiTest, ACallWhoseAuditRecordFailsFailsAndSendsNothing) {
  const std::string token = AddToken("ci", "viewer");
  store_.fail_audit = true;
  http::Response r = Send("GET", "/admin/v1/whoami", token);
  ExpectProblem(r, 500, "internal");
  EXPECT_EQ(r.body.find("\"ci\""), std::string::npos);  // the answer is withheld
  ExpectProblem(Send("GET", "/admin/v1/whoami", ""), 500, "internal");
}

TEST_F(AdminApiTest, EveryCallIsAuditedWithTheCaller) {
  const std::string der = AddCertificate("alice", "operator");
  http::Response r = Send("GET", "/admin/v1/whoami?", "", "", der);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r), (nlohmann::json{{"name", "alice"}, {"role", "operator"}, {"credential", "certificate"}}));
  nlohmann::json audit = LastAudit("admin.request");
  EXPECT_EQ(audit["caller"], (nlohmann::json{{"name", "alice"}, {"role", "operator"}, {"credential", "certificate"}}));
  EXPECT_EQ(audit["method"], "GET");
  EXPECT_EQ(audit["path"], "/admin/v1/whoami");
  EXPECT_EQ(audit["outcome"], "ok");
  EXPECT_EQ(audit["status"], 200);
  auto rows = store_.ListAuditForSubject("alice", 0, 100);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->back().kind, "admin.request");
}

TEST_F(AdminApiTest, EveryRouteIsDescribedInTheOpenApiDocumentWithItsRole) {
  const nlohmann::json& doc = OpenApiDocument();
  ASSERT_TRUE(doc.is_object()) << "src/admin/openapi.json does not parse";
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_EQ(doc["servers"][0]["url"], kPrefix);
  std::set<std::string> described;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) described.insert(method + " " + path);
  }
  std::set<std::string> routed;
  for (const Route& route : api_->routes()) {
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    routed.insert(method + " " + route.pattern);
    // (A const json's operator[] of a missing key is undefined: look first.)
    const nlohmann::json& paths = doc["paths"];
    ASSERT_TRUE(paths.contains(route.pattern) && paths[route.pattern].contains(method))
        << route.method << " " << route.pattern << " is not in openapi.json";
    const nlohmann::json& operation = paths[route.pattern][method];
    EXPECT_EQ(operation.value("x-anvil-role", ""), RoleName(route.role)) << route.method << " " << route.pattern;
    std::set<std::string> described_query, route_query(route.query.begin(), route.query.end());
    for (const nlohmann::json& parameter : operation.value("parameters", nlohmann::json::array())) {
      if (parameter.value("in", "") == "query") described_query.insert(parameter.value("name", ""));
    }
    EXPECT_EQ(described_query, route_query) << route.method << " " << route.pattern;
    ASSERT_TRUE(operation.contains("responses")) << route.pattern;
    for (const char* status : {"401", "403"}) {
      EXPECT_TRUE(operation["responses"].contains(status)) << route.pattern << " " << status;
    }
  }
  EXPECT_EQ(described, routed);
}

TEST_F(AdminApiTest, TheOpenApiDocumentIsServedToAViewer) {
  const std::string token = AddToken("ci", "viewer");
  http::Response r = Send("GET", "/admin/v1/openapi.json", token);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.Get("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(Json(r), OpenApiDocument());
}

}  // namespace
}  // namespace anvil::admin
