#include "base/status.h"

#include <gtest/gtest.h>

namespace anvil {
namespace {

Result<int> Half(int v) {
  if (v % 2) return Error(Code::kInvalidArgument, "odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  ANVIL_ASSIGN_OR_RETURN(int h, Half(v));
  ANVIL_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Result, PropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().ToString(), "invalidArgument: odd");
}

TEST(Status, NamesAcmeCodesLikeTheRfc) {
  EXPECT_EQ(CodeName(Code::kBadCsr), "badCSR");
  EXPECT_EQ(CodeName(Code::kBadNonce), "badNonce");
  EXPECT_EQ(CodeName(Code::kAccountDoesNotExist), "accountDoesNotExist");
}

}  // namespace
}  // namespace anvil
