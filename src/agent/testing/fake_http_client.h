// FakeHttpClient: an http::Client for tests, scripted per "METHOD URL". Each route has either a queue of canned
// responses (the last one repeats) or a handler computing the response from the request. Every request is
// recorded. Unknown routes answer 404 with a malformed problem. Every response gets a fresh Replay-Nonce
// unless the script set one or `nonces` is off.
//
// Thread-safety: not thread-safe (tests drive one client from one thread).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/client.h"
#include "base/base64url.h"

namespace anvil::agent::testing {

struct RecordedRequest {
  std::string method, url;
  http::Headers headers;
  std::string body;
  // For JWS POSTs: the decoded protected header and payload ("" for POST-as-GET).
  nlohmann::json protected_header;
  std::string payload;
};

inline http::ClientResponse JsonResponse(int status, const nlohmann::json& body, http::Headers headers = {}) {
  http::ClientResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.headers.Set("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
  r.body = body.dump();
  return r;
}

inline http::ClientResponse Problem(int status, const std::string& type, const std::string& detail,
                            nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json j = {{"type", "urn:ietf:params:acme:error:" + type}, {"detail", detail}, {"status", status}};
  j.update(extra);
  return JsonResponse(status, j);
}

class FakeHttpClient final : public http::Client {
 public:
  using Handler = std::function<http::ClientResponse(const RecordedRequest&)>;

  void Script(const std::string& method, const std::string& url, std::vector<http::ClientResponse> responses) {
    auto& q = queues_[method + " " + url];
    for (auto& r : responses) q.push_back(std::move(r));
  }
  void Route(const std::string& method, const std::string& url, Handler handler) {
    handlers_[method + " " + url] = std::move(handler);
  }
  const std::vector<RecordedRequest>& requests() const { return requests_; }
  size_t Count(const std::string& method, const std::string& url) const {
    size_t n = 0;
    for (const auto& r : requests_) n += r.method == method && r.url == url;
    return n;
  }
  bool nonces = true;

  Result<http::ClientResponse> Send(std::string_view method, const std::string& url, const http::Headers& headers,
                            std::string_view body) override {
    RecordedRequest rec{std::string(method), url, headers, std::string(body), nullptr, ""};
    nlohmann::json jws = nlohmann::json::parse(body, nullptr, false);
    if (jws.is_object() && jws.contains("protected")) {
      auto prot = base64url::Decode(jws.value("protected", ""));
      if (prot.ok()) rec.protected_header = nlohmann::json::parse(*prot, nullptr, false);
      auto pay = base64url::Decode(jws.value("payload", ""));
      if (pay.ok()) rec.payload = *pay;
    }
    requests_.push_back(rec);
    std::string key = rec.method + " " + url;
    http::ClientResponse response;
    if (auto h = handlers_.find(key); h != handlers_.end()) {
      response = h->second(rec);
    } else if (auto q = queues_.find(key); q != queues_.end() && !q->second.empty()) {
      response = q->second.front();
      if (q->second.size() > 1) q->second.pop_front();
    } else {
      response = Problem(404, "malformed", "no route for " + key);
    }
    if (nonces && !response.headers.Contains("Replay-Nonce")) {
      response.headers.Set("Replay-Nonce", "nonce" + std::to_string(++nonce_counter_));
    }
    return response;
  }

 private:
  std::map<std::string, std::deque<http::ClientResponse>> queues_;
  std::map<std::string, Handler> handlers_;
  std::vector<RecordedRequest> requests_;
  int nonce_counter_ = 0;
};

}  // namespace anvil::agent::testing
