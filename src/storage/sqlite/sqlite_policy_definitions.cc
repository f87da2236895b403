// The SQLite store's run-time policy definitions (storage::PolicyDefinitionStore; class in
// sqlite_store_impl.h, tables policy_definitions and policy_definitions_version from migration 12 in
// migrations.cc).
#include <string>
#include <vector>

#include "storage/internal/eab.h"
#include "storage/internal/policy_definition.h"
#include "storage/sqlite/sqlite_store_impl.h"

namespace anvil::storage::sqlite {
namespace {

#define ANVIL_POLICY_DEFINITION_COLUMNS "name, rules_json, created_at, created_by, updated_at, updated_by"

PolicyDefinition ReadPolicyDefinition(const Statement& s) {
  PolicyDefinition d;
  d.name = s.ColumnText(0);
  d.rules_json = s.ColumnText(1);
  d.created_at = s.ColumnTime(2);
  d.created_by = s.ColumnText(3);
  d.updated_at = s.ColumnTime(4);
  d.updated_by = s.ColumnText(5);
  return d;
}

Result<int64_t> ReadVersion(Connection& c) {
  ANVIL_ASSIGN_OR_RETURN(Statement s,
                         c.Prepare("SELECT version FROM policy_definitions_version WHERE id = 1"));
  ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Error(Code::kInternal, "policy_definitions_version: no row");
  return s.ColumnInt(0);
}

// What still binds `name` (internal::PolicyBinders), from the partial indexes of migration 12 and the EAB
// keys that have the policy (few), whose usability internal::CheckEabUsable decides as in every backend.
Result<internal::PolicyBinders> FindBinders(Connection& c, const std::string& name, TimePoint now) {
  internal::PolicyBinders b;
  const std::string valid(internal::Name(acme::AccountStatus::kValid));
  ANVIL_ASSIGN_OR_RETURN(Statement direct, c.Prepare(kAccountBoundToPolicySql));
  direct.BindText(1, name).BindText(2, valid);
  ANVIL_ASSIGN_OR_RETURN(bool row, direct.Step());
  if (row) b.account = direct.ColumnText(0);
  ANVIL_ASSIGN_OR_RETURN(Statement through_eab, c.Prepare(kAccountBoundThroughEabKeySql));
  through_eab.BindText(1, name).BindText(2, valid);
  ANVIL_ASSIGN_OR_RETURN(row, through_eab.Step());
  if (row) {
    b.eab_account = through_eab.ColumnText(0);
    b.eab_account_key = through_eab.ColumnText(1);
  }
  ANVIL_ASSIGN_OR_RETURN(
      Statement keys, c.Prepare("SELECT " ANVIL_EAB_COLUMNS " FROM eab_keys WHERE policy = ? ORDER BY kid"));
  keys.BindText(1, name);
  while (b.usable_eab_key.empty()) {
    ANVIL_ASSIGN_OR_RETURN(row, keys.Step());
    if (!row) break;
    EabKey key = ReadEabKey(keys);
    if (internal::CheckEabUsable(key, now).ok()) b.usable_eab_key = key.kid;
  }
  return b;
}

}  // namespace

Status SqliteStore::CreatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) {
  ANVIL_RETURN_IF_ERROR(internal::CheckPolicyDefinition(definition));
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(Statement insert,
                           c.Prepare("INSERT INTO policy_definitions (" ANVIL_POLICY_DEFINITION_COLUMNS
                                     ") VALUES (?, ?, ?, ?, ?, ?)"));
    insert.BindText(1, definition.name)
        .BindText(2, definition.rules_json)
        .BindTime(3, definition.created_at)
        .BindText(4, definition.created_by)
        .BindTime(5, definition.updated_at)
        .BindText(6, definition.updated_by);
    Status inserted = insert.Run();
    if (inserted.code() == Code::kConflict) return internal::PolicyDefinitionConflict(definition.name);
    ANVIL_RETURN_IF_ERROR(inserted);
    return InsertAudit(c, audit);
  });
}

Status SqliteStore::UpdatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(
        Statement update,
        c.Prepare(
            "UPDATE policy_definitions SET rules_json = ?, updated_at = ?, updated_by = ? WHERE name = ?"));
    update.BindText(1, definition.rules_json)
        .BindTime(2, definition.updated_at)
        .BindText(3, definition.updated_by)
        .BindText(4, definition.name);
    ANVIL_RETURN_IF_ERROR(update.Run());
    if (c.Changes() != 1) return internal::NotFound("policy definition", definition.name);
    return InsertAudit(c, audit);
  });
}

Status SqliteStore::DeletePolicyDefinition(const std::string& name, TimePoint now, const AuditEvent& audit) {
  return Write([&](Connection& c) -> Status {
    ANVIL_ASSIGN_OR_RETURN(bool found, Exists(c, "SELECT 1 FROM policy_definitions WHERE name = ?", name));
    if (!found) return internal::NotFound("policy definition", name);
    ANVIL_ASSIGN_OR_RETURN(internal::PolicyBinders binders, FindBinders(c, name, now));
    ANVIL_RETURN_IF_ERROR(internal::PolicyStillBound(name, binders));
    ANVIL_ASSIGN_OR_RETURN(Statement remove, c.Prepare("DELETE FROM policy_definitions WHERE name = ?"));
    remove.BindText(1, name);
    ANVIL_RETURN_IF_ERROR(remove.Run());
    return InsertAudit(c, audit);
  });
}

Result<PolicyDefinitions> SqliteStore::ListPolicyDefinitions() {
  return Read<PolicyDefinitions>(true, [&](Connection& c) -> Result<PolicyDefinitions> {
    PolicyDefinitions out;
    ANVIL_ASSIGN_OR_RETURN(out.version, ReadVersion(c));
    ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT " ANVIL_POLICY_DEFINITION_COLUMNS
                                                  " FROM policy_definitions ORDER BY name"));
    ANVIL_ASSIGN_OR_RETURN(out.definitions,
                           ReadAll<PolicyDefinition>(s, [](const Statement& st) -> Result<PolicyDefinition> {
                             return ReadPolicyDefinition(st);
                           }));
    return out;
  });
}

Result<int64_t> SqliteStore::PolicyDefinitionsVersion() {
  return Read<int64_t>(false, [&](Connection& c) { return ReadVersion(c); });
}

}  // namespace anvil::storage::sqlite
