// The fixture of the front end's tests (wfe_test.cc, wfe_isolation_test.cc): a WfeHarness, an account key,
// and helpers that drive an order to ready and through finalize.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/base64url.h"
#include "crypto/csr.h"
#include "support/wfe_harness.h"

namespace anvil::wfe::testing_support {

using anvil::testing::BodyJson;
using anvil::testing::ProblemType;
using anvil::testing::TestKey;
using anvil::testing::WfeHarness;
using Json = nlohmann::json;

inline constexpr char kErr[] = "urn:ietf:params:acme:error:";
inline std::string Err(const std::string& type) { return kErr + type; }

class WfeTest : public ::testing::Test {
 protected:
  WfeHarness h_;
  TestKey key_ = TestKey::Make();

  Json DnsIds(std::initializer_list<const char*> names) {
    Json ids = Json::array();
    for (auto n : names) ids.push_back({{"type", "dns"}, {"value", n}});
    return ids;
  }
  // Creates an order, answers each authorization's http-01 challenge (the fake validator says valid) and
  // returns the order URL once it is ready.
  std::string ReadyOrder(const std::string& kid, const Json& ids) {
    return ReadyOrderFor(kid, Json{{"identifiers", ids}});
  }
  // As ReadyOrder, with a complete newOrder payload (profile, notBefore, ...).
  std::string ReadyOrderFor(const std::string& kid, const Json& new_order) {
    auto r = h_.Post("/acme/new-order", new_order, key_, kid);
    EXPECT_EQ(r.status, 201) << r.body;
    Json order = BodyJson(r);
    for (const auto& authz_url : order["authorizations"]) {
      Json authz = BodyJson(h_.Post(WfeHarness::PathOf(authz_url), std::nullopt, key_, kid));
      for (const auto& c : authz["challenges"]) {
        if (c["type"] == (authz.contains("wildcard") ? "dns-01" : "http-01")) {
          auto cr = h_.Post(WfeHarness::PathOf(c["url"]), Json::object(), key_, kid);
          EXPECT_EQ(cr.status, 200) << cr.body;
        }
      }
    }
    return r.headers.Get("Location").value_or("");
  }
  // Finalizes a ready order for `names` (CSR key `key`, or a fresh one) and downloads the leaf.
  crypto::Certificate FinalizeAndDownload(const std::string& kid, const std::string& order_url,
                                          const std::vector<std::string>& names,
                                          const crypto::PrivateKey* key = nullptr) {
    Json fin = BodyJson(h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", CsrFor(names, key)}}, key_, kid));
    EXPECT_EQ(fin["status"], "valid") << fin.dump();
    std::string url = fin.contains("certificate") ? fin["certificate"].get<std::string>() : "";
    auto leaf = crypto::Certificate::FromPem(h_.Post(WfeHarness::PathOf(url), std::nullopt, key_, kid).body);
    EXPECT_TRUE(leaf.ok());
    return leaf.ok() ? *leaf : *crypto::Certificate::FromDer(h_.material().root.ToDer());
  }
  std::string CsrFor(const std::vector<std::string>& names, const crypto::PrivateKey* key = nullptr) {
    auto k = key ? *key : *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    auto csr = crypto::Csr::Create(k, names, {});
    EXPECT_TRUE(csr.ok());
    return base64url::Encode(csr->ToDer());
  }
};

}  // namespace anvil::wfe::testing_support
