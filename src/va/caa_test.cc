// CAA without a network: the names climbed, the issue-value grammar, the decision over one RRset (RFC 8659
// §3, §4; RFC 8657 §3, §4), and the climb over a fixed-answer resolver. caa_dns_test.cc runs the same check
// against real DNS servers.
#include "va/caa.h"

#include <gtest/gtest.h>

#include "va/network_validator.h"
#include "va/va_test_util.h"

namespace anvil::va {
namespace {

using testing::CaaCheckOf;

using internal::CaaSearchNames;
using internal::EvaluateCaaRrset;
using internal::ParseIssueValue;

const std::vector<std::string> kUs = {"ca.anvil.test", "backup.anvil.test"};

CaaRecord Issue(std::string value, uint8_t flags = 0) { return {flags, "issue", std::move(value)}; }
CaaRecord IssueWild(std::string value) { return {0, "issuewild", std::move(value)}; }

Status Decide(const std::vector<CaaRecord>& rrset, const CaaCheck& check = CaaCheckOf("www.example.test")) {
  return EvaluateCaaRrset(rrset, "example.test", check, kUs);
}

TEST(CaaSearchNamesTest, ClimbsToTheTopLevelDomainButNotTheRoot) {
  EXPECT_EQ(CaaSearchNames("a.b.example.com"),
            (std::vector<std::string>{"a.b.example.com", "b.example.com", "example.com", "com"}));
  EXPECT_EQ(CaaSearchNames("example.com."), (std::vector<std::string>{"example.com", "com"}));
  EXPECT_EQ(CaaSearchNames("internal"), (std::vector<std::string>{"internal"}));
}

TEST(CaaIssueValueTest, ParsesIssuerAndParameters) {
  auto v =
      ParseIssueValue(" CA.Anvil.test ; accounturi = https://ca/acct/1;\tvalidationmethods=dns-01,http-01 ");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->issuer, "ca.anvil.test");
  ASSERT_EQ(v->parameters.size(), 2u);
  EXPECT_EQ(v->parameters[0], (std::pair<std::string, std::string>{"accounturi", "https://ca/acct/1"}));
  EXPECT_EQ(v->parameters[1], (std::pair<std::string, std::string>{"validationmethods", "dns-01,http-01"}));
}

TEST(CaaIssueValueTest, NoIssuerMeansNobody) {
  for (const char* value : {";", "", "  ;  ", "; tag=value"}) {
    auto v = ParseIssueValue(value);
    ASSERT_TRUE(v.ok()) << value << ": " << v.status().ToString();
    EXPECT_EQ(v->issuer, "") << value;
  }
  auto semicolon = ParseIssueValue("ca.anvil.test;");
  ASSERT_TRUE(semicolon.ok());
  EXPECT_EQ(semicolon->issuer, "ca.anvil.test");
  EXPECT_TRUE(semicolon->parameters.empty());
}

TEST(CaaIssueValueTest, RefusesWhatTheGrammarDoesNot) {
  for (const char* value :
       {"ca..anvil.test", "-ca.anvil.test", "ca-.anvil.test", "ca.anvil.test.", "ca.anvil.test x",
        "ca.anvil.test; =v", "ca.anvil.test; t", "ca.anvil.test; t=v;", "ca.anvil.test; t=v w=x", "ca_x.test",
        "ca.anvil.test; t=v\x7f", "ca.anvil.test; t-=v"}) {
    auto v = ParseIssueValue(value);
    EXPECT_EQ(v.status().code(), Code::kMalformed) << value;
  }
}

TEST(CaaDecisionTest, NoIssuePropertyPermits) {
  EXPECT_TRUE(Decide({}).ok());
  EXPECT_TRUE(Decide({{0, "iodef", "mailto:security@example.test"}}).ok());
  EXPECT_TRUE(Decide({{0, "futuretag", "x"}}).ok());  // not critical: ignored (§4.1)
  // issuewild is ignored for a name that is not a wildcard (§4.3).
  EXPECT_TRUE(Decide({IssueWild(";")}).ok());
}

TEST(CaaDecisionTest, AnIssuePropertyMustNameThisCa) {
  EXPECT_TRUE(Decide({Issue("ca.anvil.test")}).ok());
  EXPECT_TRUE(Decide({Issue("other.example"), Issue("BACKUP.anvil.test")}).ok());
  Status other = Decide({Issue("other.example")});
  EXPECT_EQ(other.code(), Code::kCaa);
  EXPECT_EQ(other.message(),
            "CAA record for example.test prevents issuance: no issue property names this CA");
  EXPECT_EQ(Decide({Issue(";")}).code(), Code::kCaa);
  // A value that does not parse authorizes nobody, even when it starts with this CA's name.
  EXPECT_EQ(Decide({Issue("ca.anvil.test x")}).code(), Code::kCaa);
  // Names are matched whole, not as suffixes.
  EXPECT_EQ(Decide({Issue("anvil.test")}).code(), Code::kCaa);
  EXPECT_EQ(Decide({Issue("x.ca.anvil.test")}).code(), Code::kCaa);
}

TEST(CaaDecisionTest, UnknownCriticalPropertyForbids) {
  Status s = Decide({Issue("ca.anvil.test"), {128, "tbs", "unknown"}});
  EXPECT_EQ(s.code(), Code::kCaa);
  EXPECT_EQ(s.message(), "CAA record for example.test prevents issuance: unknown critical property \"tbs\"");
  // Known properties may be critical.
  EXPECT_TRUE(Decide({Issue("ca.anvil.test", 128), {128, "iodef", "mailto:x@example.test"}}).ok());
  // Only 128 is the critical flag; the other bits are reserved and ignored (§4.1; Boulder also reads 1).
  EXPECT_TRUE(Decide({Issue("ca.anvil.test"), {1, "tbs", "unknown"}}).ok());
}

TEST(CaaDecisionTest, IssuewildDecidesForWildcardsWhenPresent) {
  const CaaCheck wildcard = CaaCheckOf("example.test", /*wildcard=*/true);
  EXPECT_TRUE(Decide({Issue("ca.anvil.test")}, wildcard).ok());  // no issuewild: issue decides
  EXPECT_EQ(Decide({Issue("other.example")}, wildcard).code(), Code::kCaa);
  EXPECT_EQ(Decide({Issue("ca.anvil.test"), IssueWild(";")}, wildcard).code(), Code::kCaa);
  EXPECT_TRUE(Decide({Issue(";"), IssueWild("ca.anvil.test")}, wildcard).ok());
  Status s = Decide({Issue("ca.anvil.test"), IssueWild("other.example")}, wildcard);
  EXPECT_EQ(s.message(),
            "CAA record for example.test prevents issuance: no issuewild property names this CA");
  // The same records for the name itself: issue decides.
  EXPECT_TRUE(Decide({Issue("ca.anvil.test"), IssueWild(";")}, CaaCheckOf("example.test")).ok());
}

TEST(CaaDecisionTest, AccountUriMustBeTheRequestingAccount) {
  EXPECT_TRUE(Decide({Issue("ca.anvil.test; accounturi=https://ca.anvil.test/acme/acct/7")}).ok());
  Status s = Decide({Issue("ca.anvil.test; accounturi=https://ca.anvil.test/acme/acct/8")});
  EXPECT_EQ(s.code(), Code::kCaa);
  EXPECT_EQ(
      s.message(),
      "CAA record for example.test prevents issuance: the issue property naming this CA: its accounturi "
      "names another account");
  // Another property may still authorize this account.
  EXPECT_TRUE(Decide({Issue("ca.anvil.test; accounturi=https://ca.anvil.test/acme/acct/8"),
                      Issue("ca.anvil.test; accounturi=https://ca.anvil.test/acme/acct/7")})
                  .ok());
}

TEST(CaaDecisionTest, ValidationMethodsMustIncludeTheOneUsed) {
  EXPECT_TRUE(Decide({Issue("ca.anvil.test; validationmethods=http-01,dns-01")}).ok());
  Status s = Decide({Issue("ca.anvil.test; validationmethods=http-01,tls-alpn-01")});
  EXPECT_EQ(s.code(), Code::kCaa);
  EXPECT_EQ(s.message(),
            "CAA record for example.test prevents issuance: the issue property naming this CA: its "
            "validationmethods do not include dns-01");
  // Unknown parameters are ignored.
  EXPECT_TRUE(Decide({Issue("ca.anvil.test; policy=ev; validationmethods=dns-01")}).ok());
}

TEST(CaaClimbTest, NearestNonEmptyRrsetDecides) {
  testing::StaticResolver dns;
  dns.caa["example.test"] = {Issue("other.example")};
  dns.caa["ok.example.test"] = {Issue("ca.anvil.test")};
  EXPECT_TRUE(ValidateCaa(CaaCheckOf("www.ok.example.test"), kUs, dns).ok());
  Status parent = ValidateCaa(CaaCheckOf("www.example.test"), kUs, dns);
  EXPECT_EQ(parent.code(), Code::kCaa);
  EXPECT_EQ(parent.message(),
            "CAA record for example.test prevents issuance: no issue property names this CA");
  EXPECT_TRUE(ValidateCaa(CaaCheckOf("www.elsewhere.test"), kUs, dns).ok());  // no records anywhere
}

TEST(CaaClimbTest, FailureBeforeTheRelevantRrsetRefusesAfterItDoesNot) {
  testing::StaticResolver dns;
  dns.caa["ok.example.test"] = {Issue("ca.anvil.test")};
  dns.caa_servfail = {"www.ok.example.test", "example.test"};
  Status nearer = ValidateCaa(CaaCheckOf("www.ok.example.test"), kUs, dns);
  EXPECT_EQ(nearer.code(), Code::kDns);
  EXPECT_EQ(nearer.message(), "DNS problem: SERVFAIL looking up CAA for www.ok.example.test");
  EXPECT_TRUE(
      ValidateCaa(CaaCheckOf("a.ok.example.test"), kUs, dns).ok());  // the failure above is irrelevant
  EXPECT_EQ(ValidateCaa(CaaCheckOf("a.example.test"), kUs, dns).code(), Code::kDns);
}

TEST(CaaClimbTest, NoIdentitiesMeansNoCheckAndNoQuery) {
  testing::StaticResolver dns;
  dns.caa["example.test"] = {Issue(";")};
  EXPECT_TRUE(ValidateCaa(CaaCheckOf("example.test"), {}, dns).ok());
  EXPECT_TRUE(dns.caa_queried.empty());
}

}  // namespace
}  // namespace anvil::va
