#include "agent/solvers/dns_propagation.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>

#include "agent/solvers/dns01_hook.h"
#include "support/challtestsrv.h"
#include "support/loopback.h"
#include "base/file.h"
#include "support/temp_dir.h"

namespace anvil::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Answers per resolver from a script (the last answer repeats) and records every query.
class FakeTxtLookup final : public TxtLookup {
 public:
  struct Shared {
    std::map<std::string, std::deque<Result<std::vector<std::string>>>> answers;  // by server.ToString()
    std::vector<std::pair<std::string, std::string>> queries;                     // (name, server)
  };
  explicit FakeTxtLookup(Shared& shared) : shared_(shared) {}
  Result<std::vector<std::string>> LookupTxt(const std::string& name, const DnsServer& server) override {
    shared_.queries.emplace_back(name, server.ToString());
    auto& q = shared_.answers[server.ToString()];
    if (q.empty()) return std::vector<std::string>{};
    auto answer = q.front();
    if (q.size() > 1) q.pop_front();
    return answer;
  }

 private:
  Shared& shared_;
};

class AgentDnsPropagation : public ::testing::Test {
 protected:
  PropagationChecker Checker(std::vector<DnsServer> resolvers, seconds timeout = seconds(120)) {
    PropagationOptions o;
    o.resolvers = std::move(resolvers);
    o.timeout = timeout;
    o.log = [this](const std::string& line) { log_.push_back(line); };
    return PropagationChecker(std::make_unique<FakeTxtLookup>(dns_), clock_, sleeper_, o);
  }
  using Answers = std::deque<Result<std::vector<std::string>>>;
  FakeTxtLookup::Shared dns_;
  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  FakeSleeper sleeper_{clock_};
  std::vector<std::string> log_;
};

TEST_F(AgentDnsPropagation, AValueAlreadyVisibleIsCheckedOnceWithoutWaiting) {
  dns_.answers["127.0.0.1:53"] = Answers{std::vector<std::string>{"other", "v1"}};
  auto checker = Checker({{"127.0.0.1", 53}});
  ASSERT_TRUE(checker.WaitForTxt("_acme-challenge.a.example", "v1").ok());
  EXPECT_TRUE(sleeper_.sleeps().empty());
  ASSERT_EQ(dns_.queries.size(), 1u);
  EXPECT_EQ(dns_.queries[0].first, "_acme-challenge.a.example.");  // Absolute: no search list.
}

TEST_F(AgentDnsPropagation, PollsEveryTwoSecondsUntilTheValueAppears) {
  dns_.answers["127.0.0.1:53"] =
      Answers{std::vector<std::string>{}, std::vector<std::string>{"old"},
              Error(Code::kDns, "127.0.0.1:53 answered SERVFAIL"), std::vector<std::string>{"old", "v1"}};
  auto checker = Checker({{"127.0.0.1", 53}});
  ASSERT_TRUE(checker.WaitForTxt("_acme-challenge.a.example.", "v1").ok());
  EXPECT_EQ(sleeper_.sleeps(), (std::vector<milliseconds>{seconds(2), seconds(2), seconds(2)}));
  EXPECT_EQ(dns_.queries.size(), 4u);
  ASSERT_EQ(log_.size(), 4u);
  EXPECT_NE(log_[1].find("TXT \"old\""), std::string::npos) << log_[1];
  EXPECT_NE(log_[2].find("SERVFAIL"), std::string::npos) << log_[2];
  EXPECT_NE(log_[3].find("is visible (after 6 s)"), std::string::npos) << log_[3];
}

TEST_F(AgentDnsPropagation, EveryResolverMustSeeTheValueAndIsNotAskedAgainOnceItHas) {
  dns_.answers["192.0.2.1:53"] = Answers{std::vector<std::string>{"v1"}};
  dns_.answers["[2001:db8::1]:5353"] =
      Answers{std::vector<std::string>{}, std::vector<std::string>{}, std::vector<std::string>{"v1"}};
  auto checker = Checker({{"192.0.2.1", 53}, {"2001:db8::1", 5353}});
  ASSERT_TRUE(checker.WaitForTxt("_acme-challenge.a.example", "v1").ok());
  size_t first = 0, second = 0;
  for (const auto& [name, server] : dns_.queries) (server == "192.0.2.1:53" ? first : second)++;
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(second, 3u);
}

TEST_F(AgentDnsPropagation, TimeoutNamesTheRecordTheValueAndTheResolversAsked) {
  dns_.answers["192.0.2.1:53"] = Answers{std::vector<std::string>{"v1"}};
  dns_.answers["127.0.0.1:5353"] = Answers{std::vector<std::string>{"stale"}};
  auto checker = Checker({{"192.0.2.1", 53}, {"127.0.0.1", 5353}}, seconds(9));
  const TimePoint start = clock_.Now();
  Status s = checker.WaitForTxt("_acme-challenge.a.example", "v1");
  EXPECT_EQ(s.code(), Code::kDns);
  EXPECT_NE(s.message().find("_acme-challenge.a.example"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("\"v1\""), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("after 9 s"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("127.0.0.1:5353: TXT \"stale\""), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("192.0.2.1"), std::string::npos) << "a resolver that saw it is not blamed";
  // Checks at 0, 2, 4, 6, 8 and a last one at the deadline.
  EXPECT_EQ(clock_.Now() - start, seconds(9));
  EXPECT_EQ(sleeper_.sleeps().back(), seconds(1));
}

TEST_F(AgentDnsPropagation, NoResolverMeansTheSystemResolver) {
  dns_.answers["the system resolver"] = Answers{std::vector<std::string>{"v1"}};
  auto checker = Checker({});
  EXPECT_TRUE(checker.WaitForTxt("_acme-challenge.a.example", "v1").ok());
  ASSERT_EQ(dns_.queries.size(), 1u);
  EXPECT_EQ(dns_.queries[0].second, "the system resolver");
}

TEST(AgentDnsServer, ParsesIpLiteralsWithOptionalPort) {
  EXPECT_EQ(*ParseDnsServer("127.0.0.1"), (DnsServer{"127.0.0.1", 53}));
  EXPECT_EQ(*ParseDnsServer("127.0.0.1:5353"), (DnsServer{"127.0.0.1", 5353}));
  EXPECT_EQ(*ParseDnsServer("::1"), (DnsServer{"::1", 53}));
  EXPECT_EQ(*ParseDnsServer("[::1]:5353"), (DnsServer{"::1", 5353}));
  EXPECT_EQ(ParseDnsServer("[::1]:5353")->ToString(), "[::1]:5353");
  for (const char* bad :
       {"ns.example", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:x", "[::1", "[::1]x", ""}) {
    EXPECT_EQ(ParseDnsServer(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(AgentDns01HookPropagation, AddThenWaitForTheValueThenTheFixedDelay) {
  anvil::testing::TempDir tmp;
  std::string hook = tmp.path() + "/hook.sh";
  ASSERT_TRUE(WriteFileAtomic(hook, "#!/bin/sh\nexit 0\n", 0755).ok());
  FakeClock clock(FromUnixSeconds(0));
  FakeSleeper sleeper(clock);
  FakeTxtLookup::Shared dns;
  ChallengeTask task{{acme::IdentifierType::kDns, "a.example"}, false, "tok", "tok.thumb"};
  std::string value = Dns01RecordValue(task.key_authorization);
  dns.answers["127.0.0.1:53"] = {std::vector<std::string>{}, std::vector<std::string>{value}};
  PropagationOptions o;
  o.resolvers = {{"127.0.0.1", 53}};
  Dns01HookSolver solver(
      hook, sleeper, seconds(5), seconds(600),
      std::make_unique<PropagationChecker>(std::make_unique<FakeTxtLookup>(dns), clock, sleeper, o));
  ASSERT_TRUE(solver.Present(task).ok());
  EXPECT_EQ(dns.queries.size(), 2u);
  EXPECT_EQ(dns.queries[0].first, "_acme-challenge.a.example.");
  EXPECT_EQ(sleeper.sleeps(), (std::vector<milliseconds>{seconds(2), seconds(5)}));
}

TEST(AgentDns01HookPropagation, ARecordNeverSeenFailsPresentWithDnsError) {
  anvil::testing::TempDir tmp;
  std::string hook = tmp.path() + "/hook.sh";
  ASSERT_TRUE(WriteFileAtomic(hook, "#!/bin/sh\nexit 0\n", 0755).ok());
  FakeClock clock(FromUnixSeconds(0));
  FakeSleeper sleeper(clock);
  FakeTxtLookup::Shared dns;
  PropagationOptions o;
  o.timeout = seconds(4);
  Dns01HookSolver solver(
      hook, sleeper, seconds(5), seconds(600),
      std::make_unique<PropagationChecker>(std::make_unique<FakeTxtLookup>(dns), clock, sleeper, o));
  Status s = solver.Present({{acme::IdentifierType::kDns, "a.example"}, false, "tok", "tok.thumb"});
  EXPECT_EQ(s.code(), Code::kDns);
  EXPECT_NE(s.message().find("the system resolver: no TXT record"), std::string::npos) << s.message();
  EXPECT_EQ(sleeper.sleeps(), (std::vector<milliseconds>{seconds(2), seconds(2)}));  // No fixed delay.
}

// The ldns look-up against a real DNS server on loopback (pebble-challtestsrv).
TEST(AgentLdnsTxtLookup, SeesWhatChallTestSrvServes) {
  auto srv = anvil::testing::ChallTestSrv::Start();
  if (srv.status().code() == Code::kUnavailable) GTEST_SKIP() << srv.status().ToString();
  ASSERT_TRUE(srv.ok()) << srv.status().ToString();
  DnsServer server{"127.0.0.1", (*srv)->dns_port()};
  auto lookup = NewLdnsTxtLookup();
  auto before = lookup->LookupTxt("_acme-challenge.ldns.anvil.test.", server);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_TRUE(before->empty());
  ASSERT_TRUE((*srv)->SetTxt("_acme-challenge.ldns.anvil.test", "first").ok());
  ASSERT_TRUE((*srv)->SetTxt("_acme-challenge.ldns.anvil.test", "second").ok());
  auto after = lookup->LookupTxt("_acme-challenge.ldns.anvil.test.", server);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  std::sort(after->begin(), after->end());
  EXPECT_EQ(*after, (std::vector<std::string>{"first", "second"}));

  SystemClock clock;
  RealSleeper sleeper;
  PropagationOptions o;
  o.resolvers = {server};
  o.timeout = seconds(1);
  o.interval = milliseconds(200);
  PropagationChecker checker(NewLdnsTxtLookup(), clock, sleeper, o);
  EXPECT_TRUE(checker.WaitForTxt("_acme-challenge.ldns.anvil.test", "second").ok());
  Status missing = checker.WaitForTxt("_acme-challenge.ldns.anvil.test", "third");
  EXPECT_EQ(missing.code(), Code::kDns);
  EXPECT_NE(missing.message().find(server.ToString() + ": TXT"), std::string::npos) << missing.message();
}

TEST(AgentLdnsTxtLookup, ASilentServerIsADnsError) {
  // Nothing listens on this UDP port (bound and kept, never read): the query times out.
  const int fd = anvil::testing::BindLoopback(SOCK_DGRAM);
  ASSERT_GE(fd, 0);
  auto r = NewLdnsTxtLookup(milliseconds(100))
               ->LookupTxt("x.anvil.test.", {"127.0.0.1", anvil::testing::LocalPort(fd)});
  close(fd);
  EXPECT_EQ(r.status().code(), Code::kDns);
}

}  // namespace
}  // namespace anvil::agent
