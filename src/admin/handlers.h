// The admin API's endpoints (docs/admin-api.md), added to an AdminApi by resource: each Add…Routes function
// adds its routes with their least roles. Handlers read the store and write only through the RA (operator
// actions, audited with the caller as requester), except EAB keys, created in the store as `anvil-ca eab
// create` does (docs/architecture.md, "Recorded exceptions").
#pragma once

#include "admin/admin_api.h"
#include "admin/ca_operations.h"
#include "base/time.h"
#include "ra/registration_authority.h"
#include "storage/store.h"

namespace anvil::admin {

// What the handlers use; every member must outlive the AdminApi.
struct HandlerDeps {
  storage::Store& store;
  ra::RegistrationAuthority& ra;
  CaOperations& ca;
  const Clock& clock;
};

// A route handler calling `f` with `deps` (whose members are references that outlive the API).
inline RouteHandler Bind(const HandlerDeps& deps, Result<Reply> (*f)(const HandlerDeps&, const Call&)) {
  return [deps, f](const Call& call) { return f(deps, call); };
}

// GET /certificates, GET /certificates/{serial}, POST /certificates/{serial}/revoke (operator),
// GET /accounts, GET /accounts/{id}, POST /accounts/{id}/deactivate (operator) (handlers_inventory.cc).
void AddInventoryRoutes(AdminApi& api, const HandlerDeps& deps);
// GET /audit, GET /audit/verify, POST /audit/anchors (admin), POST /ca/reload (admin) (handlers_audit.cc).
void AddAuditAndCaRoutes(AdminApi& api, const HandlerDeps& deps);
// GET /eab-keys, POST /eab-keys, POST /eab-keys/{kid}/revoke (operator) (handlers_eab.cc).
void AddEabRoutes(AdminApi& api, const HandlerDeps& deps);
// GET /policies, GET /policies/explain (viewer), POST /accounts/{id}/policy, PUT and DELETE /policies/{name}
// (admin) (handlers_policy.cc).
void AddPolicyRoutes(AdminApi& api, const HandlerDeps& deps);
// GET /overview: counts, the expiry timeline, activity per day and the CA's health; GET /issuers: the CA
// certificates served (handlers_overview.cc).
void AddOverviewRoutes(AdminApi& api, const HandlerDeps& deps);
// GET /whoami and GET /openapi.json (handlers_audit.cc).
void AddServiceRoutes(AdminApi& api);
// Every route above.
void AddAllRoutes(AdminApi& api, const HandlerDeps& deps);

}  // namespace anvil::admin
