#include "admin_listener.h"

#include "admin/admin_api.h"
#include "admin/ca_operations.h"
#include "admin/credentials.h"
#include "admin/handlers.h"
#include "admin/sessions.h"
#include "audit_verification.h"
#include "console/console.h"
#include "http/server.h"

namespace anvil::app {
namespace {

class ServerCaOperations final : public admin::CaOperations {
 public:
  ServerCaOperations(storage::Store& store, std::string data_dir, AuditAnchoring& anchoring,
                     std::function<Result<std::string>()> reload,
                     std::function<Result<std::vector<admin::IssuerStatus>>()> issuers)
      : store_(store),
        data_dir_(std::move(data_dir)),
        anchoring_(anchoring),
        reload_(std::move(reload)),
        issuers_(std::move(issuers)) {}

  Result<std::optional<storage::AuditAnchor>> AnchorAudit() override { return anchoring_.AnchorNow(); }

  Result<admin::AuditCheck> VerifyAudit() override {
    ANVIL_ASSIGN_OR_RETURN(AuditTrailCheck trail, VerifyAuditTrail(store_, data_dir_, {}));
    admin::AuditCheck check;
    check.anchors = static_cast<int64_t>(trail.stored_anchors);
    if (!trail.bad_anchor.empty()) {
      check.problem = trail.bad_anchor;
      return check;
    }
    check.holds = trail.chain.ok();
    check.records = trail.chain.records;
    check.head_id = trail.chain.last_id;
    check.head_hash = trail.chain.last_hash;
    check.first_bad_id = trail.chain.first_bad_id;
    check.problem = trail.chain.problem;
    return check;
  }

  Result<std::string> ReloadCa() override { return reload_(); }
  Result<std::vector<admin::IssuerStatus>> Issuers() override { return issuers_(); }

 private:
  storage::Store& store_;
  const std::string data_dir_;
  AuditAnchoring& anchoring_;
  std::function<Result<std::string>()> reload_;
  std::function<Result<std::vector<admin::IssuerStatus>>()> issuers_;
};

}  // namespace

struct AdminListener::Impl {
  std::unique_ptr<ServerCaOperations> operations;
  std::unique_ptr<admin::Authenticator> authenticator;
  std::unique_ptr<admin::AdminApi> api;
  std::unique_ptr<admin::Sessions> sessions;   // with the console only
  std::unique_ptr<console::Console> console;  // admin.console
  std::unique_ptr<http::Server> server;  // last: stopped first
};

AdminListener::AdminListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AdminListener::~AdminListener() { Stop(); }

Result<std::unique_ptr<AdminListener>> AdminListener::Start(AdminListenerParts p) {
  auto impl = std::make_unique<Impl>();
  impl->operations =
      std::make_unique<ServerCaOperations>(p.store, p.config.data_dir, p.anchoring, p.reload, p.issuers);
  std::vector<crypto::Certificate> roots, intermediates;
  std::string client_ca_pem;
  for (const ca::CaRoot& root : p.material.roots) {
    roots.push_back(root.certificate);
    client_ca_pem += root.certificate.ToPem();
  }
  for (const ca::Intermediate& intermediate : p.material.intermediates) {
    intermediates.push_back(intermediate.certificate);
    client_ca_pem += intermediate.certificate.ToPem();
  }
  impl->authenticator = std::make_unique<admin::Authenticator>(p.store, std::move(roots), std::move(intermediates),
                                                               p.clock);
  impl->api = std::make_unique<admin::AdminApi>(*impl->authenticator, p.ra);
  admin::AddAllRoutes(*impl->api, admin::HandlerDeps{p.store, p.ra, *impl->operations, p.clock});

  const config::Config& c = p.config;
  if (c.admin.console) {
    impl->sessions = std::make_unique<admin::Sessions>(p.clock);
    impl->authenticator->AcceptSessions(*impl->sessions);
    impl->console = std::make_unique<console::Console>(*impl->authenticator, *impl->sessions, p.ra,
                                                       console::ConsoleOptions{c.server.external_url + "/directory"});
  }
  http::ServerOptions options;
  for (const auto& l : c.admin.listen) options.listen.push_back({l.host, l.port});
  options.tls_certificate_chain_pem = p.tls.first;
  options.tls_private_key_pem = p.tls.second;
  options.alpn_protocols = {"http/1.1"};
  options.client_ca_pem = client_ca_pem;
  options.max_body_bytes = 64 * 1024;
  options.max_header_bytes = c.server.max_header_bytes;
  options.idle_timeout = c.server.idle_timeout;
  options.request_timeout = c.server.request_timeout;
  options.io_threads = 1;
  options.worker_threads = 2;
  options.refusal_response = [](int status, const std::string& detail) {
    return admin::AdminApi::Refusal(status, detail);
  };
  admin::AdminApi* api = impl->api.get();
  console::Console* console = impl->console.get();
  auto server = http::Server::Start(options, [api, console](const http::Request& r) {
    if (console != nullptr && console::Console::Owns(r.path)) return console->Handle(r);
    return api->Handle(r);
  });
  if (!server.ok()) return Error(server.status().code(), "admin listen: " + server.status().message());
  impl->server = std::move(*server);
  return std::unique_ptr<AdminListener>(new AdminListener(std::move(impl)));
}

std::vector<uint16_t> AdminListener::ports() const {
  return impl_->server ? impl_->server->ports() : std::vector<uint16_t>{};
}

void AdminListener::Stop() {
  if (impl_->server) impl_->server->Stop();
  impl_->server.reset();
}

}  // namespace anvil::app
