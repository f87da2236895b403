// Helpers shared by the jose tests (jwk_test, jws_test).
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "crypto/key.h"

namespace anvil::jose::testing {

// JSON of `text`; a discarded value when it does not parse.
inline nlohmann::json Parse(std::string_view text) {
  return nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
}

// A fresh key; a failed generation fails the test.
inline crypto::PrivateKey MustGenerate(crypto::KeyType type) {
  auto key = crypto::PrivateKey::Generate(type);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

}  // namespace anvil::jose::testing
