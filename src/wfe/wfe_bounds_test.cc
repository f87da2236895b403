// Bounds through the front end (RFC 8555 §6.6): a rate-limited request is HTTP 429 with a rateLimited problem
// document and a Retry-After header.
#include <gtest/gtest.h>

#include <string>

#include "wfe/wfe_test_fixture.h"

namespace anvil::wfe {
namespace {

using namespace testing_support;  // NOLINT(build/namespaces): the fixture and its vocabulary

TEST(WfeBoundsTest, ARateLimitedNewOrderIs429WithRetryAfter) {
  WfeHarness h([](config::Config& c) { c.limits.new_orders_per_account = {1, std::chrono::hours(1)}; });
  TestKey key = TestKey::Make();
  std::string kid = h.NewAccount(key);
  auto order = [](const char* name) { return Json{{"identifiers", Json::array({{{"type", "dns"}, {"value", name}}})}}; };
  ASSERT_EQ(h.Post("/acme/new-order", order("a.example.com"), key, kid).status, 201);
  auto refused = h.Post("/acme/new-order", order("b.example.com"), key, kid);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(ProblemType(refused), Err("rateLimited"));
  EXPECT_EQ(BodyJson(refused)["status"], 429);
  EXPECT_EQ(BodyJson(refused)["detail"],
            "too many new orders per account (at most 1 per 1h); retry after 3600 s");
  EXPECT_EQ(refused.headers.Get("Retry-After"), "3600");
  EXPECT_TRUE(refused.headers.Get("Replay-Nonce").has_value());
}

}  // namespace
}  // namespace anvil::wfe
