#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/client.h"
#include "agent/process.h"
#include "agent/solvers/dns01_hook.h"
#include "agent/solvers/dns01_rfc2136.h"
#include "agent/solvers/http01.h"
#include "agent/solvers/tls_alpn01.h"
#include "base/base64url.h"
#include "base/file.h"
#include "crypto/certificate.h"
#include "crypto/digest.h"
#include "support/temp_dir.h"

namespace anvil::agent {
namespace {

ChallengeTask Task(const std::string& domain, const std::string& token = "tok_en-1") {
  return ChallengeTask{{acme::IdentifierType::kDns, domain}, false, token, token + ".thumbprint"};
}

TEST(AgentHttp01Standalone, ServesKeyAuthorizationOverHttp) {
  auto solver = Http01StandaloneSolver::Start("127.0.0.1", 0);
  ASSERT_TRUE(solver.ok()) << solver.status().ToString();
  uint16_t port = (*solver)->port();
  ASSERT_NE(port, 0);
  ASSERT_TRUE((*solver)->Present(Task("a.example")).ok());
  auto http = http::NewCurlClient({});
  ASSERT_TRUE(http.ok());
  std::string base = "http://127.0.0.1:" + std::to_string(port) + "/.well-known/acme-challenge/";
  auto r = (*http)->Send("GET", base + "tok_en-1", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "tok_en-1.thumbprint");
  EXPECT_EQ((*http)->Send("GET", base + "other", {}, "")->status, 404);
  ASSERT_TRUE((*solver)->CleanUp(Task("a.example")).ok());
  EXPECT_EQ((*http)->Send("GET", base + "tok_en-1", {}, "")->status, 404);
}

TEST(AgentHttp01Standalone, RefusesTokensOutsideBase64url) {
  auto solver = Http01StandaloneSolver::Start("127.0.0.1", 0);
  ASSERT_TRUE(solver.ok());
  EXPECT_FALSE((*solver)->Present(Task("a.example", "../etc")).ok());
}

TEST(AgentHttp01Standalone, BindFailureIsReported) {
  auto first = Http01StandaloneSolver::Start("127.0.0.1", 0);
  ASSERT_TRUE(first.ok());
  auto second = Http01StandaloneSolver::Start("127.0.0.1", (*first)->port());
  EXPECT_FALSE(second.ok());
}

TEST(AgentHttp01Webroot, WritesAndRemovesTheFile) {
  anvil::testing::TempDir tmp;
  Http01WebrootSolver solver(tmp.path() + "/www/");
  ASSERT_TRUE(solver.Present(Task("a.example")).ok());
  std::string path = tmp.path() + "/www/.well-known/acme-challenge/tok_en-1";
  EXPECT_EQ(*ReadFile(path), "tok_en-1.thumbprint");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_TRUE(solver.CleanUp(Task("a.example")).ok());
  EXPECT_FALSE(FileExists(path));
  EXPECT_TRUE(solver.CleanUp(Task("a.example")).ok());  // Idempotent.
}

TEST(AgentDns01Hook, RecordNameAndValue) {
  EXPECT_EQ(Dns01RecordName({acme::IdentifierType::kDns, "a.example"}), "_acme-challenge.a.example");
  EXPECT_EQ(Dns01RecordName({acme::IdentifierType::kDns, "*.a.example"}), "_acme-challenge.a.example");
  EXPECT_EQ(Dns01RecordValue("kA"), base64url::Encode(crypto::Sha256("kA")));
}

class AgentHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hook_ = tmp_.path() + "/hook.sh";
    log_ = tmp_.path() + "/calls.log";
    ASSERT_TRUE(
        WriteFileAtomic(hook_,
                        "#!/bin/sh\necho \"$1 $2 $3 env:$ANVIL_DNS_ACTION $ANVIL_DNS_NAME $ANVIL_DNS_VALUE "
                        "$ANVIL_DOMAIN\" >> " +
                            log_ + "\n[ -z \"$FAIL\" ] || exit 3\n",
                        0755)
            .ok());
  }
  anvil::testing::TempDir tmp_;
  std::string hook_, log_;
};

TEST_F(AgentHookTest, CalledWithAddAndRemoveNameValue) {
  FakeClock clock(FromUnixSeconds(0));
  FakeSleeper sleeper(clock);
  Dns01HookSolver solver(hook_, sleeper, std::chrono::seconds(5));
  ChallengeTask task = Task("a.example");
  task.identifier.value = "a.example";
  task.wildcard = true;
  ASSERT_TRUE(solver.Present(task).ok());
  ASSERT_TRUE(solver.CleanUp(task).ok());
  std::string v = Dns01RecordValue(task.key_authorization);
  EXPECT_EQ(*ReadFile(log_), "add _acme-challenge.a.example " + v + " env:add _acme-challenge.a.example " +
                                 v + " a.example\nremove _acme-challenge.a.example " + v +
                                 " env:remove _acme-challenge.a.example " + v + " a.example\n");
  EXPECT_EQ(sleeper.sleeps(), std::vector<std::chrono::milliseconds>{std::chrono::seconds(5)});
}

TEST_F(AgentHookTest, NonZeroExitFailsPresent) {
  FakeClock clock(FromUnixSeconds(0));
  FakeSleeper sleeper(clock);
  ::setenv("FAIL", "1", 1);
  Dns01HookSolver solver(hook_, sleeper);
  Status s = solver.Present(Task("a.example"));
  ::unsetenv("FAIL");
  EXPECT_EQ(s.code(), Code::kDns);
  EXPECT_NE(s.message().find("exited with status 3"), std::string::npos);
}

TEST(AgentProcess, TimeoutKillsTheChild) {
  ProcessOptions options;
  options.timeout = std::chrono::seconds(1);
  auto r = RunProcess({"sleep", "30"}, options);
  EXPECT_EQ(r.status().code(), Code::kTimeout);
  EXPECT_EQ(*RunShell("exit 7", {}), 7);
  EXPECT_EQ(RunProcess({"/nonexistent/program"}, {}).status().code(), Code::kIo);
}

// Connects with ALPN acme-tls/1 and SNI `sni`; returns the peer certificate's DER ("" on failure).
std::string HandshakeCertificate(uint16_t port, const std::string& sni) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  static const unsigned char kAlpn[] =
      "\x0a"
      "acme-tls/1";
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof(kAlpn) - 1);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string der;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_tlsext_host_name(ssl, sni.c_str());
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      const unsigned char* proto = nullptr;
      unsigned int len = 0;
      SSL_get0_alpn_selected(ssl, &proto, &len);
      X509* cert = SSL_get1_peer_certificate(ssl);
      if (cert && std::string(reinterpret_cast<const char*>(proto), len) == "acme-tls/1") {
        unsigned char* buf = nullptr;
        int n = i2d_X509(cert, &buf);
        if (n > 0) der.assign(reinterpret_cast<char*>(buf), size_t(n));
        OPENSSL_free(buf);
      }
      X509_free(cert);
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  }
  ::close(fd);
  SSL_CTX_free(ctx);
  return der;
}

TEST(AgentTlsAlpn01, PresentsCertificateWithAcmeIdentifier) {
  auto solver = TlsAlpn01Solver::Start("127.0.0.1", 0);
  ASSERT_TRUE(solver.ok()) << solver.status().ToString();
  ChallengeTask task = Task("alpn.example");
  ASSERT_TRUE((*solver)->Present(task).ok());
  std::string der = HandshakeCertificate((*solver)->port(), "alpn.example");
  ASSERT_FALSE(der.empty());
  auto cert = crypto::Certificate::FromDer(der);
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->dns_names(), std::vector<std::string>{"alpn.example"});
  auto ext = cert->acme_identifier();
  ASSERT_TRUE(ext.ok() && ext->has_value());
  EXPECT_EQ((*ext)->first, crypto::Sha256(task.key_authorization));
  EXPECT_TRUE((*ext)->second);
}

TEST(AgentTlsAlpn01, ReverseNamesForIpIdentifiers) {
  EXPECT_EQ(TlsAlpnServerName({acme::IdentifierType::kIp, "192.0.2.1"}), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(TlsAlpnServerName({acme::IdentifierType::kIp, "2001:db8::1"}),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST(AgentTsigKey, ParsesNsupdateSpecAndBindKeyFile) {
  auto inline_key = ParseTsigKey("hmac-sha512:acme-key:c2VjcmV0");
  ASSERT_TRUE(inline_key.ok()) << inline_key.status().ToString();
  EXPECT_EQ(inline_key->name, "acme-key");
  EXPECT_EQ(inline_key->algorithm, "hmac-sha512.");
  EXPECT_EQ(inline_key->secret_base64, "c2VjcmV0");
  EXPECT_EQ(ParseTsigKey("name:c2VjcmV0")->algorithm, "hmac-sha256.");
  anvil::testing::TempDir tmp;
  std::string file = tmp.path() + "/k.key";
  ASSERT_TRUE(WriteFileAtomic(
                  file, "key \"acme-key.\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2VjcmV0\";\n};\n", 0600)
                  .ok());
  auto from_file = ParseTsigKey(file);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->name, "acme-key.");
  EXPECT_EQ(from_file->algorithm, "hmac-sha256.");
  EXPECT_EQ(from_file->secret_base64, "c2VjcmV0");
  EXPECT_FALSE(ParseTsigKey("nocolon").ok());
}

TEST(AgentDns01Rfc2136, UnreachableServerFailsWithDnsError) {
  FakeClock clock(FromUnixSeconds(0));
  FakeSleeper sleeper(clock);
  Rfc2136Options o;
  o.server_address = "not-an-ip";
  Dns01Rfc2136Solver solver(o, sleeper);
  EXPECT_EQ(solver.Present(Task("a.example")).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace anvil::agent
