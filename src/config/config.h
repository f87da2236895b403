// anvil-ca's configuration: validated structs built from a TOML file (or defaults) and the environment.
// This is the only component that reads configuration files or environment variables (docs/architecture.md).
// Every key has a documented default (docs/configuration.md); an unknown key, a wrong type or an invalid value is
// an error naming the key ("acme.order_lifetime: invalid duration \"7x\""). Plain values; thread-compatible.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace anvil::config {

struct ListenAddress {
  std::string host;  // "localhost", an IPv4 literal, or an IPv6 literal without brackets
  uint16_t port = 0;
};

struct ServerConfig {
  std::vector<ListenAddress> listen{{"localhost", 14000}};  // key: server.listen = ["localhost:14000"]
  // Base URL of the API as clients reach it; default derived from the first listen address:
  // "https://localhost:14000". Key: server.external_url.
  std::string external_url;
  // Extra names (DNS or IP) for the server's own TLS certificate besides localhost, 127.0.0.1, ::1 and the host
  // of external_url. Key: server.tls_names.
  std::vector<std::string> tls_names;
  int io_threads = 0;           // server.io_threads; 0 = half the cores, at least one
  int worker_threads = 0;       // server.worker_threads; 0 = handlers on fibers on the I/O threads
  // server.batch_scheduling: the server's threads run with Linux's SCHED_BATCH policy (a thread they wake
  // does not preempt the waker); false = the default SCHED_OTHER.
  bool batch_scheduling = true;
  size_t max_body_bytes = 65536;  // server.max_body_bytes
  size_t max_header_bytes = 16384;  // server.max_header_bytes
  std::chrono::seconds idle_timeout{30};     // server.idle_timeout = "30s"
  std::chrono::seconds request_timeout{30};  // server.request_timeout = "30s"
};

struct LogConfig {
  std::string format = "text";  // log.format: "text" | "json"
  std::string level = "info";   // log.level: trace|debug|info|warn|error
};

struct StorageConfig {
  std::string backend = "sqlite";  // storage.backend: "sqlite" (postgres later)
  std::string path;                // storage.path; default "<data_dir>/anvil.db"
  std::string durability = "full";  // storage.durability: "full" | "normal" | "off"
};

struct AcmeConfig {
  std::string terms_of_service;               // acme.terms_of_service (URL; meta.termsOfService)
  std::string website;                        // acme.website
  bool external_account_required = false;     // acme.external_account_required
  std::chrono::seconds nonce_lifetime{3600};  // acme.nonce_lifetime = "1h"
  std::chrono::seconds order_lifetime{7 * 86400};                  // acme.order_lifetime = "7d"
  std::chrono::seconds pending_authorization_lifetime{7 * 86400};  // acme.pending_authorization_lifetime = "7d"
  std::chrono::seconds authorization_lifetime{30 * 86400};         // acme.authorization_lifetime = "30d" (valid authz reuse)
  bool reuse_valid_authorizations = true;     // acme.reuse_valid_authorizations
  int orders_per_page = 100;                  // acme.orders_per_page
  std::chrono::seconds retry_after{1};        // acme.retry_after = "1s" (processing orders, pending challenges)
  // acme.challenge_wait = "2s": how long a challenge response waits for the validation it started, so that it
  // can carry the outcome; "0s" answers at once with "processing".
  std::chrono::seconds challenge_wait{2};
  std::chrono::seconds ari_retry_after{6 * 3600};  // acme.ari_retry_after = "6h" (RFC 9773 Retry-After)
};

struct ValidationConfig {
  uint16_t http_port = 80;        // validation.http_port
  uint16_t https_port = 443;      // validation.https_port
  uint16_t tls_alpn_port = 443;   // validation.tls_alpn_port
  std::string dns_resolver;       // validation.dns_resolver: "ip:port" or "[v6]:port"; empty = system resolver
  std::chrono::seconds timeout{10};  // validation.timeout
  int workers = 32;               // validation.workers
  // validation.caa_identities: the issuer domain names by which CAA records (RFC 8659) name this CA; set, CAA
  // is checked and published as the directory's meta.caaIdentities; empty (the default), CAA is not checked.
  std::vector<std::string> caa_identities;
  // validation.caa_recheck_after = "8h": finalize checks CAA again for authorizations validated longer ago.
  std::chrono::seconds caa_recheck_after{8 * 3600};
};

// [publication]: what relying parties fetch over plain HTTP (RFC 5280 §4.2.1.13, §4.2.2.1): the CRLs and the
// CA certificates (docs/revocation.md). The ACME API stays HTTPS-only.
struct PublicationConfig {
  // publication.listen = ["localhost:14080"]; [] = no publication listener, and then certificates carry no
  // CRL distribution point and CRLs are only written to <data_dir>/crl/.
  std::vector<ListenAddress> listen{{"localhost", 14080}};
  // publication.external_url: the base URL relying parties use, http:// only; default derived from the first
  // listen address ("http://localhost:14080").
  std::string external_url;
  std::chrono::seconds crl_period{3600};          // publication.crl_period = "1h": a fresh CRL this often
  std::chrono::seconds crl_lifetime{86400};       // publication.crl_lifetime = "1d": nextUpdate - thisUpdate
  std::chrono::seconds crl_revocation_delay{10};  // publication.crl_revocation_delay = "10s": after a revocation
  bool ocsp = true;  // publication.ocsp: an OCSP responder at /ocsp, named in certificates (AIA)
  std::chrono::seconds ocsp_response_lifetime{86400};  // publication.ocsp_response_lifetime = "1d"
};

// [audit]: the tamper-evident audit trail (docs/audit.md).
struct AuditConfig {
  // audit.anchor_period = "1h": the chain's head is signed by the CA, stored and logged this often (and at
  // start and stop), when records were added since the last anchor.
  std::chrono::seconds anchor_period{3600};
};

// One outgoing webhook (docs/webhooks.md): signed JSON events posted over HTTPS.
struct WebhookConfig {
  std::string url;          // "" = off; https:// only
  std::string secret_file;  // a file holding the "whsec_…" secret (`anvil-ca webhook new-secret`); required
  std::string ca_file;      // PEM of the CAs trusted for the endpoint's certificate; "" = the system store
  std::chrono::seconds timeout{5};  // the whole exchange; at least 1s
};

// [authorization]: external authorization (docs/policy.md): a webhook asked before each new order and each
// signature, after the policies allowed it.
struct AuthorizationConfig {
  WebhookConfig webhook;   // [authorization.webhook]
  bool fail_open = false;  // authorization.fail_open: no answer lets the request through (audited)
};

// [device_attestation]: device enrollment with hardware attestation (draft-ietf-acme-device-attest-09,
// docs/device-attestation.md): permanent-identifier and hardware-module identifiers, validated by
// device-attest-01 against the roots of each format; a device is enrolled with an EAB key bound to it or when
// the MDM check (an allow list or a webhook) says so.
struct DeviceAttestationConfig {
  bool enabled = false;            // device_attestation.enabled
  std::string profile = "device";  // device_attestation.profile: orders for devices that name no profile
  // PEM files of the roots each format's chains must end in; "" = the format is refused.
  std::string tpm_roots;      // device_attestation.tpm_roots: TPM manufacturers' or your attestation CA's roots
  std::string apple_roots;    // device_attestation.apple_roots: Apple's Enterprise Attestation Root CA
  std::string android_roots;  // device_attestation.android_roots: Google's hardware attestation roots
  std::string yubikey_roots;  // device_attestation.yubikey_roots: Yubico's PIV attestation roots
  // device_attestation.android_revocations: Google's attestation status list (its JSON, {"entries": {SERIAL:
  // {"status": "REVOKED", ...}}}); "" = none.
  std::string android_revocations;
  // device_attestation.allow_list: a file with one device identifier per line ("permanent-identifier:SERIAL");
  // a device on it passes the MDM check. "" = none.
  std::string allow_list;
  WebhookConfig webhook;  // [device_attestation.webhook]: the MDM check as a webhook
};

// [expiry]: the expiry watch (docs/inventory.md): certificates expiring soon and not replaced, in the log,
// and told once each to [expiry.webhook] with the account's contacts.
struct ExpiryConfig {
  std::chrono::seconds window{14 * 86400};     // expiry.window = "14d"; "0s" = no watch
  std::chrono::seconds check_period{3600};     // expiry.check_period = "1h"; at least 1m
  WebhookConfig webhook;                       // [expiry.webhook]
};

// [metrics]: the plain-HTTP listener Prometheus scrapes (/metrics) and probes (/healthz, /readyz); docs/metrics.md.
struct MetricsConfig {
  // metrics.listen = []: off by default; e.g. ["localhost:9464"]. No TLS and no authentication, so keep it on
  // loopback or a private network.
  std::vector<ListenAddress> listen;
  // metrics.certificate_count_period = "1m": the certificate gauges (anvil_certificates,
  // anvil_certificates_expiring) are counted by the store at most this often; a scrape in between gets the last
  // count. A count reads an index entry per certificate not revoked (about 0.3 s at a million).
  std::chrono::seconds certificate_count_period{60};
};

// [admin]: the admin API's HTTPS listener (docs/admin-api.md): JSON for operators, authenticated by client
// certificates and bearer tokens anvil-ca issues (`anvil-ca admin …`), with roles.
struct AdminConfig {
  // admin.listen = []: off by default; e.g. ["localhost:9443"]. An entry without a host ("9443" or ":9443") is
  // loopback ("localhost:9443").
  std::vector<ListenAddress> listen;
  // admin.console: the operator's web console at /console/ on the same listener (docs/console.md).
  bool console = true;
};

// [policy], the default policy, and each [policies.NAME] (docs/policy.md): the same keys. A named policy's
// defaults allow everything (its lists empty, max_identifiers 10000); it only ever narrows the default.
struct PolicyConfig {
  // *_domains: name patterns: "example.com" (it and every name below), "=host.example.com" (that name only),
  // "*.example.com" ("*" = any one label).
  std::vector<std::string> allowed_domains;  // policy.allowed_domains; empty = any name
  std::vector<std::string> denied_domains;   // policy.denied_domains, checked first
  std::vector<std::string> allowed_ip_ranges;  // policy.allowed_ip_ranges: CIDRs; empty = any address
  std::vector<std::string> denied_ip_ranges;   // policy.denied_ip_ranges: CIDRs, checked first
  std::vector<std::string> identifier_types;   // policy.identifier_types: dns, ip; empty = any
  std::vector<std::string> challenge_types;    // policy.challenge_types: http-01 dns-01 tls-alpn-01; empty = any
  std::vector<std::string> profiles;           // policy.profiles: profile names; empty = any
  bool allow_wildcards = true;                 // policy.allow_wildcards
  int max_identifiers = 100;                   // policy.max_identifiers per order
  // policy.key_types: CSR key types accepted: ec256 ec384 ec521 rsa2048 rsa3072 rsa4096 ed25519 (empty = any,
  // in a named policy only)
  std::vector<std::string> key_types{"ec256", "ec384", "ec521", "rsa2048", "rsa3072", "rsa4096"};
  std::chrono::seconds max_validity{0};  // policy.max_validity: certificates are cut to it; 0 = the profile's
};

// A rate limit: `count` events per `period`; count 0 = off. Written "300/3h" or "off".
struct RateLimitConfig {
  int64_t count = 0;
  std::chrono::seconds period{0};
  bool operator==(const RateLimitConfig&) const = default;
};

// RFC 8555 §6.6 rate limits (docs/security.md), held in the database so they survive restarts.
struct LimitsConfig {
  RateLimitConfig new_accounts_per_ip{300, std::chrono::hours(3)};      // limits.new_accounts_per_ip
  RateLimitConfig new_orders_per_account{300, std::chrono::hours(3)};   // limits.new_orders_per_account
  // limits.failed_validations_per_identifier: per account and identifier
  RateLimitConfig failed_validations_per_identifier{5, std::chrono::hours(1)};
  // limits.certificates_per_domain: per registered domain (the last two labels) or IP address
  RateLimitConfig certificates_per_domain{10000, std::chrono::hours(7 * 24)};
  int pending_authorizations_per_account = 1000;  // limits.pending_authorizations_per_account; 0 = no cap
  int pending_orders_per_account = 1000;          // limits.pending_orders_per_account; 0 = no cap
};

struct ProfileConfig {
  std::string description;
  std::chrono::seconds validity{90 * 86400};          // profiles.NAME.validity = "90d"
  std::vector<std::string> ext_key_usages{"serverAuth"};  // profiles.NAME.ext_key_usages
  std::vector<std::string> identifier_types{"dns", "ip"};  // profiles.NAME.identifier_types
  std::vector<std::string> key_types;  // profiles.NAME.key_types; empty = policy.key_types
  std::string policy;  // profiles.NAME.policy: a [policies.NAME] bound to every request for it; "" = none
  std::chrono::seconds backdate{60};   // profiles.NAME.backdate: notBefore = now - backdate (clock skew)
  // profiles.NAME.crl: certificates name the CRL distribution point (when there is a publication listener)
  bool crl = true;
  // profiles.NAME.ocsp: certificates name the OCSP responder (when there is a publication listener with ocsp)
  bool ocsp = true;
};

struct CaConfig {
  std::string root_common_name = "Anvil Root CA";                  // ca.root_common_name
  std::string intermediate_common_name = "Anvil Intermediate CA";  // ca.intermediate_common_name
  std::string organization = "Anvil";                               // ca.organization
  std::chrono::seconds root_validity{10 * 365 * 86400};             // ca.root_validity = "3650d"
  std::chrono::seconds intermediate_validity{5 * 365 * 86400};      // ca.intermediate_validity = "1825d"
  // ca.cross_signed_chain: PEM file of an alternate issuer chain (e.g. the intermediate cross-signed by another
  // root), served via Link rel="alternate" (RFC 8555 §7.4.2). Empty = none.
  std::string cross_signed_chain;
  // ca.key_passphrase: where the passphrase that encrypts the CA's private keys at rest comes from:
  // "file:PATH" (mode 0600 or stricter), "env:NAME" or "credential:NAME" (systemd's
  // $CREDENTIALS_DIRECTORY/NAME, LoadCredential=). Empty = the keys are not encrypted.
  std::string key_passphrase;
  // The passphrase itself, read by Finalize from key_passphrase; never printed or logged.
  std::string key_passphrase_value;
  // ca.pkcs11_module: the PKCS #11 module (a shared library) of the token that holds the keys of intermediate
  // generations made with `anvil-ca ca rotate --key-uri` (docs/ca-operations.md).
  std::string pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so";
  // ca.pkcs11_pin: where that token's user PIN comes from, as key_passphrase ("file:PATH", "env:NAME",
  // "credential:NAME"). Empty = no token is used.
  std::string pkcs11_pin;
  // The PIN itself, read by Finalize from pkcs11_pin; never printed or logged.
  std::string pkcs11_pin_value;
};

struct Config {
  std::string data_dir = "./anvil-data";  // data_dir (top-level key); overridden by --data-dir, then ANVIL_DATA
  ServerConfig server;
  LogConfig log;
  StorageConfig storage;
  AcmeConfig acme;
  ValidationConfig validation;
  PublicationConfig publication;
  AuditConfig audit;
  ExpiryConfig expiry;
  AuthorizationConfig authorization;
  DeviceAttestationConfig device_attestation;
  MetricsConfig metrics;
  AdminConfig admin;
  PolicyConfig policy;
  std::map<std::string, PolicyConfig> policies;  // [policies.NAME]
  LimitsConfig limits;
  CaConfig ca;
  std::string default_profile = "tls-server";  // default_profile (top-level key)
  // profiles.NAME tables; defaults: tls-server (90d, serverAuth), tls-client (90d, clientAuth, dns only),
  // short-lived (7d, serverAuth), device (365d, clientAuth, permanent-identifier and hardware-module). A config file that defines [profiles] replaces these defaults entirely.
  std::map<std::string, ProfileConfig> profiles;
  // The file LoadConfigFile read ("" = the defaults), for the audit record of the start; not a key.
  std::string source_path;
};

// The defaults, with the three standard profiles.
Config DefaultConfig();
// Parses TOML text over the defaults. Errors (kInvalidArgument) name the key: "server.listen[1]: ...".
Result<Config> ParseConfig(std::string_view toml_text);
// Reads and parses a file: kIo when it cannot be read; parse errors are ParseConfig's, prefixed with "PATH: ".
Result<Config> LoadConfigFile(const std::string& path);
// Applies ANVIL_DATA (if set) and then an explicit --data-dir (if non-empty); fills derived defaults
// (server.external_url and publication.external_url from their listen addresses, storage.path from data_dir).
Status Finalize(Config& config, const std::string& data_dir_flag);
// A complete commented TOML file with every key at its default (`anvil-ca config example`).
std::string ExampleConfig();
// "90d" "12h" "30m" "45s" or a combination, largest unit first ("1h30m"); "0s" is zero; at most 100 years
// ("36500d"). kInvalidArgument otherwise ("invalid duration \"7x\"").
Result<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace anvil::config
