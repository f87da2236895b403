#include "webhook/signature.h"

#include "base/base64url.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace anvil::webhook {
namespace {

constexpr std::string_view kPrefix = "whsec_";

}  // namespace

Result<std::string> ParseSecret(std::string_view text) {
  text = TrimAsciiWhitespace(text);
  if (!text.starts_with(kPrefix)) {
    return Error(Code::kInvalidArgument, "a webhook secret is \"whsec_\" followed by base64 (make one with "
                                         "`anvil-ca webhook new-secret`)");
  }
  auto key = base64::Decode(text.substr(kPrefix.size()));
  if (!key.ok()) return Error(Code::kInvalidArgument, "the webhook secret's base64 is invalid");
  if (key->size() < 16) {
    return Error(Code::kInvalidArgument, "the webhook secret holds " + std::to_string(key->size()) +
                                             " bytes; at least 16 are needed (24 to 64 recommended)");
  }
  return std::move(*key);
}

std::string NewSecret() { return std::string(kPrefix) + base64::Encode(crypto::RandomBytes(32)); }

std::string Sign(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  return "v1," + base64::Encode(crypto::Hmac(crypto::DigestAlg::kSha256, key, content));
}

bool Verify(std::string_view key, std::string_view id, int64_t timestamp, std::string_view body,
            std::string_view header) {
  const std::string expected = Sign(key, id, timestamp, body);
  bool found = false;
  while (!header.empty()) {
    size_t space = header.find(' ');
    std::string_view one = header.substr(0, space);
    found |= crypto::ConstantTimeEquals(one, expected);
    header = space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
  }
  return found;
}

}  // namespace anvil::webhook
