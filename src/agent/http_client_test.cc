#include "agent/http_client.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "crypto/certificate.h"
#include "http/server.h"
#include "support/temp_dir.h"

namespace anvil::agent {
namespace {

class AgentCurlHttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::ServerOptions options;
    options.listen.push_back({"127.0.0.1", 0});
    options.io_threads = 1;
    options.worker_threads = 1;
    auto server = http::Server::Start(std::move(options), [](const http::Request& r) {
      http::Response resp;
      if (r.path == "/links") {
        resp.headers.Add("Link", "<https://ca.test/a>;rel=\"alternate\"");
        resp.headers.Add("Link", "<https://ca.test/b>;rel=\"alternate\"");
        resp.headers.Set("Replay-Nonce", "abc");
        resp.body = "ok";
      } else if (r.path == "/big") {
        resp.body = std::string(100000, 'x');
      } else if (r.path == "/echo") {
        resp.status = 201;
        resp.body = r.method + " " + r.headers.Get("Content-Type").value_or("") + " " + r.body;
      } else {
        resp.status = 404;
      }
      return resp;
    });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    base_ = "http://127.0.0.1:" + std::to_string(server_->ports()[0]);
  }
  std::unique_ptr<http::Server> server_;
  std::string base_;
};

TEST_F(AgentCurlHttpClientTest, CapturesRepeatedHeaders) {
  auto client = NewCurlHttpClient({});
  ASSERT_TRUE(client.ok());
  auto r = (*client)->Send("GET", base_ + "/links", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.GetAll("Link").size(), 2u);
  EXPECT_EQ(r->headers.Get("replay-nonce"), "abc");
  EXPECT_EQ(r->body, "ok");
}

TEST_F(AgentCurlHttpClientTest, PostsBodyWithHeadersAndHeadHasNoBody) {
  auto client = NewCurlHttpClient({});
  http::Headers h;
  h.Set("Content-Type", "application/jose+json");
  auto r = (*client)->Send("POST", base_ + "/echo", h, "{\"a\":1}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "POST application/jose+json {\"a\":1}");
  auto head = (*client)->Send("HEAD", base_ + "/links", {}, "");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->headers.Get("Replay-Nonce"), "abc");
}

TEST_F(AgentCurlHttpClientTest, ResponseSizeIsCapped) {
  CurlHttpClientOptions options;
  options.max_response_bytes = 1000;
  auto client = NewCurlHttpClient(options);
  auto r = (*client)->Send("GET", base_ + "/big", {}, "");
  EXPECT_EQ(r.status().code(), Code::kIo);
  EXPECT_NE(r.status().message().find("larger than 1000 bytes"), std::string::npos);
}

TEST_F(AgentCurlHttpClientTest, TransportErrorsHaveCodes) {
  auto client = NewCurlHttpClient({});
  std::string closed = base_;
  server_->Stop(std::chrono::seconds(0));
  EXPECT_EQ((*client)->Send("GET", closed + "/links", {}, "").status().code(), Code::kConnection);
  EXPECT_EQ((*client)->Send("GET", "gopher://x/", {}, "").status().code(), Code::kInvalidArgument);
  CurlHttpClientOptions bad;
  bad.ca_bundle = "/nonexistent/bundle.pem";
  EXPECT_EQ(NewCurlHttpClient(bad).status().code(), Code::kInvalidArgument);
}

TEST(AgentCurlHttpClient, HttpsIsVerifiedAndCaBundleIsHonoured) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  crypto::CertificateTemplate t;
  t.serial = "\x42";
  t.subject.common_name = "localhost";
  t.not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
  t.not_after = std::chrono::system_clock::now() + std::chrono::hours(1);
  t.ip_addresses = {"127.0.0.1"};
  t.is_ca = true;
  t.key_cert_sign = true;
  auto cert = crypto::IssueCertificate(t, key->public_key(), nullptr, *key);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  http::ServerOptions options;
  options.listen.push_back({"127.0.0.1", 0});
  options.io_threads = 1;
  options.worker_threads = 1;
  options.tls_certificate_chain_pem = cert->ToPem();
  options.tls_private_key_pem = key->ToPem();
  auto server = http::Server::Start(std::move(options), [](const http::Request&) {
    http::Response r;
    r.body = "secure";
    return r;
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::string url = "https://127.0.0.1:" + std::to_string((*server)->ports()[0]) + "/";
  auto untrusting = NewCurlHttpClient({});
  EXPECT_EQ((*untrusting)->Send("GET", url, {}, "").status().code(), Code::kTls);
  anvil::testing::TempDir tmp;
  ASSERT_TRUE(WriteFileAtomic(tmp.path() + "/ca.pem", cert->ToPem(), 0644).ok());
  CurlHttpClientOptions trusting;
  trusting.ca_bundle = tmp.path() + "/ca.pem";
  auto r = (*NewCurlHttpClient(trusting))->Send("GET", url, {}, "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "secure");
}

}  // namespace
}  // namespace anvil::agent
