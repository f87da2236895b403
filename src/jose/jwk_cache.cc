#include "jose/jwk_cache.h"

#include <nlohmann/json.hpp>

namespace anvil::jose {

Result<Jwk> JwkCache::Get(const std::string& jwk_json) {
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(jwk_json); it != entries_.end()) return it->second;
  }
  auto json = nlohmann::json::parse(jwk_json, nullptr, false);
  if (json.is_discarded()) return Error(Code::kMalformed, "the JWK is not JSON");
  ANVIL_ASSIGN_OR_RETURN(Jwk jwk, Jwk::FromJson(json));
  std::lock_guard lock(mu_);
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.emplace(jwk_json, jwk);
  return jwk;
}

}  // namespace anvil::jose
