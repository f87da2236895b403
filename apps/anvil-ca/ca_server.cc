#include "ca_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "admin_listener.h"
#include "audit_anchoring.h"
#include "expiry_watch.h"
#include "webhooks.h"
#include "webhook/authorization_webhook.h"
#include "webhook/device_webhook.h"
#include "device_attestation.h"
#include "base/file.h"
#include "crypto/digest.h"
#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "component_options.h"
#include "http/server.h"
#include "metrics/health.h"
#include "metrics/registry.h"
#include "server_metrics.h"
#include "publish/crl_updater.h"
#include "revocation_publishing.h"
#include "publish/publication.h"
#include "ra/policy.h"
#include "ra/registration_authority.h"
#include "storage/sqlite/sqlite_store.h"
#include "va/dns_resolver.h"
#include "va/network_validator.h"
#include "wfe/nonce_service.h"
#include "wfe/wfe.h"

namespace anvil::app {
namespace {

// The host part of "https://host:port" (brackets removed).
std::string UrlHost(const std::string& url) {
  auto scheme = url.find("://");
  std::string rest = url.substr(scheme == std::string::npos ? 0 : scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest[0] == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

storage::Durability DurabilityOf(const std::string& name) {
  if (name == "normal") return storage::Durability::kNormal;
  if (name == "off") return storage::Durability::kOff;
  return storage::Durability::kFull;
}

Status Context(const std::string& what, const Status& s) { return Status(s.code(), what + ": " + s.message()); }

// The authority key IDs of the retired generations (RaOptions::retired_authority_key_ids).
std::set<std::string> RetiredAuthorityKeyIds(const ca::CaMaterial& material) {
  std::set<std::string> ids;
  for (const ca::Intermediate& i : material.intermediates) {
    if (i.retired) ids.insert(i.certificate.subject_key_id());
  }
  return ids;
}

// The audit record of a start (docs/audit.md): which configuration, which CA generation issues.
std::string StartDetails(const config::Config& c, const ca::CaMaterial& material, TimePoint now) {
  nlohmann::json d;
  d["config_file"] = c.source_path;
  if (!c.source_path.empty()) {
    Result<std::string> text = ReadFile(c.source_path);
    d["config_sha256"] = text.ok() ? crypto::HexEncode(crypto::Sha256(*text)) : "unreadable: " + text.status().message();
  }
  d["data_dir"] = c.data_dir;
  d["external_url"] = c.server.external_url;
  if (const ca::Intermediate* issuing = material.Issuing(now)) {
    d["issuing_generation"] = issuing->generation;
    d["issuing_serial"] = issuing->certificate.serial_hex();
  }
  nlohmann::json profiles = nlohmann::json::array();
  for (const auto& [name, profile] : c.profiles) profiles.push_back(name);
  d["profiles"] = profiles;
  d["external_account_required"] = c.acme.external_account_required;
  return d.dump();
}

}  // namespace

// Members are declared in dependency order, so destruction runs from the listener down to the store.
struct CaServer::Parts {
  explicit Parts(const Clock& c) : clock(c) {}
  const Clock& clock;
  std::mutex reload_mu;  // one Reload at a time
  config::Config config;
  // With a metrics listener: the registry and what counts into it, before everything that reports to them.
  std::unique_ptr<metrics::Registry> registry;
  std::unique_ptr<ServerMetrics> metrics;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<ca::CaMaterial> material;
  std::unique_ptr<va::Validator> validator;
  std::unique_ptr<ca::CertificateAuthority> ca;
  std::unique_ptr<RevocationPublishing> revocation;
  std::string crl_url;  // of the intermediate that issued at start, for the banner
  std::unique_ptr<webhook::AuthorizationWebhook> authorization;  // [authorization.webhook]; null: none
  // [device_attestation]: the allow list, the webhook and both together (the RA asks `device_check`).
  std::unique_ptr<DeviceAllowList> device_allow_list;
  std::unique_ptr<webhook::DeviceWebhook> device_webhook;
  std::unique_ptr<AllDeviceChecks> device_check;
  std::unique_ptr<ra::RegistrationAuthority> ra;
  std::unique_ptr<AuditAnchoring> anchoring;
  std::unique_ptr<webhook::Sender> expiry_sender;  // [expiry.webhook]; null: none
  std::unique_ptr<ExpiryNotices> expiry_notices;
  std::unique_ptr<ExpiryWatch> expiry_watch;  // null when expiry.window is 0s
  std::unique_ptr<wfe::NonceService> nonces;
  std::unique_ptr<wfe::WebFrontEnd> front_end;
  std::unique_ptr<publish::Publication> publication;
  std::unique_ptr<http::Server> publication_server;
  std::unique_ptr<metrics::CachedCheck> store_writable, ca_key_usable;  // /readyz
  std::unique_ptr<metrics::MetricsHandler> metrics_handler;
  std::unique_ptr<http::Server> metrics_server;
  std::unique_ptr<AdminListener> admin;
  std::unique_ptr<http::Server> server;
};

CaServer::CaServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
CaServer::~CaServer() { Stop(); }

namespace {

// server.io_threads = 0: half the cores, at least one. The handlers run on the network threads (fibers), and
// the store's committer, the validator's thread and the kernel's network and disk work need the rest: on the
// 2-core development VM one network thread took 9–15% less CPU per issuance than two at every load, with the
// same throughput (docs/performance.md).
int DefaultIoThreads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2)); }

}  // namespace

Result<std::unique_ptr<CaServer>> CaServer::Start(const config::Config& config, const Clock& clock) {
  auto p = std::make_unique<Parts>(clock);
  p->config = config;
  const config::Config& c = p->config;
  if (Status s = MakeDirectories(c.data_dir, 0700); !s.ok()) return Context("data directory", s);

  const bool metrics = !c.metrics.listen.empty();
  if (metrics) {
    p->registry = std::make_unique<metrics::Registry>();
    p->metrics = std::make_unique<ServerMetrics>(*p->registry);
  }
  storage::SqliteOptions store_options{c.storage.path, DurabilityOf(c.storage.durability)};
  if (metrics) {
    ServerMetrics* m = p->metrics.get();
    store_options.on_commit = [m](std::chrono::nanoseconds elapsed, size_t writes) { m->Committed(elapsed, writes); };
  }
  auto store = storage::OpenSqliteStore(store_options);
  if (!store.ok()) return Context("storage", store.status());
  p->store = std::move(*store);

  auto material = ca::LoadOrCreateCa(c.data_dir, CaOptionsFrom(c), clock);
  if (!material.ok()) return Context("CA", material.status());
  p->material = std::make_unique<ca::CaMaterial>(std::move(*material));

  std::vector<std::string> tls_names = {"localhost", "127.0.0.1", "::1"};
  tls_names.insert(tls_names.end(), c.server.tls_names.begin(), c.server.tls_names.end());
  if (std::string host = UrlHost(c.server.external_url); !host.empty()) tls_names.push_back(host);
  std::sort(tls_names.begin(), tls_names.end());
  tls_names.erase(std::unique(tls_names.begin(), tls_names.end()), tls_names.end());
  auto tls = ca::LoadOrIssueServerTls(c.data_dir, *p->material, tls_names, clock);
  if (!tls.ok()) return Context("server TLS certificate", tls.status());

  // Each DNS look-up may use half the validation timeout, leaving time for the connection itself.
  auto resolver = va::NewCaresResolver(
      {c.validation.dns_resolver, std::chrono::duration_cast<std::chrono::milliseconds>(c.validation.timeout) / 2});
  if (!resolver.ok()) return Context("DNS resolver", resolver.status());
  va::ValidatorOptions validator_options = ValidatorOptionsFrom(c);
  if (c.device_attestation.enabled) {
    auto anchors = AttestationAnchorsFrom(c.device_attestation);
    if (!anchors.ok()) return Context("device attestation", anchors.status());
    validator_options.attestation_anchors = std::move(*anchors);
  }
  p->validator = va::NewValidator(std::move(validator_options), std::shared_ptr<va::DnsResolver>(std::move(*resolver)));

  auto policy = PoliciesFrom(c);
  if (!policy.ok()) return Context("policy", policy.status());
  // With a publication listener, certificates point relying parties at it over plain HTTP (RFC 5280
  // §4.2.1.13, §4.2.2.1); without one, caIssuers stays on the API and there is no CRL distribution point.
  // Each intermediate generation has its own URLs.
  const bool publishing = !c.publication.listen.empty();
  p->ca = std::make_unique<ca::CertificateAuthority>(
      *p->material, clock, [&c](const crypto::Certificate& intermediate) { return UrlsFor(c, intermediate); });
  p->crl_url = UrlsFor(c, p->material->intermediate).crl;
  auto revocation = RevocationPublishing::Start(c, *p->store, *p->ca, clock);
  if (!revocation.ok()) return revocation.status();
  p->revocation = std::move(*revocation);

  ra::RaOptions ra_options = RaOptionsFrom(c);
  ra_options.retired_authority_key_ids = RetiredAuthorityKeyIds(*p->material);
  ra_options.observer = p->metrics.get();
  if (!c.authorization.webhook.url.empty()) {
    auto sender = WebhookSenderFrom(c.authorization.webhook, clock);
    if (!sender.ok()) return Context("authorization webhook", sender.status());
    p->authorization = std::make_unique<webhook::AuthorizationWebhook>(std::move(*sender));
    ra_options.authorization_hook = p->authorization.get();
    ra_options.authorization_fail_open = c.authorization.fail_open;
  }
  if (c.device_attestation.enabled) {
    std::vector<ra::DeviceCheck*> checks;
    if (!c.device_attestation.allow_list.empty()) {
      auto list = DeviceAllowList::Open(c.device_attestation.allow_list);
      if (!list.ok()) return Context("device attestation", list.status());
      p->device_allow_list = std::move(*list);
      checks.push_back(p->device_allow_list.get());
    }
    if (!c.device_attestation.webhook.url.empty()) {
      auto sender = WebhookSenderFrom(c.device_attestation.webhook, clock);
      if (!sender.ok()) return Context("device attestation webhook", sender.status());
      p->device_webhook = std::make_unique<webhook::DeviceWebhook>(std::move(*sender));
      checks.push_back(p->device_webhook.get());
    }
    if (!checks.empty()) {
      p->device_check = std::make_unique<AllDeviceChecks>(std::move(checks));
      ra_options.device.check = p->device_check.get();
    }
  }
  p->ra = std::make_unique<ra::RegistrationAuthority>(ra_options, *policy, *p->store, *p->validator, *p->ca, clock);
  RevocationPublishing* publishing_parts = p->revocation.get();
  p->ra->SetRevocationListener(
      [publishing_parts](const storage::CertificateRecord& revoked) { publishing_parts->Revoked(revoked); });
  if (Status s = p->ra->ReconcileProcessingOrders(); !s.ok()) return Context("reconciling interrupted orders", s);
  auto left_out = p->ra->LoadPolicies();  // the policies defined at run time (docs/policy.md)
  if (!left_out.ok()) return Context("policies defined at run time", left_out.status());
  for (const std::string& why : *left_out) spdlog::warn("policy left out, its holders are refused: {}", why);
  if (Status s = p->ra->RecordEvent("server.started", c.server.external_url, StartDetails(c, *p->material, clock.Now()));
      !s.ok()) {
    return Context("audit", s);
  }
  p->anchoring = std::make_unique<AuditAnchoring>(*p->store, *p->ca);
  if (auto anchored = p->anchoring->AnchorNow(); !anchored.ok()) return Context("audit anchor", anchored.status());
  p->anchoring->Start(c.audit.anchor_period);
  if (c.expiry.window.count() > 0) {
    if (!c.expiry.webhook.url.empty()) {
      auto sender = WebhookSenderFrom(c.expiry.webhook, clock);
      if (!sender.ok()) return Context("expiry webhook", sender.status());
      p->expiry_sender = std::move(*sender);
      p->expiry_notices = std::make_unique<ExpiryNotices>(*p->store, *p->expiry_sender, clock, c.expiry.window);
    }
    p->expiry_watch = std::make_unique<ExpiryWatch>(*p->store, clock, c.expiry.window, p->expiry_notices.get());
    p->expiry_watch->Start(c.expiry.check_period);  // its first check at once, on its own thread
  }

  p->nonces = std::make_unique<wfe::NonceService>(clock, c.acme.nonce_lifetime);
  wfe::WfeOptions wfe_options = WfeOptionsFrom(c, *p->material);
  wfe_options.observer = p->metrics.get();
  p->front_end = std::make_unique<wfe::WebFrontEnd>(std::move(wfe_options), *p->ra, *p->nonces);

  http::ServerOptions http_options;
  for (const auto& l : c.server.listen) http_options.listen.push_back({l.host, l.port});
  http_options.tls_certificate_chain_pem = tls->first;
  http_options.tls_private_key_pem = tls->second;
  http_options.alpn_protocols = {"http/1.1"};
  http_options.max_body_bytes = c.server.max_body_bytes;
  http_options.max_header_bytes = c.server.max_header_bytes;
  http_options.idle_timeout = c.server.idle_timeout;
  http_options.request_timeout = c.server.request_timeout;
  http_options.io_threads = c.server.io_threads > 0 ? c.server.io_threads : DefaultIoThreads();
  http_options.worker_threads = c.server.worker_threads;
  wfe::WebFrontEnd* front_end = p->front_end.get();
  http_options.refusal_response = [front_end](int status, const std::string& detail) {
    return front_end->Refusal(status, detail);
  };
  if (publishing) {
    p->publication = std::make_unique<publish::Publication>(p->revocation->Content());
    http::ServerOptions plain;
    for (const auto& l : c.publication.listen) plain.listen.push_back({l.host, l.port});
    plain.max_body_bytes = 16384;  // GET and HEAD, and OCSP requests (about 100 bytes; signed ones more)
    plain.max_header_bytes = c.server.max_header_bytes;
    plain.idle_timeout = c.server.idle_timeout;
    plain.request_timeout = c.server.request_timeout;
    plain.io_threads = 1;
    plain.worker_threads = 0;  // the handler only copies bytes already in memory
    publish::Publication* publication = p->publication.get();
    auto published =
        http::Server::Start(plain, [publication](const http::Request& r) { return publication->Handle(r); });
    if (!published.ok()) return Context("publication listen", published.status());
    p->publication_server = std::move(*published);
  }

  if (metrics) {
    if (Status s = StartMetrics(*p); !s.ok()) return s;
  }
  if (!c.admin.listen.empty()) {
    Parts* parts = p.get();
    auto admin = AdminListener::Start({c, *p->store, *p->ra, *p->material, *p->anchoring,
                                       [parts] { return ReloadParts(*parts); },
                                       [parts] { return parts->revocation->Issuers(); }, clock, *tls});
    if (!admin.ok()) return admin.status();
    p->admin = std::move(*admin);
  }

  auto server = http::Server::Start(http_options, [front_end](const http::Request& r) { return front_end->Handle(r); });
  if (!server.ok()) return Context("listen", server.status());
  p->server = std::move(*server);
  return std::unique_ptr<CaServer>(new CaServer(std::move(p)));
}

Status CaServer::StartMetrics(Parts& p) {
  const config::Config& c = p.config;
  // Computed at each scrape: what a relying party's copy of each CRL may lag.
  RevocationPublishing* revocation = p.revocation.get();
  const Clock* clock = &p.clock;
  p.registry->AddComputedGauge(
      "anvil_crl_age_seconds", "Seconds since the thisUpdate of the CRL published for each issuer.", {"issuer"},
      [revocation, clock] {
        std::vector<metrics::GaugeSample> samples;
        const TimePoint now = clock->Now();
        for (const auto& [issuer, this_update] : revocation->CrlThisUpdates()) {
          samples.push_back({{issuer}, std::chrono::duration<double>(now - this_update).count()});
        }
        return samples;
      });
  // Certificates by status and expiring within 7 and 30 days (not revoked, not replaced), counted by the store
  // (docs/inventory.md) at most every metrics.certificate_count_period: a count reads the index entry of every
  // certificate not revoked, about 0.3 s at a million (docs/performance.md), too much for every scrape.
  struct CertificateGauges {
    std::mutex mu;
    TimePoint counted_at{};
    std::vector<metrics::GaugeSample> by_status, expiring;
  };
  auto gauges = std::make_shared<CertificateGauges>();
  storage::Store* counted = p.store.get();
  // Returns the samples of `which`, counting again when the last count is older than a minute. A failed count
  // leaves the families out of this scrape (and is logged) rather than reporting stale or zero figures.
  const std::chrono::seconds period = c.metrics.certificate_count_period;
  auto collect = [gauges, counted, clock, period](bool expiring) {
    std::lock_guard lock(gauges->mu);
    const TimePoint now = clock->Now();
    if (now - gauges->counted_at >= period) {
      auto counts = counted->CountCertificates(now, std::chrono::hours(24 * 30));
      auto in_7d = counted->CountExpiringCertificates(now, std::chrono::hours(24 * 7));
      if (!counts.ok() || !in_7d.ok()) {
        spdlog::warn("metrics: certificates not counted: {}",
                     (counts.ok() ? in_7d.status() : counts.status()).ToString());
        return std::vector<metrics::GaugeSample>{};
      }
      gauges->by_status = {{{"valid"}, double(counts->valid)},
                           {{"expiring"}, double(counts->expiring)},
                           {{"expired"}, double(counts->expired)},
                           {{"revoked"}, double(counts->revoked)}};
      gauges->expiring = {{{"7d"}, double(*in_7d)}, {{"30d"}, double(counts->expiring)}};
      gauges->counted_at = now;
    }
    return expiring ? gauges->expiring : gauges->by_status;
  };
  p.registry->AddComputedGauge("anvil_certificates",
                               "Issued certificates by status (expiring: within 30 days, not replaced).",
                               {"status"}, [collect] { return collect(false); });
  p.registry->AddComputedGauge("anvil_certificates_expiring",
                               "Certificates expiring within 7 or 30 days, not revoked and not replaced.",
                               {"within"}, [collect] { return collect(true); });
  // /readyz: a write through the store's committer (kept 1 s) and a signature with the issuing key (kept 5 s),
  // so probes and scrapes cannot load either.
  storage::Store* store = p.store.get();
  ca::CertificateAuthority* ca = p.ca.get();
  p.store_writable = std::make_unique<metrics::CachedCheck>([store] { return store->CheckWritable(); },
                                                            std::chrono::seconds(1));
  p.ca_key_usable = std::make_unique<metrics::CachedCheck>(
      [ca, clock] { return ca->CheckSigningKey(clock->Now()); }, std::chrono::seconds(5));
  metrics::CachedCheck* store_writable = p.store_writable.get();
  metrics::CachedCheck* ca_key_usable = p.ca_key_usable.get();
  p.metrics_handler = std::make_unique<metrics::MetricsHandler>(
      *p.registry, std::vector<metrics::ReadinessCheck>{{"store", [store_writable] { return (*store_writable)(); }},
                                                        {"ca_key", [ca_key_usable] { return (*ca_key_usable)(); }}});
  http::ServerOptions plain;
  for (const auto& l : c.metrics.listen) plain.listen.push_back({l.host, l.port});
  plain.max_body_bytes = 1024;  // GET and HEAD only
  plain.max_header_bytes = c.server.max_header_bytes;
  plain.idle_timeout = c.server.idle_timeout;
  plain.request_timeout = c.server.request_timeout;
  plain.io_threads = 1;
  // A thread, not a fiber: /readyz waits for a store commit and a signature under CachedCheck's lock, which a
  // fiber must not hold across a wait (base/fiber.h). Scrapes and probes are rare; one at a time is enough.
  plain.worker_threads = 1;
  metrics::MetricsHandler* handler = p.metrics_handler.get();
  auto started = http::Server::Start(plain, [handler](const http::Request& r) { return handler->Handle(r); });
  if (!started.ok()) return Context("metrics listen", started.status());
  p.metrics_server = std::move(*started);
  return Status::Ok();
}

std::vector<uint16_t> CaServer::ports() const { return parts_->server ? parts_->server->ports() : std::vector<uint16_t>{}; }

std::string CaServer::directory_url() const {
  return parts_->config.server.external_url + wfe::WebFrontEnd::DirectoryPath();
}

std::string CaServer::root_certificate_path() const { return ca::CaPaths::In(parts_->config.data_dir).root_cert; }

std::vector<uint16_t> CaServer::publication_ports() const {
  return parts_->publication_server ? parts_->publication_server->ports() : std::vector<uint16_t>{};
}

std::string CaServer::crl_url() const { return parts_->crl_url; }

std::vector<uint16_t> CaServer::metrics_ports() const {
  return parts_->metrics_server ? parts_->metrics_server->ports() : std::vector<uint16_t>{};
}

std::vector<uint16_t> CaServer::admin_ports() const {
  return parts_->admin ? parts_->admin->ports() : std::vector<uint16_t>{};
}

Result<std::string> CaServer::Reload() { return ReloadParts(*parts_); }

Result<std::string> CaServer::ReloadParts(Parts& p) {
  std::lock_guard lock(p.reload_mu);
  const TimePoint now = p.clock.Now();
  auto material = ca::LoadCa(p.config.data_dir, CaOptionsFrom(p.config), now);
  if (!material.ok()) return Context("reading the CA again", material.status());
  // Publishing first: a generation issues only once its CRL and OCSP responder exist.
  std::vector<ca::IssuingCa*> generations = p.ca->Prepare(*material);
  if (Status s = p.revocation->Reload(*material, generations); !s.ok()) {
    return Context("publishing the new generations", s);
  }
  p.ca->Use(std::move(generations));
  p.ra->SetRetiredAuthorityKeyIds(RetiredAuthorityKeyIds(*material));
  p.front_end->UpdateIssuers(WfeIssuersFrom(*material));
  if (p.publication) p.publication->Update(p.revocation->Content());
  // Revocations other processes recorded (`anvil-ca cert revoke`) reach the CRLs and OCSP answers now.
  p.revocation->RevokedElsewhere();
  const ca::Intermediate* issuing = material->Issuing(now);
  std::string summary = std::to_string(material->roots.size()) + " root(s), " +
                        std::to_string(material->intermediates.size()) + " intermediate generation(s); generation " +
                        std::to_string(issuing->generation) + " issues; CRLs remade, OCSP caches emptied";
  return summary;
}

void CaServer::Stop() {
  if (!parts_) return;
  if (parts_->server) parts_->server->Stop();
  parts_->server.reset();
  if (parts_->publication_server) parts_->publication_server->Stop();
  parts_->publication_server.reset();
  if (parts_->metrics_server) parts_->metrics_server->Stop();
  parts_->metrics_server.reset();
  if (parts_->admin) parts_->admin->Stop();
  parts_->admin.reset();
  // In-flight validations finish (or time out) before the RA and store they report to go away.
  parts_->validator.reset();
  parts_->expiry_watch.reset();
  if (parts_->anchoring) {
    parts_->anchoring->Stop();
    if (Status s = parts_->ra->RecordEvent("server.stopped", parts_->config.server.external_url, "{}"); !s.ok()) {
      spdlog::error("audit: the stop is not recorded: {}", s.ToString());
    }
    if (auto anchored = parts_->anchoring->AnchorNow(); !anchored.ok()) {
      spdlog::error("audit anchor not taken at stop: {}", anchored.status().ToString());
    }
    parts_->anchoring.reset();
  }
}

}  // namespace anvil::app
