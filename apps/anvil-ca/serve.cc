#include "serve.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

#include "base/file.h"
#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "http/server.h"
#include "http/signals.h"
#include "ra/policy.h"
#include "ra/registration_authority.h"
#include "storage/sqlite/sqlite_store.h"
#include "va/dns_resolver.h"
#include "va/validator.h"
#include "wfe/nonce_service.h"
#include "wfe/wfe.h"

namespace anvil::app {
namespace {

int Fail(const std::string& what, const Status& status) {
  spdlog::error("{}: {}", what, status.ToString());
  std::cerr << "anvil-ca: " << what << ": " << status.ToString() << "\n";
  return 1;
}

// The host part of "https://host:port" (brackets removed).
std::string UrlHost(const std::string& url) {
  std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest[0] == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

storage::Durability DurabilityOf(const std::string& name) {
  if (name == "normal") return storage::Durability::kNormal;
  if (name == "off") return storage::Durability::kOff;
  return storage::Durability::kFull;
}

}  // namespace

int Serve(const config::Config& config) {
  http::BlockTerminationSignals();  // before any thread exists, so only sigwait below sees SIGINT/SIGTERM
  SystemClock clock;
  if (Status s = MakeDirectories(config.data_dir, 0700); !s.ok()) return Fail("data directory", s);

  auto store = storage::OpenSqliteStore({config.storage.path, DurabilityOf(config.storage.durability)});
  if (!store.ok()) return Fail("storage", store.status());

  auto material = ca::LoadOrCreateCa(config.data_dir, config.ca, clock);
  if (!material.ok()) return Fail("CA", material.status());

  std::vector<std::string> tls_names = {"localhost", "127.0.0.1", "::1"};
  for (const auto& n : config.server.tls_names) tls_names.push_back(n);
  std::string url_host = UrlHost(config.server.external_url);
  if (!url_host.empty()) tls_names.push_back(url_host);
  std::sort(tls_names.begin(), tls_names.end());
  tls_names.erase(std::unique(tls_names.begin(), tls_names.end()), tls_names.end());
  auto tls = ca::LoadOrIssueServerTls(config.data_dir, *material, tls_names, clock);
  if (!tls.ok()) return Fail("server TLS certificate", tls.status());

  auto resolver = va::NewCaresResolver({config.validation.dns_resolver,
                                        std::chrono::duration_cast<std::chrono::milliseconds>(config.validation.timeout) / 2});
  if (!resolver.ok()) return Fail("DNS resolver", resolver.status());
  va::ValidatorOptions va_options;
  va_options.http_port = config.validation.http_port;
  va_options.https_port = config.validation.https_port;
  va_options.tls_alpn_port = config.validation.tls_alpn_port;
  va_options.workers = config.validation.workers;
  va_options.http_timeout = config.validation.timeout;
  va_options.tls_timeout = config.validation.timeout;
  std::unique_ptr<va::Validator> validator =
      va::NewValidator(va_options, std::shared_ptr<va::DnsResolver>(std::move(*resolver)));

  auto policy = ra::Policy::Create(config.policy);
  if (!policy.ok()) return Fail("policy", policy.status());
  const std::string base_url = config.server.external_url;
  ca::CertificateAuthority ca(*material, **store, clock, base_url + wfe::WebFrontEnd::AiaPath());
  ra::RegistrationAuthority ra(config, *policy, **store, *validator, ca, clock);
  if (Status s = ra.ReconcileProcessingOrders(); !s.ok()) return Fail("reconciling interrupted orders", s);

  wfe::NonceService nonces(clock, config.acme.nonce_lifetime);
  wfe::WfeOptions wfe_options{base_url, material->root.ToPem(), material->intermediate.ToPem(),
                              material->intermediate.ToDer(), material->alternate_chains_pem};
  wfe::WebFrontEnd front_end(wfe_options, ra, nonces);

  http::ServerOptions http_options;
  for (const auto& l : config.server.listen) http_options.listen.push_back({l.host, l.port});
  http_options.tls_certificate_chain_pem = tls->first;
  http_options.tls_private_key_pem = tls->second;
  http_options.alpn_protocols = {"http/1.1"};
  http_options.max_body_bytes = config.server.max_body_bytes;
  http_options.max_header_bytes = config.server.max_header_bytes;
  http_options.idle_timeout = config.server.idle_timeout;
  http_options.request_timeout = config.server.request_timeout;
  http_options.io_threads = config.server.io_threads;
  http_options.worker_threads = config.server.worker_threads;
  auto server = http::Server::Start(http_options, [&](const http::Request& r) { return front_end.Handle(r); });
  if (!server.ok()) return Fail("listen", server.status());

  std::string root_path = ca::CaPaths::In(config.data_dir).root_cert;
  std::string directory = base_url + wfe::WebFrontEnd::DirectoryPath();
  std::string ports;
  for (auto p : (*server)->ports()) ports += (ports.empty() ? "" : ",") + std::to_string(p);
  spdlog::info("anvil-ca listening on port(s) {}; data in {}", ports, config.data_dir);
  std::cout << "anvil-ca is ready.\n"
            << "  ACME directory:   " << directory << "\n"
            << "  Root certificate: " << root_path << "\n"
            << "  Try it with certbot (http-01 answered on port " << config.validation.http_port << "):\n"
            << "    REQUESTS_CA_BUNDLE=" << root_path << " certbot certonly --standalone --server " << directory
            << " --http-01-port " << config.validation.http_port
            << " --agree-tos --register-unsafely-without-email -d NAME\n"
            << std::flush;

  int sig = http::WaitForTerminationSignal();
  spdlog::info("signal {} received; shutting down", sig);
  (*server)->Stop();
  validator.reset();  // finishes in-flight validations before the RA and store go away
  spdlog::info("anvil-ca stopped");
  return 0;
}

}  // namespace anvil::app
