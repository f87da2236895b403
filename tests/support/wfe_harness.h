// An in-process ACME server for tests: the real RA, CA, front end and nonce service over an in-memory store and
// a FakeValidator, composed from a config::Config as anvil-ca composes them (component_options.h), plus a
// minimal signing client that talks to WebFrontEnd::Handle without sockets.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/steady_clock.h"
#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "component_options.h"
#include "config/config.h"
#include "crypto/key.h"
#include "fakes/fake_validator.h"
#include "http/message.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "ra/registration_authority.h"
#include "storage/memory/memory_store.h"
#include "support/temp_dir.h"
#include "wfe/nonce_service.h"
#include "wfe/wfe.h"

namespace anvil::testing {

inline constexpr char kBaseUrl[] = "https://acme.test:14000";

struct TestKey {
  crypto::PrivateKey key;
  jose::Algorithm alg;
  static TestKey Make(crypto::KeyType type = crypto::KeyType::kEcP256) {
    auto k = crypto::PrivateKey::Generate(type);
    EXPECT_TRUE(k.ok());
    return TestKey{*k, jose::DefaultAlgorithm(k->public_key())};
  }
  jose::Jwk jwk() const { return jose::Jwk::FromPublicKey(key.public_key()); }
};

class WfeHarness {
 public:
  explicit WfeHarness(std::function<void(config::Config&)> tweak = nullptr)
      : clock_(std::chrono::system_clock::now()) {
    config_ = config::DefaultConfig();
    config_.server.external_url = kBaseUrl;
    config_.acme.orders_per_page = 2;
    if (tweak) tweak(config_);
    store_ = storage::NewMemoryStore();
    EXPECT_TRUE(ca::CreateCa(dir_.path(), app::CaOptionsFrom(config_), clock_).ok());
    auto material = ca::LoadCa(dir_.path(), app::CaOptionsFrom(config_));
    EXPECT_TRUE(material.ok());
    material_ = std::make_unique<ca::CaMaterial>(*material);
    ca_ = std::make_unique<ca::CertificateAuthority>(*material, clock_, std::string(kBaseUrl) + "/ca/intermediate.der");
    auto policy = app::PoliciesFrom(config_);
    EXPECT_TRUE(policy.ok());
    ra_ = std::make_unique<ra::RegistrationAuthority>(app::RaOptionsFrom(config_), *policy, *store_, validator_,
                                                      *ca_, clock_, steady_clock_);
    nonces_ = std::make_unique<wfe::NonceService>(clock_, config_.acme.nonce_lifetime);
    wfe_ = std::make_unique<wfe::WebFrontEnd>(app::WfeOptionsFrom(config_, *material_), *ra_, *nonces_);
  }

  // Rebuilds the front end serving these alternate issuer chains (RFC 8555 §7.4.2) for the intermediate's
  // certificates.
  void SetAlternateChains(std::vector<std::string> chains_pem) {
    wfe::WfeOptions options = app::WfeOptionsFrom(config_, *material_);
    options.issuers.alternate_chains_pem[material_->intermediate.ToPem()] = std::move(chains_pem);
    wfe_ = std::make_unique<wfe::WebFrontEnd>(std::move(options), *ra_, *nonces_);
  }

  // Rebuilds the front end reporting its responses to `observer` (WfeOptions::observer).
  void SetObserver(wfe::RequestObserver* observer) {
    wfe::WfeOptions options = app::WfeOptionsFrom(config_, *material_);
    options.observer = observer;
    wfe_ = std::make_unique<wfe::WebFrontEnd>(std::move(options), *ra_, *nonces_);
  }

  http::Response Send(http::Request r) {
    auto q = r.target.find('?');
    r.path = r.target.substr(0, q);
    r.query = q == std::string::npos ? "" : r.target.substr(q + 1);
    return wfe_->Handle(r);
  }
  http::Response Get(const std::string& target, const std::string& method = "GET") {
    http::Request r;
    r.method = method;
    r.target = target;
    return Send(r);
  }
  std::string Nonce() { return Get("/acme/new-nonce", "HEAD").headers.Get("Replay-Nonce").value_or(""); }

  // A signed POST. payload nullopt = POST-as-GET. kid empty = embed the jwk. `edit` may change the header.
  http::Request Signed(const std::string& target, const std::optional<nlohmann::json>& payload, const TestKey& key,
                       const std::string& kid, std::function<void(nlohmann::json&)> edit = nullptr) {
    nlohmann::json header = {{"nonce", Nonce()}, {"url", std::string(kBaseUrl) + target}};
    if (kid.empty()) {
      header["jwk"] = key.jwk().ToJson();
    } else {
      header["kid"] = kid;
    }
    if (edit) edit(header);
    auto body = jose::Sign(key.key, key.alg, header, payload ? payload->dump() : "");
    EXPECT_TRUE(body.ok());
    http::Request r;
    r.method = "POST";
    r.target = target;
    r.headers.Set("Content-Type", "application/jose+json");
    r.body = body.ok() ? *body : "";
    return r;
  }
  http::Response Post(const std::string& target, const std::optional<nlohmann::json>& payload, const TestKey& key,
                      const std::string& kid = "") {
    return Send(Signed(target, payload, key, kid));
  }
  // Path part of an absolute URL of this server.
  static std::string PathOf(const std::string& url) { return url.substr(std::string(kBaseUrl).size()); }

  // Registers an account and returns its URL (kid).
  std::string NewAccount(const TestKey& key, nlohmann::json payload = {{"termsOfServiceAgreed", true}}) {
    auto r = Post("/acme/new-account", payload, key);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.headers.Get("Location").value_or("");
  }

  config::Config& config() { return config_; }
  FakeClock& clock() { return clock_; }
  // Bounds the challenge responses' waits: a response whose validation is held waits until a test moves it.
  FakeSteadyClock& steady_clock() { return steady_clock_; }
  FakeValidator& validator() { return validator_; }
  storage::Store& store() { return *store_; }
  const ca::CaMaterial& material() { return *material_; }
  ra::RegistrationAuthority& ra() { return *ra_; }
  wfe::WebFrontEnd& front_end() { return *wfe_; }

 private:
  TempDir dir_;
  FakeClock clock_;
  FakeSteadyClock steady_clock_;
  config::Config config_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<ca::CaMaterial> material_;
  FakeValidator validator_;
  std::unique_ptr<ca::CertificateAuthority> ca_;
  std::unique_ptr<ra::RegistrationAuthority> ra_;
  std::unique_ptr<wfe::NonceService> nonces_;
  std::unique_ptr<wfe::WebFrontEnd> wfe_;
};

inline nlohmann::json BodyJson(const http::Response& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

inline std::string ProblemType(const http::Response& r) {
  auto j = BodyJson(r);
  return j.is_object() && j.contains("type") ? j["type"].get<std::string>() : "(no problem document: " + r.body + ")";
}

}  // namespace anvil::testing
