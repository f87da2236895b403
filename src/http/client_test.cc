#include "http/client.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "http/server.h"
#include "http/testing/https_receiver.h"

namespace anvil::http {
namespace {

class CurlClientTest : public ::testing::Test {
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

TEST_F(CurlClientTest, CapturesRepeatedHeaders) {
  auto client = http::NewCurlClient({});
  ASSERT_TRUE(client.ok());
  auto r = (*client)->Send("GET", base_ + "/links", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.GetAll("Link").size(), 2u);
  EXPECT_EQ(r->headers.Get("replay-nonce"), "abc");
  EXPECT_EQ(r->body, "ok");
}

TEST_F(CurlClientTest, PostsBodyWithHeadersAndHeadHasNoBody) {
  auto client = http::NewCurlClient({});
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

TEST_F(CurlClientTest, ResponseSizeIsCapped) {
  http::CurlClientOptions options;
  options.max_response_bytes = 1000;
  auto client = http::NewCurlClient(options);
  auto r = (*client)->Send("GET", base_ + "/big", {}, "");
  EXPECT_EQ(r.status().code(), Code::kIo);
  EXPECT_NE(r.status().message().find("larger than 1000 bytes"), std::string::npos);
}

TEST_F(CurlClientTest, TransportErrorsHaveCodes) {
  auto client = http::NewCurlClient({});
  std::string closed = base_;
  server_->Stop(std::chrono::seconds(0));
  EXPECT_EQ((*client)->Send("GET", closed + "/links", {}, "").status().code(), Code::kConnection);
  EXPECT_EQ((*client)->Send("GET", "gopher://x/", {}, "").status().code(), Code::kInvalidArgument);
  http::CurlClientOptions bad;
  bad.ca_bundle = "/nonexistent/bundle.pem";
  EXPECT_EQ(http::NewCurlClient(bad).status().code(), Code::kInvalidArgument);
}

// Concurrent callers (the RA's request threads asking one webhook) are not queued behind each other: each
// handler below waits until the other request has arrived too, which only happens when both are in flight.
TEST(CurlClient, ConcurrentRequestsAreInFlightTogether) {
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  http::ServerOptions options;
  options.listen.push_back({"127.0.0.1", 0});
  options.io_threads = 1;
  options.worker_threads = 2;
  auto server = http::Server::Start(std::move(options), [&](const http::Request&) {
    std::unique_lock lock(mu);
    ++arrived;
    cv.notify_all();
    bool met = cv.wait_for(lock, std::chrono::seconds(20), [&] { return arrived >= 2; });
    http::Response r;
    r.body = met ? "met" : "alone";
    return r;
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::string url = "http://127.0.0.1:" + std::to_string((*server)->ports()[0]) + "/";
  auto client = http::NewCurlClient({});
  ASSERT_TRUE(client.ok());
  std::string first, second;
  std::thread other([&] {
    auto r = (*client)->Send("GET", url, {}, "");
    first = r.ok() ? r->body : r.status().ToString();
  });
  auto r = (*client)->Send("GET", url, {}, "");
  second = r.ok() ? r->body : r.status().ToString();
  other.join();
  EXPECT_EQ(first, "met");
  EXPECT_EQ(second, "met");
}

TEST(CurlClient, HttpsIsVerifiedAndCaBundleIsHonoured) {
  testing::HttpsReceiver server;  // a self-signed certificate no system store knows
  server.SetAnswer([](const http::Request&) {
    http::Response r;
    r.body = "secure";
    return r;
  });
  auto untrusting = http::NewCurlClient({});
  EXPECT_EQ((*untrusting)->Send("GET", server.url(), {}, "").status().code(), Code::kTls);
  http::CurlClientOptions trusting;
  trusting.ca_bundle = server.ca_file();
  auto r = (*http::NewCurlClient(trusting))->Send("GET", server.url(), {}, "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "secure");
}

}  // namespace
}  // namespace anvil::http
