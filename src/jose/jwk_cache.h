// JwkCache: JWK JSON text → parsed Jwk, memoized. The front end authenticates every POST against the
// account's stored JWK; parsing it (JSON, base64url, building and checking the OpenSSL key) costs more than
// the signature check itself, so each distinct text is parsed once. Keyed by the exact text, so a rolled-over
// key (new text) can never be answered with the old one. Thread-safe; bounded (it starts afresh when full).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "base/status.h"
#include "jose/jwk.h"

namespace anvil::jose {

class JwkCache {
 public:
  explicit JwkCache(size_t capacity = 100000) : capacity_(capacity) {}

  // Jwk::FromJson of the parsed text; errors (not JSON: kMalformed; bad key: FromJson's) are not cached.
  Result<Jwk> Get(const std::string& jwk_json);

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Jwk> entries_;
};

}  // namespace anvil::jose
