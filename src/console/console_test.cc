// The console's server side (console/console.h, admin/sessions.h): log-in with a token or a client certificate,
// the session cookie's attributes, the session standing for its credential (revoked → logged out), idle and
// absolute ends, CSRF and same-origin checks on every change made with a browser's ambient credential, log-out,
// the security headers and the embedded files. The browser itself is tests/browser/.
#include "console/console.h"

#include <gtest/gtest.h>

#include "admin/admin_test_fixture.h"
#include "console/assets.h"

namespace anvil::console {
namespace {

class ConsoleTest : public admin::testing::AdminApiTest {
 protected:
  ConsoleTest() : sessions_(clock_) {
    authenticator_->AcceptSessions(sessions_);
    console_ = std::make_unique<Console>(*authenticator_, sessions_, *ra_,
                                         ConsoleOptions{"https://ca.example:14000/directory"});
  }

  // A browser's request: Host 127.0.0.1:9443, the session cookie when given, no Authorization header.
  http::Request Browser(const std::string& method, const std::string& target, const std::string& cookie = "",
                        const std::string& body = "") {
    http::Request r = MakeRequest(method, target, body);
    r.headers.Add("Host", "127.0.0.1:9443");
    if (!cookie.empty()) r.headers.Add("Cookie", "theme=dark; anvil_console=" + cookie);
    if (!body.empty()) r.headers.Add("Content-Type", "application/x-www-form-urlencoded");
    return r;
  }

  // Everything the browser sends goes to the console or the API, as the admin listener dispatches.
  http::Response Dispatch(const http::Request& r) {
    return Console::Owns(r.path) ? console_->Handle(r) : api_->Handle(r);
  }

  // Logs in with `token` (or the certificate `der`) and returns the cookie value.
  std::string LogIn(const std::string& token, const std::string& der = "") {
    http::Request r = Browser("POST", "/console/login", "", der.empty() ? "token=" + token : "method=certificate");
    r.client_certificate_der = der;
    http::Response response = console_->Handle(r);
    EXPECT_EQ(response.status, 303) << response.body;
    const std::string cookie = response.headers.Get("Set-Cookie").value_or("");
    const std::string prefix = "anvil_console=";
    EXPECT_EQ(cookie.rfind(prefix, 0), 0u) << cookie;
    return cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
  }

  std::string CsrfOf(const std::string& cookie) {
    http::Response r = console_->Handle(Browser("GET", "/console/session", cookie));
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r).value("csrf_token", "");
  }

  admin::Sessions sessions_;
  std::unique_ptr<Console> console_;
};

TEST_F(ConsoleTest, AVisitorWithoutASessionIsSentToTheLogInPage) {
  http::Response page = console_->Handle(Browser("GET", "/console/"));
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(page.headers.Get("Location").value_or(""), "/console/login");
  EXPECT_EQ(console_->Handle(Browser("GET", "/console")).headers.Get("Location").value_or(""), "/console/");
  http::Response login = console_->Handle(Browser("GET", "/console/login"));
  EXPECT_EQ(login.status, 200);
  EXPECT_NE(login.body.find("<label for=\"token\">Admin token</label>"), std::string::npos);
  EXPECT_EQ(login.body.find("with your certificate"), std::string::npos);
  EXPECT_EQ(console_->Handle(Browser("GET", "/console/session")).status, 401);
  EXPECT_EQ(Dispatch(Browser("GET", "/admin/v1/certificates", "forged")).status, 401);
}

TEST_F(ConsoleTest, EveryResponseCarriesTheSecurityHeaders) {
  for (const char* target : {"/console/", "/console/login", "/console/session", "/console/assets/nope.js"}) {
    http::Response r = console_->Handle(Browser("GET", target));
    const std::string csp = r.headers.Get("Content-Security-Policy").value_or("");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << target;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << target;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << target;
    EXPECT_EQ(r.headers.Get("X-Frame-Options").value_or(""), "DENY") << target;
    EXPECT_EQ(r.headers.Get("X-Content-Type-Options").value_or(""), "nosniff") << target;
  }
}

TEST_F(ConsoleTest, ATokenLogsInWithAStrictCookieAndTheSessionActsAsThatCredential) {
  const std::string token = AddToken("olga", "operator");
  http::Response response = console_->Handle(Browser("POST", "/console/login", "", "token=" + token));
  ASSERT_EQ(response.status, 303) << response.body;
  EXPECT_EQ(response.headers.Get("Location").value_or(""), "/console/");
  const std::string cookie = response.headers.Get("Set-Cookie").value_or("");
  for (const char* attribute : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"}) {
    EXPECT_NE(cookie.find(attribute), std::string::npos) << cookie;
  }
  EXPECT_EQ(cookie.find(token), std::string::npos);
  EXPECT_EQ(LastAudit("admin.login")["outcome"], "ok");
  EXPECT_EQ(LastAudit("admin.login")["name"], "olga");

  const std::string session = LogIn(token);
  http::Response page = console_->Handle(Browser("GET", "/console/", session));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers.Get("Content-Type").value_or(""), "text/html; charset=utf-8");
  EXPECT_EQ(page.headers.Get("Cache-Control").value_or(""), "no-store");
  nlohmann::json me = Json(console_->Handle(Browser("GET", "/console/session", session)));
  EXPECT_EQ(me["name"], "olga");
  EXPECT_EQ(me["role"], "operator");
  EXPECT_EQ(me["credential"], "token");
  EXPECT_EQ(me["acme_directory"], "https://ca.example:14000/directory");
  EXPECT_EQ(me["csrf_token"].get<std::string>().size(), 43u);
  http::Response whoami = Dispatch(Browser("GET", "/admin/v1/whoami", session));
  EXPECT_EQ(whoami.status, 200);
  EXPECT_EQ(Json(whoami)["name"], "olga");
  EXPECT_EQ(LastAudit("admin.request")["caller"]["session"], true);
}

TEST_F(ConsoleTest, AWrongTokenIsRefusedWithTheReasonAndAudited) {
  http::Response r = console_->Handle(
      Browser("POST", "/console/login", "", "token=anvil_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers.Get("Set-Cookie"), std::nullopt);
  EXPECT_NE(r.body.find("role=\"alert\""), std::string::npos);
  EXPECT_NE(r.body.find("not recorded"), std::string::npos);
  EXPECT_EQ(LastAudit("admin.login")["outcome"], "refused");
  EXPECT_EQ(console_->Handle(Browser("POST", "/console/login", "", "token=")).status, 401);
  EXPECT_EQ(console_->Handle(Browser("POST", "/console/login", "", "token=%zz")).status, 400);
}

TEST_F(ConsoleTest, AClientCertificateOffersAndMakesALogIn) {
  const std::string der = AddCertificate("alice", "admin");
  http::Request form = Browser("GET", "/console/login");
  form.client_certificate_der = der;
  EXPECT_NE(console_->Handle(form).body.find("Log in as alice with your certificate"), std::string::npos);
  const std::string session = LogIn("", der);
  nlohmann::json me = Json(console_->Handle(Browser("GET", "/console/session", session)));
  EXPECT_EQ(me["name"], "alice");
  EXPECT_EQ(me["credential"], "certificate");
  // Without a certificate, method=certificate logs nobody in.
  EXPECT_EQ(console_->Handle(Browser("POST", "/console/login", "", "method=certificate")).status, 401);
  // A certificate of the CA that is no admin credential is offered nothing.
  http::Request stranger = Browser("GET", "/console/login");
  stranger.client_certificate_der = AddCertificate("mallory", "admin", /*record=*/false);
  EXPECT_EQ(console_->Handle(stranger).body.find("with your certificate"), std::string::npos);
}

TEST_F(ConsoleTest, AChangeNeedsTheSessionsCsrfTokenAndTheSameOrigin) {
  const std::string session = LogIn(AddToken("olga", "operator"));
  const std::string csrf = CsrfOf(session);
  http::Request create = Browser("POST", "/admin/v1/eab-keys", session);
  create.body = R"({"label":"laptops"})";
  http::Response refused = Dispatch(create);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(Json(refused)["detail"].get<std::string>().find("CSRF"), std::string::npos);
  EXPECT_EQ(LastAudit("admin.request")["outcome"], "refused");

  create.headers.Set("X-CSRF-Token", "not-" + csrf);
  EXPECT_EQ(Dispatch(create).status, 403);
  create.headers.Set("X-CSRF-Token", csrf);
  create.headers.Set("Origin", "https://evil.example");
  EXPECT_EQ(Dispatch(create).status, 403);
  create.headers.Set("Origin", "https://127.0.0.1:9443");
  create.headers.Set("Sec-Fetch-Site", "cross-site");
  EXPECT_EQ(Dispatch(create).status, 403);
  create.headers.Set("Sec-Fetch-Site", "same-origin");
  http::Response created = Dispatch(create);
  EXPECT_EQ(created.status, 201) << created.body;
  // Reads need no token.
  EXPECT_EQ(Dispatch(Browser("GET", "/admin/v1/eab-keys", session)).status, 200);
}

TEST_F(ConsoleTest, AViewersSessionIsRefusedAChangeEvenWithItsToken) {
  const std::string session = LogIn(AddToken("vera", "viewer"));
  http::Request revoke = Browser("POST", "/admin/v1/eab-keys", session);
  revoke.headers.Set("X-CSRF-Token", CsrfOf(session));
  http::Response r = Dispatch(revoke);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(Json(r)["detail"].get<std::string>().find("operator role is needed"), std::string::npos);
}

TEST_F(ConsoleTest, ACertificateWithoutSessionMayNotChangeAnythingCrossSite) {
  const std::string der = AddCertificate("alice", "operator");
  http::Request create = Browser("POST", "/admin/v1/eab-keys");
  create.client_certificate_der = der;
  create.headers.Set("Origin", "https://evil.example");
  EXPECT_EQ(Dispatch(create).status, 403);
  create.headers.Set("Origin", "https://127.0.0.1:9443");
  EXPECT_EQ(Dispatch(create).status, 201);
  create.headers.Remove("Origin");  // curl, a script: no browser, no ambient risk
  EXPECT_EQ(Dispatch(create).status, 201);
}

TEST_F(ConsoleTest, RevokingTheCredentialEndsItsSessions) {
  const std::string session = LogIn(AddToken("olga", "operator"));
  ASSERT_EQ(Dispatch(Browser("GET", "/admin/v1/whoami", session)).status, 200);
  ASSERT_TRUE(store_.RevokeAdminCredential("olga", clock_.Now(), Note("admin.credential.revoked", "olga")).ok());
  EXPECT_EQ(Dispatch(Browser("GET", "/admin/v1/whoami", session)).status, 401);
  EXPECT_EQ(console_->Handle(Browser("GET", "/console/", session)).status, 303);
}

TEST_F(ConsoleTest, SessionsEndWhenIdleAndAtTheirLifetime) {
  const std::string token = AddToken("olga", "operator");
  const std::string idle = LogIn(token);
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_EQ(Dispatch(Browser("GET", "/admin/v1/whoami", idle)).status, 200);
  clock_.Advance(std::chrono::minutes(31));
  EXPECT_EQ(Dispatch(Browser("GET", "/admin/v1/whoami", idle)).status, 401);

  const std::string busy = LogIn(token);
  for (int i = 0; i < 12 * 3; ++i) {
    clock_.Advance(std::chrono::minutes(20));
    const int expected = i < 12 * 3 - 1 ? 200 : 401;
    ASSERT_EQ(Dispatch(Browser("GET", "/admin/v1/whoami", busy)).status, expected) << i;
  }
}

TEST_F(ConsoleTest, LogOutNeedsTheCsrfTokenAndEndsTheSession) {
  const std::string session = LogIn(AddToken("olga", "operator"));
  const std::string csrf = CsrfOf(session);
  EXPECT_EQ(console_->Handle(Browser("POST", "/console/logout", session, "csrf_token=wrong")).status, 403);
  EXPECT_EQ(Dispatch(Browser("GET", "/admin/v1/whoami", session)).status, 200);
  http::Response out = console_->Handle(Browser("POST", "/console/logout", session, "csrf_token=" + csrf));
  EXPECT_EQ(out.status, 303);
  EXPECT_NE(out.headers.Get("Set-Cookie").value_or("").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Dispatch(Browser("GET", "/admin/v1/whoami", session)).status, 401);
  EXPECT_EQ(LastAudit("admin.logout")["name"], "olga");
}

TEST_F(ConsoleTest, ACrossOriginLogInIsRefused) {
  const std::string token = AddToken("olga", "operator");
  http::Request r = Browser("POST", "/console/login", "", "token=" + token);
  r.headers.Set("Origin", "https://evil.example");
  http::Response response = console_->Handle(r);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.headers.Get("Set-Cookie"), std::nullopt);
  // An opaque origin: refused, unless the browser vouches for the same origin (its own form post).
  r.headers.Set("Origin", "null");
  EXPECT_EQ(console_->Handle(r).status, 403);
  r.headers.Set("Sec-Fetch-Site", "cross-site");
  EXPECT_EQ(console_->Handle(r).status, 403);
  r.headers.Set("Sec-Fetch-Site", "same-origin");
  EXPECT_EQ(console_->Handle(r).status, 303);
}

TEST_F(ConsoleTest, AFailedAuditRecordFailsTheLogIn) {
  const std::string token = AddToken("olga", "operator");
  store_.fail_audit = true;
  http::Response r = console_->Handle(Browser("POST", "/console/login", "", "token=" + token));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.headers.Get("Set-Cookie"), std::nullopt);
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(ConsoleTest, QrCodesAreDrawnForASessionWithItsCsrfToken) {
  const std::string session = LogIn(AddToken("olga", "operator"));
  http::Request qr = Browser("POST", "/console/qr", session);
  qr.body = R"({"text":"anvil issue --eab-kid k --eab-hmac-key v"})";
  EXPECT_EQ(console_->Handle(qr).status, 403);
  qr.headers.Set("X-CSRF-Token", CsrfOf(session));
  http::Response svg = console_->Handle(qr);
  EXPECT_EQ(svg.status, 200);
  EXPECT_EQ(svg.headers.Get("Content-Type").value_or(""), "image/svg+xml");
  EXPECT_EQ(svg.body.rfind("<svg ", 0), 0u);
  qr.body = R"({"text":""})";
  EXPECT_EQ(console_->Handle(qr).status, 400);
  qr.body = "[]";
  EXPECT_EQ(console_->Handle(qr).status, 400);
  EXPECT_EQ(console_->Handle(Browser("POST", "/console/qr")).status, 401);
  EXPECT_EQ(console_->Handle(Browser("GET", "/console/qr", session)).status, 405);
}

TEST_F(ConsoleTest, EmbeddedFilesAreServedWithValidatorsAndNothingElseIs) {
  const std::vector<EmbeddedFile>& files = EmbeddedFiles();
  ASSERT_FALSE(files.empty());
  for (const EmbeddedFile& file : files) {
    http::Response r = console_->Handle(Browser("GET", "/console/assets/" + std::string(file.name)));
    EXPECT_EQ(r.status, 200) << file.name;
    EXPECT_EQ(r.body, file.bytes) << file.name;
    const std::string etag = r.headers.Get("ETag").value_or("");
    ASSERT_FALSE(etag.empty());
    http::Request again = Browser("GET", "/console/assets/" + std::string(file.name));
    again.headers.Add("If-None-Match", etag);
    EXPECT_EQ(console_->Handle(again).status, 304) << file.name;
  }
  EXPECT_EQ(FindAsset("app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(console_->Handle(Browser("GET", "/console/assets/../session")).status, 404);
  EXPECT_EQ(console_->Handle(Browser("GET", "/console/assets/missing.js")).status, 404);
  EXPECT_EQ(console_->Handle(Browser("POST", "/console/assets/app.js")).status, 405);
  EXPECT_EQ(console_->Handle(Browser("GET", "/console/nothing")).status, 404);
}

TEST(SessionsTest, TheOldestIdleSessionMakesRoomAtTheCap) {
  FakeClock clock(std::chrono::system_clock::now());
  admin::Sessions sessions(clock, admin::SessionOptions{std::chrono::minutes(30), std::chrono::hours(12), 2});
  admin::NewSession a = sessions.Open("a");
  clock.Advance(std::chrono::seconds(1));
  admin::NewSession b = sessions.Open("b");
  clock.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(sessions.Use(a.cookie_value));  // b is now the one idle longest
  admin::NewSession c = sessions.Open("c");
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_TRUE(sessions.Use(a.cookie_value));
  EXPECT_FALSE(sessions.Use(b.cookie_value));
  EXPECT_TRUE(sessions.Use(c.cookie_value));
  EXPECT_NE(a.record.csrf_token, c.record.csrf_token);
}

TEST(SessionsTest, CookieValuesAreFoundAmongOthers) {
  EXPECT_EQ(admin::CookieValue("a=1; anvil_console=xyz; b=2", "anvil_console"), "xyz");
  EXPECT_EQ(admin::CookieValue("anvil_console=\"q\"", "anvil_console"), "q");
  EXPECT_EQ(admin::CookieValue("xanvil_console=1", "anvil_console"), std::nullopt);
  EXPECT_EQ(admin::CookieValue("", "anvil_console"), std::nullopt);
}

}  // namespace
}  // namespace anvil::console
