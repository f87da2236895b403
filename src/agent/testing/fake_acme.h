// FakeAcme: a scripted single-order ACME server on a FakeHttpClient, for tests of the issuance and renewal
// flows: one account, one order at a time for the identifiers it is asked for, one authorization per
// identifier whose challenge becomes valid (or invalid) when answered, and a CA that signs the CSR with a
// 90-day certificate from 1'800'000'000 (Unix time). RecordingSolver: a Solver that records what it was
// asked.
//
// Thread-safety: not thread-safe (tests drive one client from one thread).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/solvers/solver.h"
#include "agent/testing/fake_http_client.h"
#include "base/base64url.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/random.h"

namespace anvil::agent::testing {

inline constexpr char kBase[] = "https://ca.test";

class FakeAcme {
 public:
  explicit FakeAcme(FakeHttpClient& http) : http_(http) {
    ca_key_ = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    crypto::CertificateTemplate t;
    t.serial = "\x01";
    t.subject.common_name = "Fake Root";
    t.not_before = FromUnixSeconds(1'700'000'000);
    t.not_after = FromUnixSeconds(1'900'000'000);
    t.is_ca = true;
    t.key_cert_sign = true;
    root_.emplace(*crypto::IssueCertificate(t, ca_key_.public_key(), nullptr, ca_key_));
    http_.Script("GET", U("/dir"),
                 {JsonResponse(200, {{"newNonce", U("/nonce")},
                                     {"newAccount", U("/new-account")},
                                     {"newOrder", U("/new-order")},
                                     {"revokeCert", U("/revoke")}})});
    http::Headers h;
    h.Set("Replay-Nonce", "n0");
    http_.Script("HEAD", U("/nonce"), {http::ClientResponse{200, h, ""}});
    http_.Route("POST", U("/new-account"), [this](const RecordedRequest&) {
      http::Headers loc;
      loc.Set("Location", U("/acct/1"));
      return JsonResponse(201, {{"status", "valid"}}, loc);
    });
    http_.Route("POST", U("/new-order"), [this](const RecordedRequest& r) { return NewOrder(r); });
  }

  static std::string U(const std::string& path) { return kBase + path; }

  http::ClientResponse NewOrder(const RecordedRequest& r) {
    nlohmann::json payload = nlohmann::json::parse(r.payload);
    last_new_order_ = payload;
    order_ = {{"status", "pending"},
              {"identifiers", payload["identifiers"]},
              {"finalize", U("/order/1/finalize")},
              {"authorizations", nlohmann::json::array()}};
    int i = 0;
    for (const auto& id : payload["identifiers"]) {
      std::string n = std::to_string(++i);
      std::string value = id["value"];
      bool wildcard = value.starts_with("*.");
      nlohmann::json authz = {
          {"status", "pending"},
          {"identifier", {{"type", id["type"]}, {"value", wildcard ? value.substr(2) : value}}},
          {"challenges",
           {{{"type", "http-01"}, {"url", U("/chall/" + n)}, {"token", "token" + n}, {"status", "pending"}},
            {{"type", "dns-01"},
             {"url", U("/chall/d" + n)},
             {"token", "dtoken" + n},
             {"status", "pending"}}}}};
      if (wildcard) authz["wildcard"] = true;
      order_["authorizations"].push_back(U("/authz/" + n));
      authzs_[n] = authz;
      http_.Route("POST", U("/authz/" + n),
                  [this, n](const RecordedRequest&) { return JsonResponse(200, authzs_[n]); });
      auto answer = [this, n](const RecordedRequest&) {
        presented_at_answer_ = presented_;
        nlohmann::json& a = authzs_[n];
        if (fail_validation_) {
          a["status"] = "invalid";
          a["challenges"][0]["status"] = "invalid";
          a["challenges"][0]["error"] = {{"type", "urn:ietf:params:acme:error:incorrectResponse"},
                                         {"detail", "wrong key authorization"}};
        } else {
          a["status"] = "valid";
          // As anvil-ca when the validation is quick; otherwise as Boulder: the response says pending.
          if (answer_with_outcome_) a["challenges"][0]["status"] = "valid";
        }
        return JsonResponse(200, a["challenges"][0]);
      };
      http_.Route("POST", U("/chall/" + n), answer);
      http_.Route("POST", U("/chall/d" + n), answer);
    }
    http_.Route("POST", U("/order/1"), [this](const RecordedRequest&) {
      bool all_valid = true;
      for (auto& [k, a] : authzs_) all_valid &= a["status"] == "valid";
      if (order_["status"] == "pending" && all_valid) order_["status"] = "ready";
      return JsonResponse(200, order_);
    });
    http_.Route("POST", U("/order/1/finalize"), [this](const RecordedRequest& req) { return Finalize(req); });
    http_.Route("POST", U("/cert/1"), [this](const RecordedRequest&) {
      return http::ClientResponse{200, {}, leaf_pem_ + root_->ToPem()};
    });
    http::Headers loc;
    loc.Set("Location", U("/order/1"));
    return JsonResponse(201, order_, loc);
  }

  http::ClientResponse Finalize(const RecordedRequest& r) {
    auto der = base64url::Decode(nlohmann::json::parse(r.payload)["csr"].get<std::string>());
    auto csr = crypto::Csr::FromDer(*der);
    crypto::CertificateTemplate t;
    t.serial = crypto::RandomBytes(16);
    t.serial[0] = 0x11;
    t.not_before = FromUnixSeconds(1'800'000'000);
    t.not_after = FromUnixSeconds(1'800'000'000 + 90 * 86400);
    t.dns_names = csr->dns_names();
    t.ip_addresses = csr->ip_addresses();
    leaf_pem_ = crypto::IssueCertificate(t, csr->public_key(), &*root_, ca_key_)->ToPem();
    order_["status"] = "processing";
    order_["certificate"] = U("/cert/1");
    nlohmann::json answer = order_;
    order_["status"] = "valid";  // The next poll sees it done.
    return JsonResponse(200, answer);
  }

  FakeHttpClient& http_;
  crypto::PrivateKey ca_key_ = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  std::optional<crypto::Certificate> root_;
  nlohmann::json order_, last_new_order_;
  std::map<std::string, nlohmann::json> authzs_;
  std::string leaf_pem_;
  bool fail_validation_ = false;
  bool answer_with_outcome_ = false;
  int presented_ = 0;
  int presented_at_answer_ = -1;
};

// A solver that records what it was asked to do.
class RecordingSolver final : public Solver {
 public:
  explicit RecordingSolver(std::string type, int* presented)
      : type_(std::move(type)), presented_(presented) {}
  std::string_view challenge_type() const override { return type_; }
  Status Present(const ChallengeTask& t) override {
    tasks.push_back(t);
    ++*presented_;
    return Status::Ok();
  }
  Status CleanUp(const ChallengeTask& t) override {
    cleaned.push_back(t.token);
    return Status::Ok();
  }
  std::vector<ChallengeTask> tasks;
  std::vector<std::string> cleaned;

 private:
  std::string type_;
  int* presented_;
};

}  // namespace anvil::agent::testing
