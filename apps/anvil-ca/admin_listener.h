// The admin API's HTTPS listener (`[admin] listen`, docs/admin-api.md), built by CaServer only when it is set:
// the server's own TLS certificate, client certificates asked for against the CA's roots and intermediates, the
// Authenticator over the store's credentials, an AdminApi with every route, and the CA operations it offers
// (anchoring and verifying the audit trail, CaServer::Reload) over the running server's parts; with
// admin.console, the web console under /console/ and its sessions (docs/console.md).
// Handlers run on two worker threads, not fibers: a reload and an anchor hold locks across waits.
// Thread-safe; Stop (or the destructor) before the parts it uses go away.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "admin/ca_operations.h"
#include "audit_anchoring.h"
#include "base/status.h"
#include "base/time.h"
#include "ca/ca_material.h"
#include "config/config.h"
#include "ra/registration_authority.h"
#include "storage/store.h"

namespace anvil::app {

struct AdminListenerParts {
  const config::Config& config;
  storage::Store& store;
  ra::RegistrationAuthority& ra;
  const ca::CaMaterial& material;  // roots and intermediates client certificates must chain to (read at start)
  AuditAnchoring& anchoring;
  std::function<Result<std::string>()> reload;  // CaServer::Reload
  std::function<Result<std::vector<admin::IssuerStatus>>()> issuers;  // the CA certificates served now
  const Clock& clock;
  std::pair<std::string, std::string> tls;  // the server's chain and key (PEM)
};

class AdminListener {
 public:
  static Result<std::unique_ptr<AdminListener>> Start(AdminListenerParts parts);
  ~AdminListener();
  AdminListener(const AdminListener&) = delete;
  AdminListener& operator=(const AdminListener&) = delete;

  std::vector<uint16_t> ports() const;
  void Stop();

 private:
  struct Impl;
  explicit AdminListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace anvil::app
