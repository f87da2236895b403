// An HTTPS server for tests: a real http::Server on 127.0.0.1 with a fresh self-signed certificate, whose PEM
// is written to `ca_file()` for a client to trust (the HTTP client's tests, the webhooks'). It records every
// request and answers with `answer` (200 {"allow": true}, a webhook receiver's yes, unless replaced).
// Header-only.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/file.h"
#include "crypto/certificate.h"
#include "crypto/key.h"
#include "http/server.h"
#include "support/temp_dir.h"

namespace anvil::http::testing {

class HttpsReceiver {
 public:
  HttpsReceiver() {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    EXPECT_TRUE(key.ok());
    crypto::CertificateTemplate t;
    t.serial = "\x07";
    t.subject.common_name = "webhook receiver";
    t.not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
    t.not_after = std::chrono::system_clock::now() + std::chrono::hours(1);
    t.ip_addresses = {"127.0.0.1"};
    t.is_ca = true;
    t.key_cert_sign = true;
    auto cert = crypto::IssueCertificate(t, key->public_key(), nullptr, *key);
    EXPECT_TRUE(cert.ok());
    ca_file_ = dir_.path() + "/receiver-ca.pem";
    EXPECT_TRUE(WriteFileAtomic(ca_file_, cert->ToPem(), 0644).ok());
    ServerOptions options;
    options.listen.push_back({"127.0.0.1", 0});
    options.io_threads = 1;
    options.worker_threads = 4;
    options.tls_certificate_chain_pem = cert->ToPem();
    options.tls_private_key_pem = key->ToPem();
    auto server = Server::Start(std::move(options), [this](const Request& r) {
      std::function<Response(const Request&)> answer;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
        answer = answer_;
      }
      if (answer) return answer(r);
      Response ok;
      ok.headers.Set("Content-Type", "application/json");
      ok.body = R"({"allow":true})";
      return ok;
    });
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    url_ = "https://127.0.0.1:" + std::to_string(server_->ports()[0]) + "/hook";
  }

  const std::string& url() const { return url_; }
  const std::string& ca_file() const { return ca_file_; }
  void SetAnswer(std::function<Response(const Request&)> answer) {
    std::lock_guard lock(mu_);
    answer_ = std::move(answer);
  }
  // A response with `status` and the JSON `body`.
  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.headers.Set("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  anvil::testing::TempDir dir_;
  std::string ca_file_, url_;
  std::mutex mu_;
  std::vector<Request> requests_;
  std::function<Response(const Request&)> answer_;
  std::unique_ptr<Server> server_;
};

}  // namespace anvil::http::testing
