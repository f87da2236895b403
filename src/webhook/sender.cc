#include "webhook/sender.h"

#include "base/base64url.h"
#include "crypto/random.h"
#include "webhook/signature.h"

namespace anvil::webhook {

Result<std::unique_ptr<Sender>> Sender::Create(SenderOptions options, const Clock& clock,
                                               std::unique_ptr<http::Client> client) {
  if (!options.url.starts_with("https://") || options.url.size() <= 8) {
    return Error(Code::kInvalidArgument, "a webhook URL must be https:// (got \"" + options.url.substr(0, 64) + "\")");
  }
  if (options.secret_key.empty()) return Error(Code::kInvalidArgument, "a webhook needs a secret");
  if (options.timeout.count() <= 0) return Error(Code::kInvalidArgument, "a webhook's timeout must be positive");
  if (client == nullptr) {
    http::CurlClientOptions curl;
    curl.ca_bundle = options.ca_file;
    curl.connect_timeout = options.timeout;
    curl.total_timeout = options.timeout;
    curl.max_response_bytes = 64 * 1024;  // an answer is a small JSON object
    curl.user_agent = "anvil-ca webhook";
    ANVIL_ASSIGN_OR_RETURN(client, http::NewCurlClient(std::move(curl)));
  }
  return std::unique_ptr<Sender>(new Sender(std::move(options), clock, std::move(client)));
}

Sender::Sender(SenderOptions options, const Clock& clock, std::unique_ptr<http::Client> client)
    : options_(std::move(options)), clock_(clock), client_(std::move(client)), pool_(options_.threads) {}

Result<http::ClientResponse> Sender::Post(std::string_view type, const nlohmann::json& data) {
  const TimePoint now = clock_.Now();
  const std::string body =
      nlohmann::json{{"type", type}, {"timestamp", FormatRfc3339(now)}, {"data", data}}.dump();
  const std::string id = "msg_" + base64url::Encode(crypto::RandomBytes(16));
  const int64_t timestamp = ToUnixSeconds(now);
  http::Headers headers;
  headers.Set("Content-Type", "application/json");
  headers.Set("webhook-id", id);
  headers.Set("webhook-timestamp", std::to_string(timestamp));
  headers.Set("webhook-signature", Sign(options_.secret_key, id, timestamp, body));
  Result<http::ClientResponse> response = Error(Code::kInternal, "the webhook request did not run");
  pool_.Run([&] { response = client_->Send("POST", options_.url, headers, body); });
  return response;
}

}  // namespace anvil::webhook
