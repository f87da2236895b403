// Tests of http::Server and ProbeTls over real loopback sockets (127.0.0.1, and ::1 when the host has it),
// with libcurl as the well-behaved client and raw sockets as the hostile one.
#include "http/server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <future>
#include <stdexcept>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/fiber.h"
#include "http/signals.h"
#include "http/tls_probe.h"
#include "support/loopback.h"

namespace anvil::http {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// ANVIL_TEST_DEBUG=1 shows the server's transport logs.
const bool kDebugLogs = [] {
  if (std::getenv("ANVIL_TEST_DEBUG") != nullptr) spdlog::set_level(spdlog::level::debug);
  return true;
}();

// ---------------------------------------------------------------------------------------------------------------
// Certificates: throwaway self-signed P-256 certificates for 127.0.0.1, ::1 and localhost.

struct TestCert {
  std::string chain_pem;
  std::string key_pem;
  std::string der;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

TestCert MakeCert(const std::string& common_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  static std::atomic<long> serial{1};
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, key, EVP_sha256());

  TestCert out;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  out.chain_pem = BioText(bio);
  BIO_free(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = BioText(bio);
  BIO_free(bio);
  int len = i2d_X509(x, nullptr);
  out.der.resize(static_cast<size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(out.der.data());
  i2d_X509(x, &p);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

const TestCert& CertA() {
  static const TestCert cert = MakeCert("anvil test A");
  return cert;
}
const TestCert& CertB() {
  static const TestCert cert = MakeCert("anvil test B");
  return cert;
}

// ---------------------------------------------------------------------------------------------------------------
// libcurl client.

struct CurlResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::string headers;  // Raw header block(s).
  long http_version = 0;
  long new_connections = 0;
  long local_port = 0;
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

class CurlClient {
 public:
  CurlClient() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
    curl_ = curl_easy_init();
  }
  ~CurlClient() { curl_easy_cleanup(curl_); }
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  // Trust `pem` for HTTPS.
  void TrustPem(const std::string& pem) { ca_pem_ = pem; }
  // Present this certificate and key (TLS client authentication).
  void PresentCertificate(const TestCert& cert) { client_ = cert; }

  CurlResult Fetch(const std::string& url, const std::string& method = "GET", const std::string& body = "",
                   const std::vector<std::string>& headers = {}) {
    CurlResult r;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_NOBODY, method == "HEAD" ? 1L : 0L);
    bool standard = method == "HEAD" || method == "GET" || method == "POST";
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, standard ? nullptr : method.c_str());
    if (method == "GET") curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    if (!body.empty()) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_slist* list = nullptr;
    for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_blob blob{ca_pem_.data(), ca_pem_.size(), CURL_BLOB_COPY};
    if (!ca_pem_.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO_BLOB, &blob);
    curl_blob cert_blob{client_.chain_pem.data(), client_.chain_pem.size(), CURL_BLOB_COPY};
    curl_blob key_blob{client_.key_pem.data(), client_.key_pem.size(), CURL_BLOB_COPY};
    if (!client_.chain_pem.empty()) {
      curl_easy_setopt(curl_, CURLOPT_SSLCERT_BLOB, &cert_blob);
      curl_easy_setopt(curl_, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(curl_, CURLOPT_SSLKEY_BLOB, &key_blob);
      curl_easy_setopt(curl_, CURLOPT_SSLKEYTYPE, "PEM");
    }
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, Append);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r.headers);
    r.code = curl_easy_perform(curl_);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(curl_, CURLINFO_HTTP_VERSION, &r.http_version);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &r.new_connections);
    curl_easy_getinfo(curl_, CURLINFO_LOCAL_PORT, &r.local_port);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(list);
    return r;
  }

 private:
  CURL* curl_;
  std::string ca_pem_;
  TestCert client_;
};

CurlResult Fetch(const std::string& url, const std::string& method = "GET", const std::string& body = "",
                 const std::vector<std::string>& headers = {}) {
  CurlClient client;
  return client.Fetch(url, method, body, headers);
}

// ---------------------------------------------------------------------------------------------------------------
// Raw sockets, for what a well-behaved client never sends.

bool HasIpv6Loopback() {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

class RawClient {
 public:
  explicit RawClient(uint16_t port, int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  bool closed() const { return closed_; }

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads until the server closes the connection (or resets it), or until `timeout`.
  std::string ReadUntilClosed(std::chrono::milliseconds timeout = 5000ms) {
    auto deadline = SteadyClock::now() + timeout;
    while (!closed_ && ReadSome(deadline)) {
    }
    return std::exchange(buffer_, "");
  }

  // Reads one response (headers and a Content-Length body); "" on timeout or close before it is complete.
  // `head`: the response to a HEAD request has no body whatever Content-Length says.
  std::string ReadResponse(bool head = false, std::chrono::milliseconds timeout = 5000ms) {
    auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        std::string lower = buffer_.substr(0, end);
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (size_t cl = lower.find("\r\ncontent-length:"); cl != std::string::npos && !head) {
          length = std::stoul(lower.substr(cl + 17));
        }
        if (buffer_.size() >= end + 4 + length) {
          std::string response = buffer_.substr(0, end + 4 + length);
          buffer_.erase(0, end + 4 + length);
          return response;
        }
      }
      if (closed_ || !ReadSome(deadline)) return "";
    }
  }

 private:
  bool ReadSome(SteadyClock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;  // EOF or reset.
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

// True once `condition` holds, polling every 10 ms for at most `timeout`.
template <class F>
bool WaitUntil(F condition, std::chrono::milliseconds timeout = 5000ms) {
  auto deadline = SteadyClock::now() + timeout;
  while (!condition()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

bool CanConnect(uint16_t port) {
  RawClient c(port);
  return c.connected();
}

// ---------------------------------------------------------------------------------------------------------------
// Servers.

ServerOptions LocalOptions() {
  ServerOptions o;
  o.listen = {{"127.0.0.1", 0}};
  o.io_threads = 2;
  o.worker_threads = 4;
  return o;
}

ServerOptions TlsOptions(const TestCert& cert = CertA()) {
  ServerOptions o = LocalOptions();
  o.tls_certificate_chain_pem = cert.chain_pem;
  o.tls_private_key_pem = cert.key_pem;
  return o;
}

std::unique_ptr<Server> MustStart(ServerOptions options, Handler handler) {
  auto server = Server::Start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

// Echoes the request as "name=value" lines.
Response Echo(const Request& r) {
  Response res;
  res.headers.Add("Content-Type", "text/plain");
  res.headers.Add("X-Echo", "1");
  res.headers.Add("x-echo", "2");
  res.body = "method=" + r.method + "\ntarget=" + r.target + "\npath=" + r.path + "\nquery=" + r.query +
             "\nbody=" + r.body + "\nremote=" + r.remote_address + "\nhost=" + r.host +
             "\ntls=" + (r.tls ? "1" : "0") + "\nx-test=" + r.headers.Get("x-test").value_or("") + "\n";
  return res;
}

std::string Url(const Server& s, const std::string& path = "/", bool tls = false) {
  return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(s.ports()[0]) + path;
}

// ---------------------------------------------------------------------------------------------------------------

TEST(HttpServer, PlainRoundTripCarriesRequestAndResponse) {
  auto server = MustStart(LocalOptions(), Echo);
  ASSERT_TRUE(server);
  CurlResult r = Fetch(Url(*server, "/acme/order/abc?cursor=2"), "POST", "{\"a\":1}", {"X-Test: yes"});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      "method=POST\ntarget=/acme/order/abc?cursor=2\npath=/acme/order/abc\nquery=cursor=2\nbody={\"a\":1}\n"
      "remote=127.0.0.1\nhost=127.0.0.1\ntls=0\nx-test=yes\n");
  EXPECT_NE(r.headers.find("X-Echo: 1\r\n"), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("x-echo: 2\r\n"), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("Content-Length: " + std::to_string(r.body.size())), std::string::npos);
  EXPECT_NE(r.headers.find("Date: "), std::string::npos);
}

TEST(HttpServer, HttpsRoundTripVerifiesWithCurlAndNegotiatesHttp11) {
  ServerOptions options = TlsOptions();
  options.alpn_protocols = {"http/1.1"};
  auto server = MustStart(options, Echo);
  ASSERT_TRUE(server);
  CurlClient client;
  client.TrustPem(CertA().chain_pem);
  CurlResult r = client.Fetch(Url(*server, "/dir?q", true));
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.http_version, CURL_HTTP_VERSION_1_1);
  EXPECT_NE(r.body.find("path=/dir\nquery=q\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("tls=1\n"), std::string::npos);
  // The same server refuses a client that trusts another certificate.
  CurlClient stranger;
  stranger.TrustPem(CertB().chain_pem);
  EXPECT_NE(stranger.Fetch(Url(*server, "/", true)).code, CURLE_OK);
}

TEST(HttpServer, ClientCertificateThatVerifiesReachesTheHandlerAndOthersFailTheHandshake) {
  ServerOptions options = TlsOptions();
  options.client_ca_pem = CertB().chain_pem;  // client certificates must chain to B
  auto server = MustStart(options, [](const Request& r) {
    Response res;
    res.body = r.client_certificate_der.empty() ? "none" : r.client_certificate_der;
    return res;
  });
  ASSERT_TRUE(server);
  CurlClient with_b;
  with_b.TrustPem(CertA().chain_pem);
  with_b.PresentCertificate(CertB());
  CurlResult r = with_b.Fetch(Url(*server, "/", true));
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.body, CertB().der);
  // No certificate: served (the handler decides); an untrusted one: the handshake fails.
  CurlClient without;
  without.TrustPem(CertA().chain_pem);
  CurlResult none = without.Fetch(Url(*server, "/", true));
  ASSERT_EQ(none.code, CURLE_OK) << curl_easy_strerror(none.code);
  EXPECT_EQ(none.body, "none");
  CurlClient with_a;
  with_a.TrustPem(CertA().chain_pem);
  with_a.PresentCertificate(CertA());
  EXPECT_NE(with_a.Fetch(Url(*server, "/", true)).code, CURLE_OK);
  // Client CA text without a certificate is refused at start.
  ServerOptions bad = TlsOptions();
  bad.client_ca_pem = "not a certificate";
  EXPECT_EQ(Server::Start(bad, Echo).status().code(), Code::kInvalidArgument);
}

TEST(HttpServer, KeepAliveReusesTheConnection) {
  auto server = MustStart(LocalOptions(), Echo);
  ASSERT_TRUE(server);
  CurlClient client;
  CurlResult first = client.Fetch(Url(*server, "/1"));
  ASSERT_EQ(first.code, CURLE_OK);
  EXPECT_EQ(first.new_connections, 1);
  for (const char* path : {"/2", "/3", "/4"}) {
    CurlResult next = client.Fetch(Url(*server, path), "POST", "x");
    ASSERT_EQ(next.code, CURLE_OK);
    EXPECT_EQ(next.status, 200);
    EXPECT_EQ(next.new_connections, 0) << path;
    EXPECT_EQ(next.local_port, first.local_port);
  }
}

TEST(HttpServer, KeepAliveOverTls) {
  auto server = MustStart(TlsOptions(), Echo);
  ASSERT_TRUE(server);
  CurlClient client;
  client.TrustPem(CertA().chain_pem);
  ASSERT_EQ(client.Fetch(Url(*server, "/1", true)).code, CURLE_OK);
  CurlResult second = client.Fetch(Url(*server, "/2", true));
  ASSERT_EQ(second.code, CURLE_OK);
  EXPECT_EQ(second.new_connections, 0);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  auto server = MustStart(LocalOptions(), [](const Request& r) { return Response{200, {}, r.path}; });
  ASSERT_TRUE(server);
  RawClient c(server->ports()[0]);
  c.Send("GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string first = c.ReadResponse();
  std::string second = c.ReadResponse();
  EXPECT_TRUE(first.ends_with("\r\n\r\n/first")) << first;
  EXPECT_TRUE(second.ends_with("\r\n\r\n/second")) << second;
}

TEST(HttpServer, HeadKeepsContentLengthAndSendsNoBody) {
  auto server = MustStart(LocalOptions(), [](const Request&) { return Response{200, {}, "hello world"}; });
  ASSERT_TRUE(server);
  RawClient c(server->ports()[0]);
  c.Send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  std::string head = c.ReadResponse(/*head=*/true);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("Content-Length: 11\r\n"), std::string::npos) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
  // The next response starts right after the HEAD response's headers: no body bytes came in between.
  std::string rest = c.ReadUntilClosed();
  EXPECT_TRUE(rest.starts_with("HTTP/1.1 200 OK\r\n")) << rest;
  EXPECT_TRUE(rest.ends_with("\r\n\r\nhello world")) << rest;
  EXPECT_NE(rest.find("Connection: close\r\n"), std::string::npos) << rest;
  // And curl agrees.
  CurlResult r = Fetch(Url(*server), "HEAD");
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.body, "");
  EXPECT_NE(r.headers.find("Content-Length: 11"), std::string::npos);
}

TEST(HttpServer, ChunkedRequestBodyIsDecoded) {
  auto server = MustStart(LocalOptions(), [](const Request& r) { return Response{200, {}, r.body}; });
  ASSERT_TRUE(server);
  RawClient c(server->ports()[0]);
  c.Send(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
      "world\r\n0\r\n\r\n");
  std::string r = c.ReadResponse();
  EXPECT_TRUE(r.ends_with("\r\n\r\nhello world")) << r;
}

TEST(HttpServer, ExpectContinueGetsInterimResponse) {
  auto server = MustStart(LocalOptions(), [](const Request& r) { return Response{201, {}, r.body}; });
  ASSERT_TRUE(server);
  RawClient c(server->ports()[0]);
  c.Send("PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(c.ReadResponse(), "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("hello");
  std::string r = c.ReadResponse();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 201 Created\r\n")) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\nhello")) << r;
}

TEST(HttpServer, OversizedBodyGets413AndClose) {
  ServerOptions options = LocalOptions();
  options.max_body_bytes = 1024;
  std::atomic<int> calls{0};
  auto server = MustStart(options, [&](const Request&) {
    ++calls;
    return Response{};
  });
  ASSERT_TRUE(server);
  {
    RawClient c(server->ports()[0]);
    c.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + std::string(4096, 'x'));
    std::string r = c.ReadUntilClosed();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 413 ")) << r;
    EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos) << r;
    EXPECT_TRUE(c.closed());
  }
  {
    RawClient c(server->ports()[0]);
    c.Send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; ++i) c.Send("200\r\n" + std::string(512, 'y') + "\r\n");
    std::string r = c.ReadUntilClosed();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 413 ")) << r;
    EXPECT_TRUE(c.closed());
  }
  // Exactly at the limit is fine.
  CurlResult ok = Fetch(Url(*server), "POST", std::string(1024, 'z'));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServer, OversizedHeadersGet431AndClose) {
  ServerOptions options = LocalOptions();
  options.max_header_bytes = 1024;
  auto server = MustStart(options, Echo);
  ASSERT_TRUE(server);
  RawClient c(server->ports()[0]);
  c.Send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(2048, 'h') + "\r\n\r\n");
  std::string r = c.ReadUntilClosed();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 431 ")) << r;
  EXPECT_TRUE(c.closed());
}

// What the server refuses itself goes through refusal_response when one is set (the ACME server's problem
// documents); a callback that answers another status is ignored for the plain text.
TEST(HttpServer, RefusalsGoThroughTheRefusalResponse) {
  ServerOptions options = LocalOptions();
  options.max_body_bytes = 64;
  options.max_header_bytes = 1024;
  options.refusal_response = [](int status, const std::string& detail) {
    Response r;
    r.status = status;
    r.headers.Set("Content-Type", "application/problem+json");
    r.body = "{\"status\":" + std::to_string(status) + ",\"detail\":\"" + detail + "\"}";
    return r;
  };
  auto server = MustStart(options, [](const Request&) -> Response { throw std::runtime_error("handler bug"); });
  ASSERT_TRUE(server);
  auto refusal = [&](const std::string& request) {
    RawClient c(server->ports()[0]);
    c.Send(request);
    return c.ReadUntilClosed();
  };
  std::string too_large = refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'));
  EXPECT_TRUE(too_large.starts_with("HTTP/1.1 413 ")) << too_large;
  EXPECT_NE(too_large.find("Content-Type: application/problem+json"), std::string::npos) << too_large;
  EXPECT_TRUE(too_large.ends_with(R"({"status":413,"detail":"Content Too Large"})")) << too_large;
  std::string big_headers = refusal("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(2048, 'h') + "\r\n\r\n");
  EXPECT_TRUE(big_headers.ends_with(R"({"status":431,"detail":"Request Header Fields Too Large"})")) << big_headers;
  CurlResult threw = Fetch(Url(*server), "GET", "");
  EXPECT_EQ(threw.status, 500);
  EXPECT_EQ(threw.body, R"({"status":500,"detail":"Internal Server Error"})");
}

TEST(HttpServer, GarbageGets400AndClose) {
  auto server = MustStart(LocalOptions(), Echo);
  ASSERT_TRUE(server);
  for (std::string garbage :
       {std::string("\x01\x02\x03 nonsense\r\n\r\n"), std::string("GET / HTTP/9\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n")}) {
    RawClient c(server->ports()[0]);
    c.Send(garbage);
    std::string r = c.ReadUntilClosed();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 400 ")) << r;
    EXPECT_TRUE(c.closed());
  }
}

TEST(HttpServer, RequestsViolatingHostRulesGet400) {
  auto server = MustStart(LocalOptions(), Echo);
  ASSERT_TRUE(server);
  for (const char* request :
       {"GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "GET nopath HTTP/1.1\r\nHost: a\r\n\r\n"}) {
    RawClient c(server->ports()[0]);
    c.Send(request);
    std::string r = c.ReadUntilClosed();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 400 ")) << request << " → " << r;
  }
  // HTTP/1.0 needs no Host, and the connection closes after the response.
  RawClient c(server->ports()[0]);
  c.Send("GET /old HTTP/1.0\r\n\r\n");
  std::string r = c.ReadUntilClosed();
  EXPECT_TRUE(r.starts_with("HTTP/1.0 200 OK\r\n")) << r;
  EXPECT_TRUE(c.closed());
  // An absolute-form target's authority wins over Host (RFC 9112 §3.2.2).
  RawClient d(server->ports()[0]);
  d.Send("GET http://Example.org:99/p?q=1 HTTP/1.1\r\nHost: other\r\n\r\n");
  r = d.ReadResponse();
  EXPECT_NE(r.find("path=/p\nquery=q=1\n"), std::string::npos) << r;
  EXPECT_NE(r.find("host=example.org\n"), std::string::npos) << r;
}

TEST(HttpServer, AmbiguousBodyFramingGets400) {
  std::atomic<int> calls{0};
  auto server = MustStart(LocalOptions(), [&](const Request&) {
    ++calls;
    return Response{};
  });
  ASSERT_TRUE(server);
  for (const char* request : {
           "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nxxxxx",
           "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nxxxxxx",
       }) {
    RawClient c(server->ports()[0]);
    c.Send(request);
    std::string r = c.ReadUntilClosed();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 400 ")) << request << " → " << r;
  }
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, HandlerExceptionGives500) {
  auto server = MustStart(LocalOptions(), [](const Request& r) -> Response {
    if (r.path == "/throw") throw std::runtime_error("boom");
    return Response{};
  });
  ASSERT_TRUE(server);
  CurlClient client;
  EXPECT_EQ(client.Fetch(Url(*server, "/throw")).status, 500);
  EXPECT_EQ(client.Fetch(Url(*server, "/fine")).status, 200);  // The connection and the server live on.
}

TEST(HttpServer, UnsafeResponseHeadersAreDropped) {
  auto server = MustStart(LocalOptions(), [](const Request&) {
    Response r;
    r.status = 204;
    r.headers.Add("X-Split", "a\r\nInjected: 1");
    r.headers.Add("Bad Name", "v");
    r.headers.Add("Content-Length", "999");
    r.headers.Add("X-Fine", "ok");
    r.body = "ignored for 204";
    return r;
  });
  ASSERT_TRUE(server);
  RawClient c(server->ports()[0]);
  c.Send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  std::string r = c.ReadUntilClosed();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 204 No Content\r\n")) << r;
  EXPECT_EQ(r.find("Injected"), std::string::npos) << r;
  EXPECT_EQ(r.find("Bad Name"), std::string::npos) << r;
  EXPECT_EQ(r.find("Content-Length"), std::string::npos) << r;
  EXPECT_NE(r.find("X-Fine: ok\r\n"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n")) << r;
}

TEST(HttpServer, IdleConnectionIsClosedAfterIdleTimeout) {
  ServerOptions options = LocalOptions();
  options.idle_timeout = 1s;
  auto server = MustStart(options, Echo);
  ASSERT_TRUE(server);
  RawClient c(server->ports()[0]);
  c.Send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_FALSE(c.ReadResponse().empty());
  auto start = SteadyClock::now();
  EXPECT_EQ(c.ReadUntilClosed(10s), "");
  EXPECT_TRUE(c.closed());
  auto waited = SteadyClock::now() - start;
  EXPECT_GE(waited, 800ms);
  EXPECT_LT(waited, 5s);
}

TEST(HttpServer, SlowlorisRequestIsClosedAfterRequestTimeout) {
  ServerOptions options = LocalOptions();
  options.request_timeout = 1s;
  auto server = MustStart(options, Echo);
  ASSERT_TRUE(server);
  RawClient c(server->ports()[0]);
  auto start = SteadyClock::now();
  c.Send("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ");
  EXPECT_EQ(c.ReadUntilClosed(10s), "");  // Closed without a response.
  EXPECT_TRUE(c.closed());
  EXPECT_LT(SteadyClock::now() - start, 5s);
}

TEST(HttpServer, PartialTlsHandshakeIsClosedAndOthersAreServed) {
  ServerOptions options = TlsOptions();
  options.request_timeout = 1s;
  auto server = MustStart(options, Echo);
  ASSERT_TRUE(server);
  RawClient stalled(server->ports()[0]);
  stalled.Send(std::string("\x16\x03\x01\x00\x50\x01\x00", 7));  // A ClientHello record header, then nothing.
  CurlClient client;
  client.TrustPem(CertA().chain_pem);
  EXPECT_EQ(client.Fetch(Url(*server, "/", true)).status, 200);
  auto start = SteadyClock::now();
  stalled.ReadUntilClosed(10s);
  EXPECT_TRUE(stalled.closed());
  EXPECT_LT(SteadyClock::now() - start, 5s);
}

TEST(HttpServer, ClientThatNeverReadsIsDroppedAfterRequestTimeout) {
  ServerOptions options = LocalOptions();
  options.request_timeout = 1s;
  options.max_connections = 1;  // The stuck client holds the only slot until the server gives up on it.
  std::atomic<bool> big_requested{false};
  auto server = MustStart(options, [&](const Request& r) {
    if (r.path != "/big") return Response{200, {}, "small"};
    big_requested = true;
    return Response{200, {}, std::string(32 << 20, 'b')};
  });
  ASSERT_TRUE(server);
  RawClient stuck(server->ports()[0], /*rcvbuf=*/4096);
  stuck.Send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(WaitUntil([&] { return big_requested.load(); }));
  // While the slot is taken, new connections are accepted and closed at once; after the write timeout the
  // slot frees up and requests succeed again.
  auto start = SteadyClock::now();
  bool served = WaitUntil([&] { return Fetch(Url(*server, "/small")).status == 200; }, 10s);
  EXPECT_TRUE(served);
  EXPECT_GE(SteadyClock::now() - start, 500ms);
}

TEST(HttpServer, ConnectionsBeyondTheLimitAreClosedImmediately) {
  ServerOptions options = LocalOptions();
  options.max_connections = 1;
  auto server = MustStart(options, Echo);
  ASSERT_TRUE(server);
  RawClient first(server->ports()[0]);
  first.Send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_FALSE(first.ReadResponse().empty());  // Now surely registered, and kept alive.
  RawClient second(server->ports()[0]);
  second.Send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(second.ReadUntilClosed(), "");
  EXPECT_TRUE(second.closed());
  first.Send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_FALSE(first.ReadResponse().empty());
}

TEST(HttpServer, SlowHandlerDoesNotDelayAnotherConnection) {
  ServerOptions options = LocalOptions();
  options.io_threads = 1;
  options.worker_threads = 2;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = MustStart(options, [&](const Request& r) {
    if (r.path == "/slow") {
      entered.set_value();
      released.wait();
    }
    return Response{200, {}, r.path};
  });
  ASSERT_TRUE(server);
  std::future<CurlResult> slow = std::async(std::launch::async, [&] { return Fetch(Url(*server, "/slow")); });
  entered.get_future().wait();
  CurlResult fast = Fetch(Url(*server, "/fast"));
  EXPECT_EQ(fast.status, 200);
  EXPECT_EQ(fast.body, "/fast");
  release.set_value();
  EXPECT_EQ(slow.get().body, "/slow");
}

// Calls Stop(10s) on another thread while `request` is in flight and checks that the server stops accepting
// but Stop waits; then calls `release` and returns the response the request still gets.
CurlResult StopWhileInFlight(Server& server, std::future<CurlResult>& request,
                             const std::function<void()>& release) {
  uint16_t port = server.ports()[0];
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server.Stop(10s);
    stopped = true;
  });
  EXPECT_TRUE(WaitUntil([&] { return !CanConnect(port); }));  // Stop has begun: no longer accepting.
  EXPECT_FALSE(stopped);
  release();
  stopper.join();
  return request.get();
}

TEST(HttpServer, StopWaitsForAnInFlightRequest) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = MustStart(LocalOptions(), [&](const Request&) {
    entered.set_value();
    released.wait();
    return Response{200, {}, "done"};
  });
  ASSERT_TRUE(server);
  std::future<CurlResult> request = std::async(std::launch::async, [&] { return Fetch(Url(*server, "/")); });
  entered.get_future().wait();
  CurlResult r = StopWhileInFlight(*server, request, [&] { release.set_value(); });
  EXPECT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done");
  EXPECT_NE(r.headers.find("Connection: close"), std::string::npos) << r.headers;
}

TEST(HttpServer, StopClosesIdleConnectionsWithoutWaitingForGrace) {
  auto server = MustStart(LocalOptions(), Echo);
  ASSERT_TRUE(server);
  RawClient idle(server->ports()[0]);
  idle.Send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_FALSE(idle.ReadResponse().empty());
  RawClient silent(server->ports()[0]);  // Connected, never sent a byte.
  auto start = SteadyClock::now();
  server->Stop(30s);
  EXPECT_LT(SteadyClock::now() - start, 1500ms);  // Well below the grace period and the 2 s lingering close.
  idle.ReadUntilClosed(5s);
  EXPECT_TRUE(idle.closed());
  server->Stop();  // Idempotent.
}

TEST(HttpServer, StopForcesBusyConnectionsAfterGrace) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = MustStart(LocalOptions(), [&](const Request&) {
    entered.set_value();
    released.wait();
    return Response{200, {}, "late"};
  });
  ASSERT_TRUE(server);
  RawClient c(server->ports()[0]);
  c.Send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  entered.get_future().wait();
  std::thread stopper([&] { server->Stop(0s); });
  // With no grace the connection is closed at once, even though its handler is still running.
  c.ReadUntilClosed(5s);
  EXPECT_TRUE(c.closed());
  release.set_value();  // Stop still waits for the handler itself before joining its threads.
  stopper.join();
}

TEST(HttpServer, PortsReportsEphemeralPortsInListenOrder) {
  ServerOptions options = LocalOptions();
  options.listen = {{"localhost", 0}, {"127.0.0.1", 0}};
  auto server = MustStart(options, Echo);
  ASSERT_TRUE(server);
  std::vector<uint16_t> ports = server->ports();
  ASSERT_EQ(ports.size(), HasIpv6Loopback() ? 3u : 2u);
  for (uint16_t p : ports) EXPECT_NE(p, 0);
  if (ports.size() == 3) {
    EXPECT_EQ(ports[0], ports[1]);  // localhost's 127.0.0.1 and ::1 share the port.
  }
  EXPECT_NE(ports.front(), ports.back());
  EXPECT_EQ(Fetch("http://127.0.0.1:" + std::to_string(ports.back()) + "/").status, 200);
  EXPECT_EQ(Fetch("http://127.0.0.1:" + std::to_string(ports.front()) + "/").status, 200);
}

TEST(HttpServer, ServesIpv6Loopback) {
  if (!HasIpv6Loopback()) GTEST_SKIP() << "no ::1 on this host";
  ServerOptions options = LocalOptions();
  options.listen = {{"::1", 0}};
  auto server = MustStart(options, Echo);
  ASSERT_TRUE(server);
  CurlResult r = Fetch("http://[::1]:" + std::to_string(server->ports()[0]) + "/six");
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_NE(r.body.find("remote=::1\nhost=[::1]\n"), std::string::npos) << r.body;
}

TEST(HttpServer, BindFailureReportsIoWithTheAddress) {
  auto first = MustStart(LocalOptions(), Echo);
  ASSERT_TRUE(first);
  ServerOptions options = LocalOptions();
  options.listen = {{"127.0.0.1", first->ports()[0]}};
  auto second = Server::Start(options, Echo);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kIo);
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(first->ports()[0])),
            std::string::npos)
      << second.status().ToString();
}

TEST(HttpServer, BadOptionsAreInvalidArgument) {
  ServerOptions bad_cert = TlsOptions();
  bad_cert.tls_certificate_chain_pem = "not a certificate";
  EXPECT_EQ(Server::Start(bad_cert, Echo).status().code(), Code::kInvalidArgument);
  ServerOptions mismatched = TlsOptions();
  mismatched.tls_private_key_pem = CertB().key_pem;
  EXPECT_EQ(Server::Start(mismatched, Echo).status().code(), Code::kInvalidArgument);
  ServerOptions bad_host = LocalOptions();
  bad_host.listen = {{"example.com", 0}};
  EXPECT_EQ(Server::Start(bad_host, Echo).status().code(), Code::kInvalidArgument);
  ServerOptions bad_alpn = TlsOptions();
  bad_alpn.alpn_protocols = {""};
  EXPECT_EQ(Server::Start(bad_alpn, Echo).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Server::Start(LocalOptions(), nullptr).status().code(), Code::kInvalidArgument);
}

TEST(HttpServer, ReloadCertificateSwitchesTheServedCertificate) {
  auto server = MustStart(TlsOptions(CertA()), Echo);
  ASSERT_TRUE(server);
  uint16_t port = server->ports()[0];
  auto before = ProbeTls("127.0.0.1", port, "localhost", {}, 5000ms);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->peer_chain_der.at(0), CertA().der);

  ASSERT_TRUE(server->ReloadCertificate(CertB().chain_pem, CertB().key_pem).ok());
  auto after = ProbeTls("127.0.0.1", port, "localhost", {}, 5000ms);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->peer_chain_der.at(0), CertB().der);

  EXPECT_EQ(server->ReloadCertificate("junk", CertB().key_pem).code(), Code::kInvalidArgument);
  EXPECT_EQ(server->ReloadCertificate(CertA().chain_pem, CertB().key_pem).code(), Code::kInvalidArgument);
  auto still = ProbeTls("127.0.0.1", port, "localhost", {}, 5000ms);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->peer_chain_der.at(0), CertB().der);

  auto plain = MustStart(LocalOptions(), Echo);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->ReloadCertificate(CertB().chain_pem, CertB().key_pem).code(), Code::kInvalidArgument);
}

TEST(HttpServer, AlpnAndCertificateSelectorBySni) {
  ServerOptions options = TlsOptions(CertA());
  options.alpn_protocols = {"acme-tls/1"};
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> calls;
  options.certificate_selector =
      [&](const std::string& sni,
          const std::string& alpn) -> std::optional<std::pair<std::string, std::string>> {
    {
      std::lock_guard lock(mu);
      calls.emplace_back(sni, alpn);
    }
    if (sni == "b.example" && alpn == "acme-tls/1") return std::make_pair(CertB().chain_pem, CertB().key_pem);
    if (sni == "broken.example") return std::make_pair(std::string("junk"), std::string("junk"));
    return std::nullopt;
  };
  auto server = MustStart(options, Echo);
  ASSERT_TRUE(server);
  uint16_t port = server->ports()[0];

  auto chosen = ProbeTls("127.0.0.1", port, "b.example", {"acme-tls/1"}, 5000ms);
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  EXPECT_EQ(chosen->negotiated_alpn, "acme-tls/1");
  EXPECT_EQ(chosen->peer_chain_der.at(0), CertB().der);
  EXPECT_EQ(chosen->tls_version, "TLSv1.3");

  auto other_name = ProbeTls("127.0.0.1", port, "a.example", {"acme-tls/1"}, 5000ms);
  ASSERT_TRUE(other_name.ok());
  EXPECT_EQ(other_name->peer_chain_der.at(0), CertA().der);

  auto no_alpn = ProbeTls("127.0.0.1", port, "b.example", {"h2", "http/1.1"}, 5000ms);
  ASSERT_TRUE(no_alpn.ok());
  EXPECT_EQ(no_alpn->negotiated_alpn, "");
  EXPECT_EQ(no_alpn->peer_chain_der.at(0), CertA().der);

  auto broken = ProbeTls("127.0.0.1", port, "broken.example", {"acme-tls/1"}, 5000ms);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), Code::kTls) << broken.status().ToString();

  std::lock_guard lock(mu);
  ASSERT_GE(calls.size(), 4u);
  EXPECT_EQ(calls[0], (std::pair<std::string, std::string>{"b.example", "acme-tls/1"}));
  EXPECT_EQ(calls[2], (std::pair<std::string, std::string>{"b.example", ""}));
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers on fibers (worker_threads = 0): one I/O thread and no pool, so anything served while a handler
// waits proves the wait did not hold the thread.

ServerOptions FiberOptions() {
  ServerOptions o = LocalOptions();
  o.io_threads = 1;
  o.worker_threads = 0;
  return o;
}

// Keeps the wakes of waiting handlers, as a store keeps those of queued writes until they are committed.
class WakeBox {
 public:
  void Put(fiber::Wake wake) {
    std::lock_guard lock(mu_);
    wakes_.push_back(std::move(wake));
    cv_.notify_all();
  }
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return wakes_.size() >= n; });
  }
  void WakeAll() {
    std::vector<fiber::Wake> wakes;
    {
      std::lock_guard lock(mu_);
      wakes.swap(wakes_);
    }
    for (fiber::Wake& wake : wakes) wake();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<fiber::Wake> wakes_;
};

TEST(HttpServerFibers, WaitingHandlerLeavesTheIoThreadToOtherConnections) {
  WakeBox box;
  auto server = MustStart(FiberOptions(), [&](const Request& r) {
    if (r.path == "/go") {
      box.WakeAll();  // from another connection's handler, on the same (only) I/O thread
      return Response{200, {}, "went"};
    }
    const bool on_fiber = fiber::OnFiber();
    fiber::Await([&](fiber::Wake wake) { box.Put(std::move(wake)); });
    return Response{200, {}, on_fiber ? "waited on a fiber" : "not on a fiber"};
  });
  ASSERT_TRUE(server);
  std::future<CurlResult> waiting =
      std::async(std::launch::async, [&] { return Fetch(Url(*server, "/wait")); });
  ASSERT_TRUE(box.WaitFor(1));
  CurlResult go = Fetch(Url(*server, "/go"));
  EXPECT_EQ(go.status, 200);
  EXPECT_EQ(go.body, "went");
  CurlResult r = waiting.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "waited on a fiber");
}

TEST(HttpServerFibers, ManyHandlersWaitingTwiceAllFinishWhenWokenFromAnotherThread) {
  constexpr int kRequests = 20;
  WakeBox box;
  auto server = MustStart(FiberOptions(), [&](const Request& r) {
    std::string before = r.path;  // a local on the fiber's stack that must survive both waits
    fiber::Await([&](fiber::Wake wake) { box.Put(std::move(wake)); });
    fiber::Await([&](fiber::Wake wake) { box.Put(std::move(wake)); });
    return Response{200, {}, before};
  });
  ASSERT_TRUE(server);
  std::vector<std::future<CurlResult>> requests;
  for (int i = 0; i < kRequests; ++i) {
    requests.push_back(
        std::async(std::launch::async, [&, i] { return Fetch(Url(*server, "/r" + std::to_string(i))); }));
  }
  ASSERT_TRUE(box.WaitFor(kRequests));
  box.WakeAll();
  ASSERT_TRUE(box.WaitFor(kRequests));  // every handler is waiting again
  box.WakeAll();
  for (int i = 0; i < kRequests; ++i) {
    CurlResult r = requests[static_cast<size_t>(i)].get();
    EXPECT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.body, "/r" + std::to_string(i));
  }
}

TEST(HttpServerFibers, HandlerThatThrowsAfterWaitingGives500) {
  auto server = MustStart(FiberOptions(), [](const Request& r) -> Response {
    fiber::Await([](fiber::Wake wake) { wake(); });  // woken at once: still resumed through the strand
    if (r.path == "/throw") throw std::runtime_error("boom");
    return Response{200, {}, "fine"};
  });
  ASSERT_TRUE(server);
  CurlClient client;
  EXPECT_EQ(client.Fetch(Url(*server, "/throw")).status, 500);
  EXPECT_EQ(client.Fetch(Url(*server, "/fine")).body, "fine");
}

TEST(HttpServerFibers, StopWaitsForAWaitingHandler) {
  WakeBox box;
  auto server = MustStart(FiberOptions(), [&](const Request&) {
    fiber::Await([&](fiber::Wake wake) { box.Put(std::move(wake)); });
    return Response{200, {}, "done"};
  });
  ASSERT_TRUE(server);
  std::future<CurlResult> request = std::async(std::launch::async, [&] { return Fetch(Url(*server, "/")); });
  ASSERT_TRUE(box.WaitFor(1));
  CurlResult r = StopWhileInFlight(*server, request, [&] { box.WakeAll(); });
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done");
}

// ---------------------------------------------------------------------------------------------------------------
// TLS probes.

TEST(TlsProbe, ClosedPortIsConnectionErrorQuickly) {
  const int fd = anvil::testing::BindLoopback(SOCK_STREAM);
  ASSERT_GE(fd, 0);
  const uint16_t port = anvil::testing::LocalPort(fd);
  close(fd);  // Bound but never listening: connections are refused.
  auto start = SteadyClock::now();
  auto r = ProbeTls("127.0.0.1", port, "x.example", {"acme-tls/1"}, 5000ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConnection) << r.status().ToString();
  EXPECT_LT(SteadyClock::now() - start, 1s);
}

TEST(TlsProbe, SilentListenerTimesOutWithinTheTimeout) {
  const int fd = anvil::testing::BindLoopback(SOCK_STREAM);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(listen(fd, 8), 0);  // The kernel completes TCP handshakes; nobody ever answers.
  auto start = SteadyClock::now();
  auto r = ProbeTls("127.0.0.1", anvil::testing::LocalPort(fd), "x.example", {"acme-tls/1"}, 300ms);
  auto took = SteadyClock::now() - start;
  close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().code() == Code::kConnection || r.status().code() == Code::kTls)
      << r.status().ToString();
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
}

TEST(TlsProbe, PlainHttpServerFailsQuickly) {
  auto server = MustStart(LocalOptions(), Echo);
  ASSERT_TRUE(server);
  auto start = SteadyClock::now();
  auto r = ProbeTls("127.0.0.1", server->ports()[0], "x.example", {}, 5000ms);
  ASSERT_FALSE(r.ok());
  // A plain-HTTP server drops a connection that starts with a TLS record instead of waiting for a header.
  EXPECT_EQ(r.status().code(), Code::kConnection) << r.status().ToString();
  EXPECT_LT(SteadyClock::now() - start, 2s);
}

TEST(TlsProbe, RejectsNonIpAddresses) {
  EXPECT_EQ(ProbeTls("localhost", 443, "x", {}, 100ms).status().code(), Code::kInvalidArgument);
}

TEST(TlsProbe, ManyConcurrentProbes) {
  auto server = MustStart(TlsOptions(), Echo);
  ASSERT_TRUE(server);
  std::vector<std::future<bool>> probes;
  for (int i = 0; i < 8; ++i) {
    probes.push_back(std::async(std::launch::async, [&] {
      auto r = ProbeTls("127.0.0.1", server->ports()[0], "localhost", {"http/1.1"}, 5000ms);
      return r.ok() && r->peer_chain_der.at(0) == CertA().der;
    }));
  }
  for (auto& p : probes) EXPECT_TRUE(p.get());
}

TEST(HttpSignals, WaitForTerminationSignalReturnsTheSignal) {
  sigset_t old;
  pthread_sigmask(SIG_SETMASK, nullptr, &old);
  BlockTerminationSignals();
  pthread_kill(pthread_self(), SIGTERM);  // Pending on this thread until the wait takes it.
  EXPECT_EQ(WaitForTerminationSignal(), SIGTERM);
  pthread_kill(pthread_self(), SIGINT);
  EXPECT_EQ(WaitForTerminationSignal(), SIGINT);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace
}  // namespace anvil::http
