#include "acme/problem.h"

#include <gtest/gtest.h>

namespace anvil::acme {
namespace {

TEST(ProblemJson, CarriesAcmeTypeStatusAndSubproblems) {
  Status s(Code::kRejectedIdentifier, "policy forbids names under example.net");
  s.AddSubproblem({"dns", "a.example.net", Code::kRejectedIdentifier, "forbidden"});
  auto j = ProblemJson(s);
  EXPECT_EQ(j["type"], "urn:ietf:params:acme:error:rejectedIdentifier");
  EXPECT_EQ(j["status"], 400);
  ASSERT_EQ(j["subproblems"].size(), 1u);
  EXPECT_EQ(j["subproblems"][0]["identifier"]["value"], "a.example.net");
}

TEST(ProblemJson, HidesInternalDetails) {
  auto j = ProblemJson(Status(Code::kIo, "/var/lib/secret: disk full"));
  EXPECT_EQ(j["type"], "urn:ietf:params:acme:error:serverInternal");
  EXPECT_EQ(j["status"], 500);
  EXPECT_EQ(j["detail"], "internal server error");
}

TEST(ProblemJson, MapsHttpStatuses) {
  EXPECT_EQ(HttpStatusFor(Code::kUnauthorized), 403);
  EXPECT_EQ(HttpStatusFor(Code::kOrderNotReady), 403);
  EXPECT_EQ(HttpStatusFor(Code::kBadNonce), 400);
  EXPECT_EQ(HttpStatusFor(Code::kRateLimited), 429);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Code::kUnsupportedMediaType), 415);
  EXPECT_EQ(ProblemType(Code::kNotFound), "urn:ietf:params:acme:error:malformed");
  EXPECT_EQ(ProblemType(Code::kBadCsr), "urn:ietf:params:acme:error:badCSR");
}

TEST(StatusFromProblem, RoundTrips) {
  Status s = StatusFromProblem(ProblemJson(Status(Code::kBadNonce, "stale")));
  EXPECT_EQ(s.code(), Code::kBadNonce);
  EXPECT_EQ(s.message(), "stale");
}

}  // namespace
}  // namespace anvil::acme
