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

// RFC 8555 registers no conflict type: a request that conflicts with the resource's state (a key in use, a
// lost conditional update) is malformed with 409, status member included; RFC 9773's alreadyReplaced is its own.
TEST(ProblemJson, ConflictIsMalformedWith409AndAlreadyReplacedItsOwnType) {
  nlohmann::json conflict = ProblemJson(Status(Code::kConflict, "the new key is already in use"));
  EXPECT_EQ(conflict["type"], "urn:ietf:params:acme:error:malformed");
  EXPECT_EQ(conflict["status"], 409);
  EXPECT_EQ(conflict["detail"], "the new key is already in use");
  nlohmann::json replaced = ProblemJson(Status(Code::kAlreadyReplaced, "replaced by order x"));
  EXPECT_EQ(replaced["type"], "urn:ietf:params:acme:error:alreadyReplaced");
  EXPECT_EQ(replaced["status"], 409);
  EXPECT_EQ(StatusFromProblem(replaced).code(), Code::kAlreadyReplaced);
}

TEST(StatusFromProblem, RoundTrips) {
  Status s = StatusFromProblem(ProblemJson(Status(Code::kBadNonce, "stale")));
  EXPECT_EQ(s.code(), Code::kBadNonce);
  EXPECT_EQ(s.message(), "stale");
}

TEST(Problem, BadAttestationStatementIsTheDraftsType) {
  // draft-ietf-acme-device-attest-09 §5: "badAttestationStatement", with the failed check in the detail.
  auto j = ProblemJson(Status(Code::kBadAttestationStatement, "tpm: certInfo is not a certification"));
  EXPECT_EQ(j["type"], "urn:ietf:params:acme:error:badAttestationStatement");
  EXPECT_EQ(j["detail"], "tpm: certInfo is not a certification");
  EXPECT_EQ(StatusFromProblem(j).code(), Code::kBadAttestationStatement);
}

}  // namespace
}  // namespace anvil::acme
