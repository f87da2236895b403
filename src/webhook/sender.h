// Sender: posts signed JSON events to one HTTPS endpoint (the authorization webhook, the expiry notices;
// docs/webhooks.md). Each event is the Standard Webhooks envelope {"type", "timestamp", "data"}, signed
// (webhook/signature.h) with a fresh `webhook-id`, and sent with the endpoint's certificate and host name
// verified (against `ca_file` when set). A request that blocks runs on the sender's own threads
// (base/blocking_pool.h): a handler on a fiber waits without holding its network thread.
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/blocking_pool.h"
#include "base/status.h"
#include "base/time.h"
#include "http/client.h"

namespace anvil::webhook {

struct SenderOptions {
  std::string url;         // https:// only: the body is signed, not encrypted
  std::string secret_key;  // the HMAC key (ParseSecret of the "whsec_" secret)
  std::string ca_file;     // PEM of the CAs trusted for the endpoint's certificate; "" = the system store
  std::chrono::milliseconds timeout{5000};  // the whole exchange: connect, TLS, request and response
  int threads = 4;                          // requests in flight at once; more wait their turn
};

class Sender {
 public:
  // kInvalidArgument for a URL that is not https, an empty key, an unreadable CA file. `client` replaces the
  // libcurl client (tests); null: NewCurlClient with the options' CA file and timeout.
  static Result<std::unique_ptr<Sender>> Create(SenderOptions options, const Clock& clock,
                                                std::unique_ptr<http::Client> client = nullptr);

  // Posts the event `type` with `data`; the receiver's response whatever its status, or the transport's error
  // (kConnection, kTls, kTimeout, kIo).
  Result<http::ClientResponse> Post(std::string_view type, const nlohmann::json& data);

  const std::string& url() const { return options_.url; }

 private:
  Sender(SenderOptions options, const Clock& clock, std::unique_ptr<http::Client> client);

  const SenderOptions options_;
  const Clock& clock_;
  std::unique_ptr<http::Client> client_;
  BlockingPool pool_;
};

}  // namespace anvil::webhook
