// The audit trail's endpoints (docs/audit.md), the CA operations (admin role), and the service's own: who am I,
// and the OpenAPI description.
#include <algorithm>
#include <string>

#include "admin/handlers.h"
#include "admin/inventory_view.h"
#include "admin/openapi.h"

namespace anvil::admin {
namespace {

// Oldest first from `after_id`, or with `subject` only that subject's records (its index); or, with
// `before_id`, the page of ids just below it newest first (`before_id` one past the newest: the latest records,
// what an operator opens the log for). Ids are never reused, so a page is an id range.
Result<Reply> ListAudit(const HandlerDeps& deps, const Call& call) {
  ANVIL_ASSIGN_OR_RETURN(int64_t after_id, call.IntParam("after_id", 0, 0, INT64_MAX));
  ANVIL_ASSIGN_OR_RETURN(int64_t before_id, call.IntParam("before_id", 0, 0, INT64_MAX));
  ANVIL_ASSIGN_OR_RETURN(int64_t limit, call.IntParam("limit", 100, 1, 1000));
  const std::string subject = call.Param("subject");
  if (before_id > 0 && (after_id > 0 || !subject.empty())) {
    return Error(Code::kInvalidArgument, "before_id goes with neither after_id nor subject");
  }
  nlohmann::json out = {{"records", nlohmann::json::array()}, {"next_after_id", nullptr}};
  if (before_id > 0) {
    const int64_t from = std::max<int64_t>(0, before_id - 1 - limit);
    ANVIL_ASSIGN_OR_RETURN(std::vector<storage::AuditEvent> rows,
                           deps.store.ListAudit(from, static_cast<int>(limit)));
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      if (it->id < before_id) out["records"].push_back(AuditJson(*it));
    }
    out["next_before_id"] = from > 0 ? nlohmann::json(from + 1) : nlohmann::json(nullptr);
    return Reply{200, out};
  }
  ANVIL_ASSIGN_OR_RETURN(std::vector<storage::AuditEvent> rows,
                         subject.empty() ? deps.store.ListAudit(after_id, static_cast<int>(limit))
                                         : deps.store.ListAuditForSubject(subject, after_id, static_cast<int>(limit)));
  for (const storage::AuditEvent& e : rows) out["records"].push_back(AuditJson(e));
  // A full page may have a next one; the caller continues after its last id.
  if (static_cast<int64_t>(rows.size()) == limit) out["next_after_id"] = rows.back().id;
  return Reply{200, out};
}

// The newest record's id (0 when the trail is empty): `before_id` = head + 1 lists the latest.
Result<Reply> AuditHead(const HandlerDeps& deps, const Call&) {
  ANVIL_ASSIGN_OR_RETURN(std::optional<storage::AuditEvent> last, deps.store.LastAudit());
  return Reply{200, {{"head_id", last ? last->id : 0}, {"at", last ? nlohmann::json(FormatRfc3339(last->at)) : nlohmann::json(nullptr)}}};
}

Result<Reply> VerifyAudit(const HandlerDeps& deps, const Call&) {
  ANVIL_ASSIGN_OR_RETURN(AuditCheck check, deps.ca.VerifyAudit());
  nlohmann::json out = {{"holds", check.holds},         {"records", check.records},
                        {"head_id", check.head_id},     {"head_hash", check.head_hash},
                        {"anchors", check.anchors},     {"first_bad_id", nullptr},
                        {"problem", check.problem}};
  if (check.first_bad_id) out["first_bad_id"] = *check.first_bad_id;
  return Reply{200, out};
}

Result<Reply> AnchorAudit(const HandlerDeps& deps, const Call&) {
  ANVIL_ASSIGN_OR_RETURN(std::optional<storage::AuditAnchor> anchor, deps.ca.AnchorAudit());
  if (!anchor) return Reply{200, {{"anchored", false}, {"anchor", nullptr}}};
  return Reply{201,
               {{"anchored", true},
                {"anchor",
                 {{"id", anchor->id},
                  {"at", FormatRfc3339(anchor->at)},
                  {"head_id", anchor->head_id},
                  {"head_hash", anchor->head_hash}}}}};
}

Result<Reply> ReloadCa(const HandlerDeps& deps, const Call&) {
  ANVIL_ASSIGN_OR_RETURN(std::string summary, deps.ca.ReloadCa());
  return Reply{200, {{"summary", summary}}};
}

}  // namespace

void AddAuditAndCaRoutes(AdminApi& api, const HandlerDeps& deps) {
  api.Add({"GET", "/audit", Role::kViewer, Bind(deps, ListAudit), {"after_id", "before_id", "subject", "limit"}});
  api.Add({"GET", "/audit/head", Role::kViewer, Bind(deps, AuditHead)});
  api.Add({"GET", "/audit/verify", Role::kViewer, Bind(deps, VerifyAudit)});
  api.Add({"POST", "/audit/anchors", Role::kAdmin, Bind(deps, AnchorAudit)});
  api.Add({"POST", "/ca/reload", Role::kAdmin, Bind(deps, ReloadCa)});
}

void AddServiceRoutes(AdminApi& api) {
  api.Add({"GET", "/whoami", Role::kViewer, [](const Call& call) -> Result<Reply> {
             return Reply{200,
                          {{"name", call.caller.name},
                           {"role", RoleName(call.caller.role)},
                           {"credential", call.caller.credential}}};
           }});
  api.Add({"GET", "/openapi.json", Role::kViewer,
           [](const Call&) -> Result<Reply> { return Reply{200, OpenApiDocument()}; }});
}

void AddAllRoutes(AdminApi& api, const HandlerDeps& deps) {
  AddServiceRoutes(api);
  AddInventoryRoutes(api, deps);
  AddAuditAndCaRoutes(api, deps);
  AddEabRoutes(api, deps);
  AddPolicyRoutes(api, deps);
  AddOverviewRoutes(api, deps);
}

}  // namespace anvil::admin
