// The conformance suite (store_conformance.h): the admin API's credentials (storage::AdminCredentialStore),
// recorded with their audit row, found by name and by lookup, revoked once, the same in every backend.
#include <string>
#include <vector>

#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

AdminCredential Credential(const std::string& name, const std::string& lookup, const std::string& kind = "token") {
  AdminCredential c;
  c.name = name;
  c.role = "operator";
  c.kind = kind;
  c.lookup = lookup;
  if (kind == "token") c.token_sha256 = std::string(64, 'a');
  if (kind == "certificate") c.certificate_serial = "3fa9";
  c.created_at = kT0 + std::chrono::milliseconds(700);
  return c;
}

TEST_P(StoreConformanceTest, AdminCredentialIsRecordedWithItsAuditRowAndFoundByNameAndLookup) {
  AdminCredential token = Credential("ci", "id-1");
  token.revoked_at = kT0;  // ignored: a new credential is not revoked
  ASSERT_OK(store_->CreateAdminCredential(token, Note("admin.credential.created", "ci")));
  ASSERT_OK(store_->CreateAdminCredential(Credential("alice", "f00d", "certificate"),
                                          Note("admin.credential.created", "alice")));
  Result<AdminCredential> got = store_->GetAdminCredential("ci");
  ASSERT_OK(got);
  EXPECT_EQ(got->role, "operator");
  EXPECT_EQ(got->kind, "token");
  EXPECT_EQ(got->lookup, "id-1");
  EXPECT_EQ(got->token_sha256, std::string(64, 'a'));
  EXPECT_EQ(got->created_at, kT0);  // whole seconds
  EXPECT_FALSE(got->revoked_at.has_value());
  Result<AdminCredential> by_lookup = store_->FindAdminCredential("f00d");
  ASSERT_OK(by_lookup);
  EXPECT_EQ(by_lookup->name, "alice");
  EXPECT_EQ(by_lookup->certificate_serial, "3fa9");
  Result<std::vector<AdminCredential>> all = store_->ListAdminCredentials();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "ci");
  EXPECT_EQ((*all)[1].name, "alice");
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"admin.credential.created", "admin.credential.created"}));
}

TEST_P(StoreConformanceTest, AdminCredentialWithATakenNameOrLookupIsAConflictAndChangesNothing) {
  ASSERT_OK(store_->CreateAdminCredential(Credential("ci", "id-1"), Note("admin.credential.created")));
  EXPECT_TRUE(HasCode(store_->CreateAdminCredential(Credential("ci", "id-2"), Note("x")), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->CreateAdminCredential(Credential("other", "id-1"), Note("x")), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->CreateAdminCredential(Credential("", "id-3"), Note("x")), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->CreateAdminCredential(Credential("x", ""), Note("x")), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->GetAdminCredential("other"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->FindAdminCredential("id-2"), Code::kNotFound));
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"admin.credential.created"}));
}

TEST_P(StoreConformanceTest, AdminCredentialIsRevokedOnceAndKeepsItsName) {
  ASSERT_OK(store_->CreateAdminCredential(Credential("ci", "id-1"), Note("admin.credential.created")));
  ASSERT_OK(store_->RevokeAdminCredential("ci", kT0 + kDay, Note("admin.credential.revoked")));
  Result<AdminCredential> got = store_->FindAdminCredential("id-1");
  ASSERT_OK(got);
  ASSERT_TRUE(got->revoked_at.has_value());
  EXPECT_EQ(*got->revoked_at, kT0 + kDay);
  EXPECT_TRUE(HasCode(store_->RevokeAdminCredential("ci", kT0 + 2 * kDay, Note("x")), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->RevokeAdminCredential("nobody", kT0, Note("x")), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->CreateAdminCredential(Credential("ci", "id-9"), Note("x")), Code::kConflict));
  EXPECT_EQ(AuditKinds(*store_),
            (std::vector<std::string>{"admin.credential.created", "admin.credential.revoked"}));
}

}  // namespace
}  // namespace anvil::storage::testing
