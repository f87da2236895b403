// The front end reports each response to its RequestObserver with the resource kind, never the URL
// (docs/metrics.md).
#include <mutex>
#include <utility>
#include <vector>

#include "wfe/wfe_test_fixture.h"

namespace anvil::wfe {
namespace {

using testing_support::WfeTest;

class RecordingObserver : public RequestObserver {
 public:
  void Answered(Endpoint endpoint, int status, std::chrono::nanoseconds elapsed) override {
    std::lock_guard lock(mu_);
    EXPECT_GE(elapsed.count(), 0);
    answered.emplace_back(std::string(EndpointName(endpoint)), status);
  }
  void Refused(int status) override {
    std::lock_guard lock(mu_);
    refused.push_back(status);
  }
  std::mutex mu_;
  std::vector<std::pair<std::string, int>> answered;
  std::vector<int> refused;
};

class WfeObserverTest : public WfeTest {
 protected:
  void SetUp() override { h_.SetObserver(&observer_); }
  bool Saw(const std::string& endpoint, int status) {
    for (const auto& a : observer_.answered) {
      if (a.first == endpoint && a.second == status) return true;
    }
    return false;
  }
  RecordingObserver observer_;
};

TEST_F(WfeObserverTest, AnIssuanceReportsEachResourceKindWithItsStatus) {
  std::string kid = h_.NewAccount(key_);
  std::string order = ReadyOrder(kid, DnsIds({"observed.example.com"}));
  FinalizeAndDownload(kid, order, {"observed.example.com"});
  EXPECT_TRUE(Saw("new-nonce", 200));
  EXPECT_TRUE(Saw("new-account", 201));
  EXPECT_TRUE(Saw("new-order", 201));
  EXPECT_TRUE(Saw("authz", 200));
  EXPECT_TRUE(Saw("challenge", 200));
  EXPECT_TRUE(Saw("finalize", 200));
  EXPECT_TRUE(Saw("certificate", 200));
  for (const auto& a : observer_.answered) EXPECT_EQ(a.first.find('/'), std::string::npos) << a.first;
}

TEST_F(WfeObserverTest, UnknownPathsAreOneKindAndErrorsKeepTheirStatus) {
  h_.Get("/acme/order/some-id/extra");
  h_.Get("/nothing-here");
  h_.Get("/directory", "POST");
  h_.Get("/directory");
  EXPECT_EQ(observer_.answered,
            (std::vector<std::pair<std::string, int>>{
                {"unknown", 404}, {"unknown", 404}, {"directory", 405}, {"directory", 200}}));
}

TEST_F(WfeObserverTest, RefusalsAreReportedAsRefused) {
  h_.front_end().Refusal(413, "body too large");
  EXPECT_EQ(observer_.refused, std::vector<int>{413});
  EXPECT_TRUE(observer_.answered.empty());
}

}  // namespace
}  // namespace anvil::wfe
