// ExampleConfig(): the commented configuration file printed by `anvil-ca config example`. Values are written
// from DefaultConfig(), so the example cannot drift from the defaults; config_test checks that it parses back
// to them and that it and docs/configuration.md list every key.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/values.h"

namespace anvil::config {
namespace {

using internal::Quote;

std::string Value(const std::string& s) { return Quote(s); }
std::string Value(bool b) { return b ? "true" : "false"; }
std::string Value(int i) { return std::to_string(i); }
std::string Value(size_t n) { return std::to_string(n); }
std::string Value(uint16_t port) { return std::to_string(port); }
std::string Value(std::chrono::seconds d) { return Quote(internal::FormatDuration(d)); }
std::string Value(const RateLimitConfig& r) {
  return r.count == 0 ? Quote("off") : Quote(std::to_string(r.count) + "/" + internal::FormatDuration(r.period));
}
std::string Value(const std::vector<std::string>& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quote(list[i]);
  }
  return out + "]";
}
std::string Value(const std::vector<ListenAddress>& listen) {
  std::vector<std::string> list;
  for (const ListenAddress& address : listen) {
    const bool v6 = address.host.find(':') != std::string::npos;
    list.push_back((v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port));
  }
  return Value(list);
}

// Accumulates the file: one comment line, then `key = value`.
class Writer {
 public:
  void Line(std::string_view text) {
    out_ += text;
    out_ += '\n';
  }
  template <typename T>
  void Key(std::string_view comment, std::string_view key, const T& value) {
    if (!comment.empty()) {
      out_ += "# ";
      out_ += comment;
      out_ += '\n';
    }
    out_ += key;
    out_ += " = ";
    out_ += Value(value);
    out_ += '\n';
  }
  void Table(std::string_view name) {
    out_ += "\n[";
    out_ += name;
    out_ += "]\n";
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

void WriteProfile(Writer& w, const std::string& name, const ProfileConfig& p, bool comments) {
  const auto c = [comments](std::string_view text) { return comments ? text : std::string_view(); };
  w.Table("profiles." + name);
  w.Key(c("Shown to clients in the directory's meta.profiles."), "description", p.description);
  w.Key(c("Certificate lifetime: notAfter - notBefore."), "validity", p.validity);
  w.Key(c("Extended key usages: serverAuth, clientAuth, codeSigning, emailProtection or dotted OIDs."),
        "ext_key_usages", p.ext_key_usages);
  w.Key(c("Identifier types an order may contain: dns, ip, permanent-identifier, hardware-module."),
        "identifier_types", p.identifier_types);
  w.Key(c("CSR key types accepted for this profile; [] = policy.key_types."), "key_types", p.key_types);
  w.Key(c("notBefore is set this far in the past, to tolerate clients' clock skew."), "backdate", p.backdate);
  w.Key(c("Certificates name the CRL distribution point (when there is a publication listener)."), "crl",
        p.crl);
  w.Key(c("Certificates name the OCSP responder (when there is a publication listener with ocsp)."), "ocsp",
        p.ocsp);
  w.Key(c("A [policies.NAME] bound to every request for this profile; \"\" = none."), "policy", p.policy);
}

// A [*.webhook] table (docs/webhooks.md); `what` says what the webhook is told or asked.
void WebhookKeys(Writer& w, const std::string& table, const std::string& what, const WebhookConfig& hook) {
  w.Table(table);
  w.Key(what + "; \"\" = none. https:// only.", "url", hook.url);
  w.Key("The file holding the webhook's secret, \"whsec_\" + base64 (anvil-ca webhook new-secret); required "
        "with a url.",
        "secret_file", hook.secret_file);
  w.Key("PEM of the CAs trusted for the webhook's certificate; \"\" = the system's.", "ca_file", hook.ca_file);
  w.Key("The whole exchange with the webhook, at least 1s.", "timeout", hook.timeout);
}

}  // namespace

std::string ExampleConfig() {
  const Config d = DefaultConfig();
  Writer w;
  w.Line("# anvil-ca configuration. Every key is shown at its default: keep only the ones you change.");
  w.Line(
      "# Durations are written \"90d\", \"12h\", \"30m\", \"45s\" or combined, largest unit first: "
      "\"1h30m\".");
  w.Line("# Unknown keys and invalid values are errors. Reference: docs/configuration.md.");
  w.Line("");
  w.Key("Database, CA keys and issued files. ANVIL_DATA overrides it, and --data-dir overrides both.",
        "data_dir", d.data_dir);
  w.Key("Profile for orders that name none; must be one of the [profiles.*] below.", "default_profile",
        d.default_profile);

  w.Table("server");
  w.Key("Addresses of the ACME API, \"host:port\"; IPv6 as \"[::1]:14000\"; port 0 = any free port.",
        "listen", d.server.listen);
  w.Key("Base URL clients use; \"\" = https://HOST:PORT of the first listen address.", "external_url",
        d.server.external_url);
  w.Key("Extra DNS names or IPs for the server's own TLS certificate.", "tls_names", d.server.tls_names);
  w.Key("Network threads; 0 = half the CPU cores, at least one.", "io_threads", d.server.io_threads);
  w.Key(
      "Threads for request handling; 0 = handlers run on the network threads and wait for the database "
      "without holding a thread.",
      "worker_threads", d.server.worker_threads);
  w.Key(
      "Run the server's threads with Linux's SCHED_BATCH policy: a thread they wake does not preempt the "
      "waker, which saves context switches under load; false = the default policy.",
      "batch_scheduling", d.server.batch_scheduling);
  w.Key("Largest accepted request body, in bytes.", "max_body_bytes", d.server.max_body_bytes);
  w.Key("Largest accepted request header block, in bytes.", "max_header_bytes", d.server.max_header_bytes);
  w.Key("A connection idle this long is closed.", "idle_timeout", d.server.idle_timeout);
  w.Key("Time limit for a TLS handshake, for reading one request and for writing one response.",
        "request_timeout", d.server.request_timeout);

  w.Table("log");
  w.Key("Log line format: text or json.", "format", d.log.format);
  w.Key("Least severe level logged: trace, debug, info, warn or error.", "level", d.log.level);

  w.Table("storage");
  w.Key("Database backend: sqlite (postgres is not yet supported).", "backend", d.storage.backend);
  w.Key("SQLite database file; \"\" = <data_dir>/anvil.db.", "path", d.storage.path);
  w.Key("SQLite synchronous mode: full, normal or off (off can lose issued certificates on power loss).",
        "durability", d.storage.durability);

  w.Table("acme");
  w.Key("Terms of service URL (directory meta.termsOfService); \"\" = none.", "terms_of_service",
        d.acme.terms_of_service);
  w.Key("Website URL (directory meta.website); \"\" = none.", "website", d.acme.website);
  w.Key("Require external account binding for new accounts (RFC 8555 section 7.3.4).",
        "external_account_required", d.acme.external_account_required);
  w.Key("How long an unused Replay-Nonce stays valid.", "nonce_lifetime", d.acme.nonce_lifetime);
  w.Key("How long a new order may take to be finalized.", "order_lifetime", d.acme.order_lifetime);
  w.Key("How long a pending authorization may take to be validated.", "pending_authorization_lifetime",
        d.acme.pending_authorization_lifetime);
  w.Key("How long a valid authorization lasts (and can be reused).", "authorization_lifetime",
        d.acme.authorization_lifetime);
  w.Key("Let new orders reuse the account's valid authorizations.", "reuse_valid_authorizations",
        d.acme.reuse_valid_authorizations);
  w.Key("Orders per page of an account's orders list.", "orders_per_page", d.acme.orders_per_page);
  w.Key("Retry-After sent with processing orders and pending challenges.", "retry_after", d.acme.retry_after);
  w.Key("Retry-After sent with renewal information (RFC 9773).", "ari_retry_after", d.acme.ari_retry_after);
  w.Key("How long a challenge response may wait to carry the validation's outcome.", "challenge_wait",
        d.acme.challenge_wait);

  w.Table("validation");
  w.Key("Port the http-01 validator connects to.", "http_port", d.validation.http_port);
  w.Key("Port for HTTPS redirects followed during http-01.", "https_port", d.validation.https_port);
  w.Key("Port the tls-alpn-01 validator connects to.", "tls_alpn_port", d.validation.tls_alpn_port);
  w.Key("DNS server for validation lookups, \"ip:port\" or \"[v6]:port\"; \"\" = system resolver.",
        "dns_resolver", d.validation.dns_resolver);
  w.Key("Time limit for one validation attempt.", "timeout", d.validation.timeout);
  w.Key("Validations run at the same time, at most.", "workers", d.validation.workers);
  w.Key("Issuer domain names by which CAA records (RFC 8659) name this CA (directory meta.caaIdentities); "
        "set = CAA checked, [] = not checked.",
        "caa_identities", d.validation.caa_identities);
  w.Key("Finalize checks CAA again for authorizations validated longer ago than this.", "caa_recheck_after",
        d.validation.caa_recheck_after);

  w.Table("publication");
  w.Key("Plain-HTTP listener for relying parties (CRLs, CA certificates); [] = none.", "listen",
        d.publication.listen);
  w.Key("Base URL relying parties use, http:// only; \"\" = from the first listen address.", "external_url",
        d.publication.external_url);
  w.Key("A fresh CRL is signed at least this often.", "crl_period", d.publication.crl_period);
  w.Key("A CRL's nextUpdate - thisUpdate; longer than crl_period, at most 7d.", "crl_lifetime",
        d.publication.crl_lifetime);
  w.Key("A revocation is on the CRL at most this long after it is recorded; at most 60s.",
        "crl_revocation_delay", d.publication.crl_revocation_delay);
  w.Key("An OCSP responder at /ocsp, named in certificates.", "ocsp", d.publication.ocsp);
  w.Key("An OCSP response's nextUpdate - thisUpdate; at most 10d.", "ocsp_response_lifetime",
        d.publication.ocsp_response_lifetime);

  w.Table("audit");
  w.Key("The audit chain's head is signed by the CA, stored and logged this often (and at start and stop); "
        "at least 1m.",
        "anchor_period", d.audit.anchor_period);

  w.Table("expiry");
  w.Key("The expiry watch logs the certificates expiring within this window that are not replaced; \"0s\" = off.",
        "window", d.expiry.window);
  w.Key("How often the expiry watch looks; at least 1m.", "check_period", d.expiry.check_period);

  WebhookKeys(w, "expiry.webhook",
              "Told once of each certificate the watch finds, with its account's contacts (docs/webhooks.md)",
              d.expiry.webhook);

  w.Table("authorization");
  w.Key("Without an answer from the authorization webhook, let the request through (audited) instead of refusing it.",
        "fail_open", d.authorization.fail_open);

  WebhookKeys(w, "authorization.webhook",
              "Asked before each new order and each signature, after the policies (docs/policy.md)",
              d.authorization.webhook);

  w.Table("device_attestation");
  w.Key("Enroll devices: permanent-identifier and hardware-module identifiers validated by device-attest-01 "
        "(docs/device-attestation.md); needs the roots of at least one format.",
        "enabled", d.device_attestation.enabled);
  w.Key("The profile of device orders that name none.", "profile", d.device_attestation.profile);
  w.Key("PEM file of the roots TPM attestation key certificates chain to (your attestation CA, TPM makers); \"\" "
        "= tpm refused.",
        "tpm_roots", d.device_attestation.tpm_roots);
  w.Key("PEM file of Apple's Enterprise Attestation Root CA; \"\" = apple refused.", "apple_roots",
        d.device_attestation.apple_roots);
  w.Key("PEM file of Google's hardware attestation roots; \"\" = android-key refused.", "android_roots",
        d.device_attestation.android_roots);
  w.Key("PEM file of Yubico's PIV attestation roots; \"\" = step (YubiKey) refused.", "yubikey_roots",
        d.device_attestation.yubikey_roots);
  w.Key("Google's attestation status list (its JSON): android-key chains with a revoked certificate are refused; "
        "\"\" = none.",
        "android_revocations", d.device_attestation.android_revocations);
  w.Key("File of device identifiers (\"permanent-identifier:SERIAL\", one per line) the MDM check allows; \"\" = "
        "none.",
        "allow_list", d.device_attestation.allow_list);

  WebhookKeys(w, "device_attestation.webhook",
              "The MDM check: asked after each verified attestation whether the device is managed and expected "
              "(docs/device-attestation.md)",
              d.device_attestation.webhook);

  w.Table("metrics");
  w.Key("Plain-HTTP listener for Prometheus (/metrics) and health probes (/healthz, /readyz), e.g. "
        "[\"localhost:9464\"]; [] = none.",
        "listen", d.metrics.listen);
  w.Key("The certificate gauges are counted by the store at most this often; scrapes in between get the last "
        "count.",
        "certificate_count_period", d.metrics.certificate_count_period);

  w.Table("admin");
  w.Key("HTTPS listener of the admin API (docs/admin-api.md), e.g. [\"localhost:9443\"] or [\"9443\"] (a port "
        "alone is loopback); [] = none. Callers authenticate with client certificates or bearer tokens from "
        "`anvil-ca admin`.",
        "listen", d.admin.listen);
  w.Key("The operator's web console at https://HOST:PORT/console/ on that listener (docs/console.md); log in "
        "with an admin token or client certificate.",
        "console", d.admin.console);

  w.Table("policy");
  w.Line("# The default policy: it binds every request. Named policies, [policies.NAME] with the same keys (each");
  w.Line("# allowing everything until narrowed), bind requests by profile (profiles.NAME.policy), EAB key");
  w.Line("# (`anvil-ca eab create --policy`) or account (`anvil-ca account set-policy`); docs/policy.md.");
  w.Key("Name patterns that may be certified: \"example.com\" (it and every name below), \"=host.example.com\" "
        "(that name only), \"*.example.com\" (one label below); [] = any name.",
        "allowed_domains", d.policy.allowed_domains);
  w.Key("Name patterns that may never be certified; checked first.", "denied_domains", d.policy.denied_domains);
  w.Key("IP ranges (CIDR) that may be certified; [] = any address.", "allowed_ip_ranges",
        d.policy.allowed_ip_ranges);
  w.Key("IP ranges (CIDR) that may never be certified; checked first.", "denied_ip_ranges",
        d.policy.denied_ip_ranges);
  w.Key("Identifier types that may be certified: dns, ip, permanent-identifier, hardware-module; [] = any.",
        "identifier_types",
        d.policy.identifier_types);
  w.Key("Challenge types offered: http-01, dns-01, tls-alpn-01, device-attest-01; [] = any.", "challenge_types",
        d.policy.challenge_types);
  w.Key("Profiles that may be requested; [] = any.", "profiles", d.policy.profiles);
  w.Key("Certificates are cut to this lifetime; \"0s\" = the profile's validity.", "max_validity",
        d.policy.max_validity);
  w.Key("Allow wildcard names (*.example.com, dns-01 only).", "allow_wildcards", d.policy.allow_wildcards);
  w.Key("Most identifiers in one order.", "max_identifiers", d.policy.max_identifiers);
  w.Key("CSR key types accepted: ec256, ec384, ec521, rsa2048, rsa3072, rsa4096, ed25519.", "key_types",
        d.policy.key_types);

  w.Table("limits");
  w.Line("# Rate limits (RFC 8555 §6.6), \"COUNT/DURATION\" or \"off\"; kept in the database across restarts.");
  w.Key("New accounts from one IP address.", "new_accounts_per_ip", d.limits.new_accounts_per_ip);
  w.Key("New orders of one account.", "new_orders_per_account", d.limits.new_orders_per_account);
  w.Key("Failed validations of one account for one identifier; then its new orders for it are refused.",
        "failed_validations_per_identifier", d.limits.failed_validations_per_identifier);
  w.Key("Certificates naming one registered domain (the last two labels) or IP address.",
        "certificates_per_domain", d.limits.certificates_per_domain);
  w.Key("Pending authorizations one account may have; 0 = no cap.", "pending_authorizations_per_account",
        d.limits.pending_authorizations_per_account);
  w.Key("Pending or ready orders one account may have (identical ones are reused); 0 = no cap.",
        "pending_orders_per_account", d.limits.pending_orders_per_account);

  w.Table("ca");
  w.Key("Subject CN of the root created on first start.", "root_common_name", d.ca.root_common_name);
  w.Key("Subject CN of the intermediate created on first start.", "intermediate_common_name",
        d.ca.intermediate_common_name);
  w.Key("Subject O of both CA certificates; \"\" = none.", "organization", d.ca.organization);
  w.Key("Lifetime of the root certificate.", "root_validity", d.ca.root_validity);
  w.Key("Lifetime of the intermediate certificate; at most root_validity.", "intermediate_validity",
        d.ca.intermediate_validity);
  w.Key("PEM file of an alternate chain, served as Link rel=\"alternate\"; \"\" = none.",
        "cross_signed_chain", d.ca.cross_signed_chain);
  w.Key("Where the passphrase encrypting the CA's keys comes from: file:PATH (mode 0600), env:NAME or "
        "credential:NAME (systemd LoadCredential=); \"\" = keys unencrypted.",
        "key_passphrase", d.ca.key_passphrase);
  w.Key("The PKCS #11 module of the token holding the keys of generations made with `ca rotate --key-uri`.",
        "pkcs11_module", d.ca.pkcs11_module);
  w.Key("Where that token's user PIN comes from: file:PATH (mode 0600), env:NAME or credential:NAME; \"\" = no "
        "token.",
        "pkcs11_pin", d.ca.pkcs11_pin);

  w.Line("");
  w.Line("# Certificate profiles, one table each. Defining any [profiles.*] table replaces all of these.");
  w.Line("# Each validity is at most ca.intermediate_validity.");
  // The default profile first and fully commented; the others without repeating the comments.
  WriteProfile(w, d.default_profile, d.profiles.at(d.default_profile), /*comments=*/true);
  for (const auto& [name, profile] : d.profiles) {
    if (name != d.default_profile) WriteProfile(w, name, profile, /*comments=*/false);
  }
  return w.Take();
}

}  // namespace anvil::config
