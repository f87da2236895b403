#include "webhook/allow_answer.h"

#include <nlohmann/json.hpp>

namespace anvil::webhook {
namespace {

constexpr size_t kMaxReason = 512;  // a reason longer than this is cut: it goes into a problem document

}  // namespace

Result<AllowAnswer> ParseAllowAnswer(const Result<http::ClientResponse>& response, std::string_view what,
                                     std::string_view url) {
  auto no_answer = [&](const std::string& why) {
    return Error(Code::kUnavailable, std::string(what) + " " + std::string(url) + ": " + why);
  };
  if (!response.ok()) return no_answer(response.status().message());
  if (response->status != 200) {
    return no_answer("answered HTTP " + std::to_string(response->status) + " (an answer is 200)");
  }
  auto body = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || !body.contains("allow") || !body["allow"].is_boolean()) {
    return no_answer("the answer is not a JSON object with a boolean \"allow\"");
  }
  AllowAnswer answer;
  answer.allowed = body["allow"].get<bool>();
  if (body.contains("reason") && body["reason"].is_string()) {
    answer.reason = body["reason"].get<std::string>().substr(0, kMaxReason);
  }
  return answer;
}

}  // namespace anvil::webhook
