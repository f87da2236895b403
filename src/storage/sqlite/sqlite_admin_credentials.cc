// The SQLite store's admin credentials (storage::AdminCredentialStore; class in sqlite_store_impl.h, table
// admin_credentials from the admin API's migration in migrations.cc).
#include <string>
#include <vector>

#include "storage/sqlite/sqlite_store_impl.h"

namespace anvil::storage::sqlite {
namespace {

#define ANVIL_ADMIN_CREDENTIAL_COLUMNS \
  "name, role, kind, lookup, token_sha256, certificate_serial, created_at, revoked_at"

AdminCredential ReadAdminCredential(const Statement& s) {
  AdminCredential c;
  c.name = s.ColumnText(0);
  c.role = s.ColumnText(1);
  c.kind = s.ColumnText(2);
  c.lookup = s.ColumnText(3);
  c.token_sha256 = s.ColumnText(4);
  c.certificate_serial = s.ColumnText(5);
  c.created_at = s.ColumnTime(6);
  c.revoked_at = s.ColumnOptionalTime(7);
  return c;
}

}  // namespace

Status SqliteStore::CreateAdminCredential(const AdminCredential& credential, const AuditEvent& audit) {
  ANVIL_RETURN_IF_ERROR(internal::CheckAdminCredential(credential));
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement insert,
                           c.Prepare("INSERT INTO admin_credentials (" ANVIL_ADMIN_CREDENTIAL_COLUMNS
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, NULL)"));
    insert.BindText(1, credential.name)
        .BindText(2, credential.role)
        .BindText(3, credential.kind)
        .BindText(4, credential.lookup)
        .BindText(5, credential.token_sha256)
        .BindText(6, credential.certificate_serial)
        .BindTime(7, credential.created_at);
    Status inserted = insert.Run();
    if (inserted.code() == Code::kConflict) return internal::AdminCredentialConflict(credential.name);
    ANVIL_RETURN_IF_ERROR(inserted);
    return InsertAudit(c, audit);
  });
}

Result<AdminCredential> SqliteStore::GetAdminCredential(const std::string& name) {
  return ReadOne<AdminCredential>(
      "SELECT " ANVIL_ADMIN_CREDENTIAL_COLUMNS " FROM admin_credentials WHERE name = ?", name,
      [](const Statement& s) -> Result<AdminCredential> { return ReadAdminCredential(s); }, "admin credential");
}

Result<AdminCredential> SqliteStore::FindAdminCredential(const std::string& lookup) {
  return ReadOne<AdminCredential>(
      "SELECT " ANVIL_ADMIN_CREDENTIAL_COLUMNS " FROM admin_credentials WHERE lookup = ?", lookup,
      [](const Statement& s) -> Result<AdminCredential> { return ReadAdminCredential(s); }, "admin credential");
}

Result<std::vector<AdminCredential>> SqliteStore::ListAdminCredentials() {
  return Read<std::vector<AdminCredential>>(false, [&](Connection& c) -> Result<std::vector<AdminCredential>> {
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_ADMIN_CREDENTIAL_COLUMNS
                                                  " FROM admin_credentials ORDER BY seq"));
    return ReadAll<AdminCredential>(
        s, [](const Statement& st) -> Result<AdminCredential> { return ReadAdminCredential(st); });
  });
}

Status SqliteStore::RevokeAdminCredential(const std::string& name, TimePoint at, const AuditEvent& audit) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare("UPDATE admin_credentials SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"));
    update.BindTime(1, at).BindText(2, name);
    ANVIL_RETURN_IF_ERROR(update.Run());
    if (c.Changes() == 1) return InsertAudit(c, audit);
    ANVIL_ASSIGN_OR_RETURN(Statement exists, c.Prepare("SELECT 1 FROM admin_credentials WHERE name = ?"));
    exists.BindText(1, name);
    ANVIL_ASSIGN_OR_RETURN(bool found, exists.Step());
    return found ? internal::AdminCredentialRevoked(name) : internal::NotFound("admin credential", name);
  });
}

}  // namespace anvil::storage::sqlite
