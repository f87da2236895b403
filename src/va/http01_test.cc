// http-01 (RFC 8555 §8.3) against an http::Server responder on loopback, names resolved by
// pebble-challtestsrv.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "crypto/certificate.h"
#include "http/server.h"
#include "va/va_test_fixture.h"

namespace anvil::va {
namespace {

using acme::ChallengeType;
using acme::IdentifierType;
using std::chrono::milliseconds;

constexpr char kToken[] = "tok_abc-123";
constexpr char kKeyAuthorization[] = "tok_abc-123.thumbprint";
constexpr char kChallengePath[] = "/.well-known/acme-challenge/tok_abc-123";

// An HTTP responder whose routes tests set; it records what it was asked.
class Responder {
 public:
  using Route = std::function<http::Response(const http::Request&)>;

  // Listens on `host`:`port` (0 = any free port); serves TLS when `tls` (a self-signed certificate).
  Status Start(const std::string& host = "127.0.0.1", uint16_t port = 0, bool tls = false) {
    http::ServerOptions options;
    options.listen = {{host, port}};
    if (tls) {
      auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
      if (!key.ok()) return key.status();
      crypto::CertificateTemplate t;
      t.serial = "\x01";
      t.not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
      t.not_after = std::chrono::system_clock::now() + std::chrono::hours(1);
      t.dns_names = {"not-the-name-asked-for.test"};  // unverified on purpose: the body is the proof
      auto cert = crypto::IssueCertificate(t, key->public_key(), nullptr, *key);
      if (!cert.ok()) return cert.status();
      options.tls_certificate_chain_pem = cert->ToPem();
      options.tls_private_key_pem = key->ToPem();
    }
    options.io_threads = 1;
    options.worker_threads = 4;
    auto server =
        http::Server::Start(std::move(options), [this](const http::Request& r) { return Handle(r); });
    if (!server.ok()) return server.status();
    server_ = std::move(server).value();
    return Status::Ok();
  }
  uint16_t port() const { return server_->ports().front(); }

  void Set(const std::string& path, Route route) {
    std::lock_guard<std::mutex> lock(mu_);
    routes_[path] = std::move(route);
  }
  void SetBody(const std::string& path, std::string body, int status = 200) {
    Set(path, [body, status](const http::Request&) { return http::Response{status, {}, body}; });
  }
  void SetRedirect(const std::string& path, std::string location, int status = 302) {
    Set(path, [location, status](const http::Request&) {
      http::Response r{status, {}, ""};
      r.headers.Set("Location", location);
      return r;
    });
  }
  std::vector<http::Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  http::Response Handle(const http::Request& request) {
    Route route;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      auto it = routes_.find(request.path);
      if (it != routes_.end()) route = it->second;
    }
    if (!route) return http::Response{404, {}, "not found"};
    return route(request);
  }

  mutable std::mutex mu_;
  std::map<std::string, Route> routes_;
  std::vector<http::Request> requests_;
  std::unique_ptr<http::Server> server_;
};

class Http01Test : public testing::ValidatorTest {
 protected:
  void SetUp() override {
    ValidatorTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Status s = responder_.Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    options_.http_port = responder_.port();
    options_.http_timeout = milliseconds(5000);
    options_.workers = 4;
  }

  ValidationResult Run(ValidationRequest request) { return RunOne(options_, std::move(request)); }
  ValidationResult RunName(const std::string& name) {
    return Run(Request(ChallengeType::kHttp01, IdentifierType::kDns, name, kToken, kKeyAuthorization));
  }
  std::string Url(const std::string& host) const {
    return "http://" + host + ":" + std::to_string(options_.http_port) + kChallengePath;
  }

  Responder responder_;
  ValidatorOptions options_;
};

TEST_F(Http01Test, ValidByName) {
  responder_.SetBody(kChallengePath, kKeyAuthorization);
  ValidationResult r = RunName("example.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].url, Url("example.test"));
  EXPECT_EQ(r.records[0].hostname, "example.test");
  EXPECT_EQ(r.records[0].port, std::to_string(options_.http_port));
  EXPECT_EQ(r.records[0].addresses_resolved, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(r.records[0].address_used, "127.0.0.1");
  auto requests = responder_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  // §8.3: the Host header is the domain name itself.
  EXPECT_EQ(requests[0].headers.Get("Host").value_or(""), "example.test");
}

TEST_F(Http01Test, ValidByIpv4Address) {
  responder_.SetBody(kChallengePath, kKeyAuthorization);
  ValidationResult r =
      Run(Request(ChallengeType::kHttp01, IdentifierType::kIp, "127.0.0.1", kToken, kKeyAuthorization));
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].url, Url("127.0.0.1"));
  EXPECT_EQ(r.records[0].addresses_resolved, std::vector<std::string>{"127.0.0.1"});
  auto requests = responder_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.Get("Host").value_or(""), "127.0.0.1");  // RFC 8738 §7
}

TEST_F(Http01Test, ValidByIpv6AddressWithBracketedHost) {
  Responder v6;
  Status s = v6.Start("::1");
  if (!s.ok()) GTEST_SKIP() << "no IPv6 loopback: " << s.ToString();
  v6.SetBody(kChallengePath, kKeyAuthorization);
  ValidatorOptions options = options_;
  options.http_port = v6.port();
  ValidationResult r =
      RunOne(options, Request(ChallengeType::kHttp01, IdentifierType::kIp, "::1", kToken, kKeyAuthorization));
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].url, "http://[::1]:" + std::to_string(v6.port()) + kChallengePath);
  ASSERT_EQ(v6.requests().size(), 1u);
  EXPECT_EQ(v6.requests()[0].headers.Get("Host").value_or(""), "[::1]");
}

TEST_F(Http01Test, PrefersIpv6AndFallsBackToIpv4WhenItRefuses) {
  // dual.test has ::1 (nothing listens there on this port) and 127.0.0.1 (the responder).
  ASSERT_TRUE(dns_->AddAaaa("dual.test", {"::1"}).ok());
  responder_.SetBody(kChallengePath, kKeyAuthorization);
  ValidationResult r = RunName("dual.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].addresses_resolved, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(r.records[0].addresses_tried, std::vector<std::string>{"::1"});
  EXPECT_EQ(r.records[0].address_used, "127.0.0.1");
}

TEST_F(Http01Test, TrailingWhitespaceInBodyIsTolerated) {
  responder_.SetBody(kChallengePath, std::string(kKeyAuthorization) + "\r\n \n");
  ValidationResult r = RunName("example.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
}

TEST_F(Http01Test, NotFoundIsUnauthorizedNamingUrlAndStatus) {
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kUnauthorized);
  EXPECT_EQ(r.status.message(), "Invalid response from " + Url("example.test") + ": 404");
}

TEST_F(Http01Test, WrongBodyIsIncorrectResponseQuotingWhatWasServed) {
  responder_.SetBody(kChallengePath, "<html>\x01" + std::string(100, 'x'));
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kIncorrectResponse);
  EXPECT_EQ(r.status.message(),
            "The key authorization file from the server did not match this challenge. Expected \"" +
                std::string(kKeyAuthorization) + "\" (got \"<html>\\x01" + std::string(57, 'x') + "\"...)");
}

TEST_F(Http01Test, LeadingWhitespaceIsNotTolerated) {
  responder_.SetBody(kChallengePath, std::string(" ") + kKeyAuthorization);
  EXPECT_EQ(RunName("example.test").status.code(), Code::kIncorrectResponse);
}

TEST_F(Http01Test, OversizedBodyIsIncorrectResponse) {
  responder_.SetBody(kChallengePath, std::string(kKeyAuthorization) + std::string(10000, ' '));
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kIncorrectResponse);
  EXPECT_EQ(r.status.message(),
            "Invalid response from " + Url("example.test") + ": body is larger than 8192 bytes");
}

TEST_F(Http01Test, RedirectToAllowedPortIsFollowedAndReResolved) {
  ASSERT_TRUE(dns_->AddA("other.test", {"127.0.0.1"}).ok());
  const std::string final_url = "http://other.test:" + std::to_string(options_.http_port) + "/final?x=1";
  responder_.SetRedirect(kChallengePath, final_url, 301);
  responder_.SetBody("/final", kKeyAuthorization);
  ValidationResult r = RunName("example.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].url, Url("example.test"));
  EXPECT_EQ(r.records[1].url, final_url);
  EXPECT_EQ(r.records[1].hostname, "other.test");
  auto requests = responder_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].target, "/final?x=1");
  EXPECT_EQ(requests[1].headers.Get("Host").value_or(""), "other.test:" + std::to_string(options_.http_port));
}

TEST_F(Http01Test, RedirectToHttpsIsFollowedWithoutCertificateCheck) {
  Responder https;
  ASSERT_TRUE(https.Start("127.0.0.1", 0, /*tls=*/true).ok());
  https.SetBody("/secure", kKeyAuthorization);
  options_.https_port = https.port();
  const std::string target = "https://secure.test:" + std::to_string(https.port()) + "/secure";
  responder_.SetRedirect(kChallengePath, target);
  ValidationResult r = RunName("example.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].url, target);
  ASSERT_EQ(https.requests().size(), 1u);
  EXPECT_TRUE(https.requests()[0].tls);
}

TEST_F(Http01Test, RelativeRedirectIsResolvedAgainstTheRequestUrl) {
  responder_.SetRedirect(kChallengePath, "/elsewhere", 307);
  responder_.SetBody("/elsewhere", kKeyAuthorization);
  ValidationResult r = RunName("example.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].url, "http://example.test:" + std::to_string(options_.http_port) + "/elsewhere");
}

TEST_F(Http01Test, RedirectToDisallowedPortIsRefused) {
  responder_.SetRedirect(kChallengePath, "http://example.test:1234/x");
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kConnection);
  EXPECT_EQ(r.status.message(), "Invalid port in redirect target: 1234 (allowed for http: 80, " +
                                    std::to_string(options_.http_port) + ")");
  EXPECT_EQ(responder_.requests().size(), 1u);
}

TEST_F(Http01Test, RedirectToOtherSchemeIsRefused) {
  responder_.SetRedirect(kChallengePath, "ftp://example.test/x");
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kConnection);
  EXPECT_EQ(
      r.status.message(),
      "Invalid protocol scheme in redirect target. Only \"http\" and \"https\" are supported, not \"ftp\"");
}

TEST_F(Http01Test, SeeOtherIsNotFollowed) {
  // Only 301, 302, 307 and 308 move the challenge file (as Boulder follows); 303 is any other status.
  responder_.SetRedirect(kChallengePath, "/elsewhere", 303);
  responder_.SetBody("/elsewhere", kKeyAuthorization);
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kUnauthorized);
  EXPECT_EQ(r.status.message(), "Invalid response from " + Url("example.test") + ": 303");
  EXPECT_EQ(responder_.requests().size(), 1u);
}

TEST_F(Http01Test, RedirectToAnOverlongUrlIsRefusedUnfollowed) {
  const std::string target = "http://example.test/" + std::string(2000, 'a');
  responder_.SetRedirect(kChallengePath, target, 302);
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kConnection);
  EXPECT_EQ(r.status.message().rfind("Redirect target is longer than 2000 octets: \"http://example.test/aaa", 0), 0u)
      << r.status.message();
  EXPECT_EQ(responder_.requests().size(), 1u);
}

TEST_F(Http01Test, RedirectWithUserinfoIsRefused) {
  responder_.SetRedirect(kChallengePath, "http://user:pw@example.test/x", 308);
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kConnection);
  EXPECT_EQ(r.status.message(), "Invalid redirect target: userinfo is not allowed");
  EXPECT_EQ(responder_.requests().size(), 1u);
}

TEST_F(Http01Test, RedirectLoopStopsAfterTenRedirects) {
  responder_.SetRedirect(kChallengePath, Url("example.test"));
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kConnection);
  EXPECT_EQ(r.status.message(), "Too many redirects (more than 10) starting at " + Url("example.test"));
  EXPECT_EQ(r.records.size(), 11u);
  EXPECT_EQ(responder_.requests().size(), 11u);  // the original request and ten redirects
}

TEST_F(Http01Test, RedirectToNameWithoutAddressesIsDnsProblem) {
  ASSERT_TRUE(dns_->SetServfail("gone.test").ok());
  responder_.SetRedirect(kChallengePath, "http://gone.test:" + std::to_string(options_.http_port) + "/x");
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kDns);
  EXPECT_EQ(r.status.message(), "DNS problem: SERVFAIL looking up A for gone.test");
  EXPECT_EQ(r.records.size(), 2u);
}

TEST_F(Http01Test, NameWithoutAddressesIsDnsProblem) {
  ASSERT_TRUE(dns_->SetServfail("broken.test").ok());
  ValidationResult r = RunName("broken.test");
  EXPECT_EQ(r.status.code(), Code::kDns);
  EXPECT_EQ(r.status.message(), "DNS problem: SERVFAIL looking up A for broken.test");
  EXPECT_EQ(responder_.requests().size(), 0u);
}

TEST_F(Http01Test, ConnectionRefusedIsConnectionProblem) {
  auto port = testing::FreePort();
  ASSERT_TRUE(port.ok());
  options_.http_port = *port;
  ValidationResult r = RunName("example.test");
  EXPECT_EQ(r.status.code(), Code::kConnection);
  EXPECT_EQ(r.status.message(), "Fetching " + Url("example.test") + ": Connection refused");
}

TEST_F(Http01Test, TokenOutsideBase64UrlIsMalformed) {
  for (const char* token : {"../../etc/passwd", "a?b", "a b", "a%2f"}) {
    ValidationResult r = Run(Request(ChallengeType::kHttp01, IdentifierType::kDns, "example.test", token,
                                     std::string(token) + ".thumbprint"));
    EXPECT_EQ(r.status.code(), Code::kMalformed) << token;
  }
  EXPECT_TRUE(responder_.requests().empty());
}

TEST_F(Http01Test, WildcardIsMalformed) {
  ValidationResult r = RunName("*.example.test");
  EXPECT_EQ(r.status.code(), Code::kMalformed);
}

// A target that accepts and never answers costs only its timeout, and does not hold up a validation started
// after it: the second one completes first.
TEST_F(Http01Test, SilentTargetTimesOutWithoutBlockingOthers) {
  auto silent = testing::SilentTcpServer::Start("127.0.0.1");
  ASSERT_TRUE(silent.ok()) << silent.status().ToString();
  Responder v6;
  if (!v6.Start("::1", (*silent)->port()).ok())
    GTEST_SKIP() << "::1 port " << (*silent)->port() << " unavailable";
  v6.SetBody(kChallengePath, kKeyAuthorization);

  ValidatorOptions options = options_;
  options.http_port = (*silent)->port();
  options.http_timeout = milliseconds(1500);
  options.workers = 2;
  auto validator = NewValidator(options, resolver_);
  const auto start = std::chrono::steady_clock::now();
  auto slow = Start(*validator, Request(ChallengeType::kHttp01, IdentifierType::kDns, "slow.test", kToken,
                                        kKeyAuthorization));
  ASSERT_EQ((*silent)->first_accept().wait_for(kBound), std::future_status::ready);
  auto fast = Start(*validator,
                    Request(ChallengeType::kHttp01, IdentifierType::kIp, "::1", kToken, kKeyAuthorization));
  ASSERT_EQ(fast.wait_for(kBound), std::future_status::ready);
  EXPECT_NE(slow.wait_for(milliseconds(0)), std::future_status::ready) << "the slow one finished first";
  ValidationResult fast_result = fast.get();
  EXPECT_TRUE(fast_result.status.ok()) << fast_result.status.ToString();

  ASSERT_EQ(slow.wait_for(kBound), std::future_status::ready);
  const auto took = std::chrono::steady_clock::now() - start;
  ValidationResult slow_result = slow.get();
  EXPECT_EQ(slow_result.status.code(), Code::kConnection);
  EXPECT_EQ(slow_result.status.message(),
            "Fetching http://slow.test:" + std::to_string(options.http_port) + kChallengePath +
                ": Timeout after connect (your server may be slow or overloaded)");
  EXPECT_GE(took, milliseconds(1400));
  EXPECT_LT(took, milliseconds(4000));
}

}  // namespace
}  // namespace anvil::va
