#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "config/values.h"

namespace anvil::config {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr seconds kDay{86400};

// Every field of a Config, one "key = value" line each, so that whole configurations compare with a readable
// diff when they differ.
std::string Dump(const Config& c) {
  std::ostringstream out;
  const auto list = [](const std::vector<std::string>& v) {
    std::string s = "[";
    for (const auto& e : v) s += e + ",";
    return s + "]";
  };
  out << "data_dir=" << c.data_dir << "\ndefault_profile=" << c.default_profile << "\n";
  out << "server.listen=";
  for (const auto& l : c.server.listen) out << l.host << "|" << l.port << ",";
  out << "\nserver.external_url=" << c.server.external_url
      << "\nserver.tls_names=" << list(c.server.tls_names) << "\nserver.io_threads=" << c.server.io_threads
      << "\nserver.worker_threads=" << c.server.worker_threads
      << "\nserver.batch_scheduling=" << c.server.batch_scheduling
      << "\nserver.max_body_bytes=" << c.server.max_body_bytes
      << "\nserver.max_header_bytes=" << c.server.max_header_bytes
      << "\nserver.idle_timeout=" << c.server.idle_timeout.count()
      << "\nserver.request_timeout=" << c.server.request_timeout.count() << "\n";
  out << "log.format=" << c.log.format << "\nlog.level=" << c.log.level << "\n";
  out << "storage.backend=" << c.storage.backend << "\nstorage.path=" << c.storage.path
      << "\nstorage.durability=" << c.storage.durability << "\n";
  const AcmeConfig& a = c.acme;
  out << "acme.terms_of_service=" << a.terms_of_service << "\nacme.website=" << a.website
      << "\nacme.external_account_required=" << a.external_account_required
      << "\nacme.nonce_lifetime=" << a.nonce_lifetime.count()
      << "\nacme.order_lifetime=" << a.order_lifetime.count()
      << "\nacme.pending_authorization_lifetime=" << a.pending_authorization_lifetime.count()
      << "\nacme.authorization_lifetime=" << a.authorization_lifetime.count()
      << "\nacme.reuse_valid_authorizations=" << a.reuse_valid_authorizations
      << "\nacme.orders_per_page=" << a.orders_per_page << "\nacme.retry_after=" << a.retry_after.count()
      << "\nacme.ari_retry_after=" << a.ari_retry_after.count()
      << "\nacme.challenge_wait=" << a.challenge_wait.count() << "\n";
  const ValidationConfig& v = c.validation;
  out << "validation.http_port=" << v.http_port << "\nvalidation.https_port=" << v.https_port
      << "\nvalidation.tls_alpn_port=" << v.tls_alpn_port << "\nvalidation.dns_resolver=" << v.dns_resolver
      << "\nvalidation.timeout=" << v.timeout.count() << "\nvalidation.workers=" << v.workers
      << "\nvalidation.caa_identities=" << list(v.caa_identities)
      << "\nvalidation.caa_recheck_after=" << v.caa_recheck_after.count() << "\n";
  const PublicationConfig& pub = c.publication;
  out << "publication.listen=";
  for (const auto& l : pub.listen) out << l.host << ":" << l.port << ",";
  out << "\npublication.external_url=" << pub.external_url
      << "\npublication.crl_period=" << pub.crl_period.count()
      << "\npublication.crl_lifetime=" << pub.crl_lifetime.count()
      << "\npublication.crl_revocation_delay=" << pub.crl_revocation_delay.count()
      << "\npublication.ocsp=" << pub.ocsp << "\npublication.ocsp_response_lifetime=" << pub.ocsp_response_lifetime.count()
      << "\n";
  out << "metrics.listen=";
  for (const auto& l : c.metrics.listen) out << l.host << ":" << l.port << ",";
  out << "\nadmin.listen=";
  for (const auto& l : c.admin.listen) out << l.host << ":" << l.port << ",";
  out << "\nadmin.console=" << c.admin.console << "\n";
  out << "expiry.window=" << c.expiry.window.count() << "\nexpiry.check_period=" << c.expiry.check_period.count()
      << "\n";
  for (const auto& [name, w] : {std::pair{"expiry.webhook", &c.expiry.webhook},
                                std::pair{"authorization.webhook", &c.authorization.webhook}}) {
    out << name << ".url=" << w->url << "\n" << name << ".secret_file=" << w->secret_file << "\n"
        << name << ".ca_file=" << w->ca_file << "\n" << name << ".timeout=" << w->timeout.count() << "\n";
  }
  out << "authorization.fail_open=" << c.authorization.fail_open << "\n";
  const PolicyConfig& p = c.policy;
  out << "policy.allowed_domains=" << list(p.allowed_domains)
      << "\npolicy.denied_domains=" << list(p.denied_domains)
      << "\npolicy.allowed_ip_ranges=" << list(p.allowed_ip_ranges)
      << "\npolicy.denied_ip_ranges=" << list(p.denied_ip_ranges)
      << "\npolicy.allow_wildcards=" << p.allow_wildcards << "\npolicy.max_identifiers=" << p.max_identifiers
      << "\npolicy.key_types=" << list(p.key_types) << "\npolicy.identifier_types=" << list(p.identifier_types)
      << "\npolicy.challenge_types=" << list(p.challenge_types) << "\npolicy.profiles=" << list(p.profiles)
      << "\npolicy.max_validity=" << p.max_validity.count() << "\n";
  for (const auto& [name, named] : c.policies) {
    out << "policies." << name << "=" << list(named.allowed_domains) << list(named.key_types) << "\n";
  }
  const auto rate = [](const RateLimitConfig& r) { return std::to_string(r.count) + "/" + std::to_string(r.period.count()); };
  out << "limits.new_accounts_per_ip=" << rate(c.limits.new_accounts_per_ip)
      << "\nlimits.new_orders_per_account=" << rate(c.limits.new_orders_per_account)
      << "\nlimits.failed_validations_per_identifier=" << rate(c.limits.failed_validations_per_identifier)
      << "\nlimits.certificates_per_domain=" << rate(c.limits.certificates_per_domain)
      << "\nlimits.pending_authorizations_per_account=" << c.limits.pending_authorizations_per_account
      << "\nlimits.pending_orders_per_account=" << c.limits.pending_orders_per_account << "\n";
  out << "ca.root_common_name=" << c.ca.root_common_name
      << "\nca.intermediate_common_name=" << c.ca.intermediate_common_name
      << "\nca.organization=" << c.ca.organization << "\nca.root_validity=" << c.ca.root_validity.count()
      << "\nca.intermediate_validity=" << c.ca.intermediate_validity.count()
      << "\nca.cross_signed_chain=" << c.ca.cross_signed_chain << "\nca.pkcs11_module=" << c.ca.pkcs11_module
      << "\nca.pkcs11_pin=" << c.ca.pkcs11_pin << "\n";
  for (const auto& [name, profile] : c.profiles) {
    const std::string k = "profiles." + name + ".";
    out << k << "description=" << profile.description << "\n"
        << k << "validity=" << profile.validity.count() << "\n"
        << k << "ext_key_usages=" << list(profile.ext_key_usages) << "\n"
        << k << "identifier_types=" << list(profile.identifier_types) << "\n"
        << k << "key_types=" << list(profile.key_types) << "\n"
        << k << "backdate=" << profile.backdate.count() << "\n"
        << k << "crl=" << profile.crl << "\n"
        << k << "ocsp=" << profile.ocsp << "\n"
        << k << "policy=" << profile.policy << "\n";
  }
  return out.str();
}

// The message of ParseConfig's error for text; fails the test when text parses.
std::string ErrorOf(const std::string& text) {
  const Result<Config> config = ParseConfig(text);
  EXPECT_FALSE(config.ok()) << "parsed unexpectedly:\n" << text;
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument) << config.status().message();
  return config.status().message();
}

Config ParseOk(const std::string& text) {
  Result<Config> config = ParseConfig(text);
  EXPECT_TRUE(config.ok()) << config.status().message() << "\n" << text;
  return config.ok() ? *std::move(config) : Config{};
}

// Every key of the file format, profile keys with the placeholder NAME.
const std::vector<std::string>& AllKeys() {
  static const auto* const keys = new std::vector<std::string>{
      "data_dir",
      "default_profile",
      "server.listen",
      "server.external_url",
      "server.tls_names",
      "server.io_threads",
      "server.worker_threads",
      "server.batch_scheduling",
      "server.max_body_bytes",
      "server.max_header_bytes",
      "server.idle_timeout",
      "server.request_timeout",
      "log.format",
      "log.level",
      "storage.backend",
      "storage.path",
      "storage.durability",
      "acme.terms_of_service",
      "acme.website",
      "acme.external_account_required",
      "acme.nonce_lifetime",
      "acme.order_lifetime",
      "acme.pending_authorization_lifetime",
      "acme.authorization_lifetime",
      "acme.reuse_valid_authorizations",
      "acme.orders_per_page",
      "acme.retry_after",
      "acme.ari_retry_after",
      "acme.challenge_wait",
      "validation.http_port",
      "validation.https_port",
      "validation.tls_alpn_port",
      "validation.dns_resolver",
      "validation.timeout",
      "validation.workers",
      "validation.caa_identities",
      "validation.caa_recheck_after",
      "publication.listen",
      "publication.external_url",
      "publication.crl_period",
      "publication.crl_lifetime",
      "publication.crl_revocation_delay",
      "publication.ocsp",
      "publication.ocsp_response_lifetime",
      "audit.anchor_period",
      "metrics.listen",
      "metrics.certificate_count_period",
      "expiry.window",
      "expiry.check_period",
      "expiry.webhook.url",
      "expiry.webhook.secret_file",
      "expiry.webhook.ca_file",
      "expiry.webhook.timeout",
      "authorization.fail_open",
      "authorization.webhook.url",
      "authorization.webhook.secret_file",
      "authorization.webhook.ca_file",
      "authorization.webhook.timeout",
      "device_attestation.enabled",
      "device_attestation.profile",
      "device_attestation.tpm_roots",
      "device_attestation.apple_roots",
      "device_attestation.android_roots",
      "device_attestation.yubikey_roots",
      "device_attestation.android_revocations",
      "device_attestation.allow_list",
      "device_attestation.webhook.url",
      "device_attestation.webhook.secret_file",
      "device_attestation.webhook.ca_file",
      "device_attestation.webhook.timeout",
      "admin.listen",
      "admin.console",
      "policy.allowed_domains",
      "policy.denied_domains",
      "policy.allowed_ip_ranges",
      "policy.denied_ip_ranges",
      "policy.allow_wildcards",
      "policy.max_identifiers",
      "policy.key_types",
      "policy.identifier_types",
      "policy.challenge_types",
      "policy.profiles",
      "policy.max_validity",
      "limits.new_accounts_per_ip",
      "limits.new_orders_per_account",
      "limits.failed_validations_per_identifier",
      "limits.certificates_per_domain",
      "limits.pending_authorizations_per_account",
      "limits.pending_orders_per_account",
      "ca.root_common_name",
      "ca.intermediate_common_name",
      "ca.organization",
      "ca.root_validity",
      "ca.intermediate_validity",
      "ca.cross_signed_chain",
      "ca.key_passphrase",
      "ca.pkcs11_module",
      "ca.pkcs11_pin",
      "profiles.NAME.description",
      "profiles.NAME.validity",
      "profiles.NAME.ext_key_usages",
      "profiles.NAME.identifier_types",
      "profiles.NAME.key_types",
      "profiles.NAME.backdate",
      "profiles.NAME.crl",
      "profiles.NAME.ocsp",
      "profiles.NAME.policy",
  };
  return *keys;
}

// "acme.order_lifetime" → {"acme", "order_lifetime"}; "data_dir" → {"", "data_dir"}.
std::pair<std::string, std::string> SplitKey(const std::string& key) {
  const size_t dot = key.rfind('.');
  if (dot == std::string::npos) return {"", key};
  return {key.substr(0, dot), key.substr(dot + 1)};
}

// --- Defaults
// -------------------------------------------------------------------------------------------------

TEST(ConfigTest, DefaultsFollowTheHeader) {
  const Config c = DefaultConfig();
  EXPECT_EQ(c.data_dir, "./anvil-data");
  EXPECT_EQ(c.default_profile, "tls-server");
  ASSERT_EQ(c.server.listen.size(), 1u);
  EXPECT_EQ(c.server.listen[0].host, "localhost");
  EXPECT_EQ(c.server.listen[0].port, 14000);
  EXPECT_EQ(c.server.external_url, "");
  EXPECT_EQ(c.server.worker_threads, 0);
  EXPECT_TRUE(c.server.batch_scheduling);
  EXPECT_EQ(c.server.idle_timeout, seconds(30));
  EXPECT_EQ(c.log.format, "text");
  EXPECT_EQ(c.storage.backend, "sqlite");
  EXPECT_EQ(c.storage.path, "");
  EXPECT_EQ(c.acme.order_lifetime, 7 * kDay);
  EXPECT_EQ(c.acme.ari_retry_after, seconds(6 * 3600));
  EXPECT_EQ(c.acme.challenge_wait, seconds(2));
  EXPECT_EQ(c.validation.http_port, 80);
  EXPECT_THAT(c.policy.key_types, ElementsAre("ec256", "ec384", "ec521", "rsa2048", "rsa3072", "rsa4096"));
  EXPECT_EQ(c.ca.root_validity, 3650 * kDay);
  EXPECT_EQ(c.authorization.webhook.url, "");
  EXPECT_EQ(c.authorization.webhook.timeout, seconds(5));
  EXPECT_FALSE(c.authorization.fail_open);
  EXPECT_EQ(c.expiry.webhook.url, "");
}

TEST(ConfigTest, DefaultsHaveFourStandardProfiles) {
  const Config c = DefaultConfig();
  ASSERT_EQ(c.profiles.size(), 4u);
  const ProfileConfig& device = c.profiles.at("device");
  EXPECT_EQ(device.ext_key_usages, std::vector<std::string>{"clientAuth"});
  EXPECT_EQ(device.identifier_types, (std::vector<std::string>{"permanent-identifier", "hardware-module"}));
  const ProfileConfig& server = c.profiles.at("tls-server");
  EXPECT_EQ(server.description, "TLS server certificate (default)");
  EXPECT_EQ(server.validity, 90 * kDay);
  EXPECT_THAT(server.ext_key_usages, ElementsAre("serverAuth"));
  EXPECT_THAT(server.identifier_types, ElementsAre("dns", "ip"));
  EXPECT_TRUE(server.key_types.empty());
  EXPECT_EQ(server.backdate, seconds(60));
  const ProfileConfig& client = c.profiles.at("tls-client");
  EXPECT_EQ(client.description, "TLS client certificate");
  EXPECT_EQ(client.validity, 90 * kDay);
  EXPECT_THAT(client.ext_key_usages, ElementsAre("clientAuth"));
  EXPECT_THAT(client.identifier_types, ElementsAre("dns"));
  const ProfileConfig& short_lived = c.profiles.at("short-lived");
  EXPECT_EQ(short_lived.description, "Short-lived TLS server certificate (7 days)");
  EXPECT_EQ(short_lived.validity, 7 * kDay);
  EXPECT_THAT(short_lived.ext_key_usages, ElementsAre("serverAuth"));
  EXPECT_THAT(short_lived.identifier_types, ElementsAre("dns", "ip"));
}

TEST(ConfigTest, EmptyFileGivesTheDefaults) { EXPECT_EQ(Dump(ParseOk("")), Dump(DefaultConfig())); }

TEST(ConfigTest, CommentsOnlyFileGivesTheDefaults) {
  EXPECT_EQ(Dump(ParseOk("# nothing\n\n# set here\n")), Dump(DefaultConfig()));
}

// --- A full file
// -----------------------------------------------------------------------------------------------

constexpr const char* kFullFile = R"(
data_dir = "/var/lib/anvil"
default_profile = "web"

[server]
listen = ["0.0.0.0:443", "[::1]:8443", "localhost:0"]
external_url = "https://ca.example.com/acme/"
tls_names = ["CA.Example.com", "192.0.2.10", "2001:db8::10"]
io_threads = 4
worker_threads = 8
batch_scheduling = false
max_body_bytes = 131072
max_header_bytes = 8192
idle_timeout = "1m"
request_timeout = "1m30s"

[log]
format = "json"
level = "debug"

[storage]
backend = "sqlite"
path = "/srv/anvil.db"
durability = "normal"

[acme]
terms_of_service = "https://ca.example.com/tos"
website = "http://ca.example.com"
external_account_required = true
nonce_lifetime = "30m"
order_lifetime = "1d"
pending_authorization_lifetime = "2d"
authorization_lifetime = "10d"
reuse_valid_authorizations = false
orders_per_page = 50
retry_after = "3s"
ari_retry_after = "12h"
challenge_wait = "0s"

[validation]
http_port = 5002
https_port = 5001
tls_alpn_port = 5003
dns_resolver = "[2001:db8::53]:8053"
timeout = "5s"
workers = 4
caa_identities = ["ca.example.com"]
caa_recheck_after = "1h"

[publication]
listen = ["0.0.0.0:80", "[::]:80"]
external_url = "http://crl.example.com/pki/"
crl_period = "30m"
crl_lifetime = "3d"
crl_revocation_delay = "5s"
ocsp = false
ocsp_response_lifetime = "12h"

[policy]
allowed_domains = ["example.com", ".internal"]
denied_domains = ["bad.example.com"]
allowed_ip_ranges = ["10.0.0.0/8", "2001:db8::/32"]
denied_ip_ranges = ["10.66.0.0/16"]
allow_wildcards = false
max_identifiers = 10
key_types = ["ec256", "ed25519"]

[ca]
root_common_name = "Example Root"
intermediate_common_name = "Example Issuing CA"
organization = ""
root_validity = "7300d"
intermediate_validity = "730d"
cross_signed_chain = "/etc/anvil/cross.pem"
pkcs11_module = "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so"
pkcs11_pin = "credential:anvil-pin"

[profiles.web]
description = "Web servers"
validity = "30d"
ext_key_usages = ["serverAuth", "clientAuth"]
identifier_types = ["dns"]
key_types = ["ec384"]
backdate = "0s"
crl = false
ocsp = false

[profiles.codesign]
validity = "365d"
ext_key_usages = ["codeSigning", "1.3.6.1.4.1.311.10.3.13"]
)";

TEST(ConfigTest, RateLimitsAreCountSlashDurationOrOff) {
  const Config c = ParseOk(
      "[limits]\nnew_accounts_per_ip = \"10/1h\"\nnew_orders_per_account = \"off\"\n"
      "failed_validations_per_identifier = \"3/30m\"\ncertificates_per_domain = \"100/7d\"\n");
  EXPECT_EQ(c.limits.new_accounts_per_ip, (RateLimitConfig{10, seconds(3600)}));
  EXPECT_EQ(c.limits.new_orders_per_account, RateLimitConfig{});
  EXPECT_EQ(c.limits.failed_validations_per_identifier, (RateLimitConfig{3, seconds(1800)}));
  EXPECT_EQ(c.limits.certificates_per_domain, (RateLimitConfig{100, 7 * kDay}));
  const Config d = DefaultConfig();
  EXPECT_EQ(d.limits.new_orders_per_account, (RateLimitConfig{300, seconds(3 * 3600)}));
  EXPECT_EQ(d.limits.pending_authorizations_per_account, 1000);
  EXPECT_EQ(ParseOk("[limits]\npending_orders_per_account = 0\n").limits.pending_orders_per_account, 0);
  for (const char* bad : {"\"300\"", "\"0/1h\"", "\"x/1h\"", "\"10/0s\"", "\"10/\"", "\"/1h\"", "\"10/1x\""}) {
    EXPECT_THAT(ErrorOf(std::string("[limits]\nnew_orders_per_account = ") + bad + "\n"),
                StartsWith("limits.new_orders_per_account: expected \"COUNT/DURATION\""))
        << bad;
  }
}

TEST(ConfigTest, FullFileOverridesEverySection) {
  const Config c = ParseOk(kFullFile);
  EXPECT_EQ(c.data_dir, "/var/lib/anvil");
  EXPECT_EQ(c.default_profile, "web");

  ASSERT_EQ(c.server.listen.size(), 3u);
  EXPECT_EQ(c.server.listen[0].host, "0.0.0.0");
  EXPECT_EQ(c.server.listen[0].port, 443);
  EXPECT_EQ(c.server.listen[1].host, "::1");
  EXPECT_EQ(c.server.listen[1].port, 8443);
  EXPECT_EQ(c.server.listen[2].host, "localhost");
  EXPECT_EQ(c.server.listen[2].port, 0);
  EXPECT_EQ(c.server.external_url, "https://ca.example.com/acme");  // trailing "/" removed
  EXPECT_THAT(c.server.tls_names, ElementsAre("ca.example.com", "192.0.2.10", "2001:db8::10"));
  EXPECT_EQ(c.server.io_threads, 4);
  EXPECT_EQ(c.server.worker_threads, 8);
  EXPECT_FALSE(c.server.batch_scheduling);
  EXPECT_EQ(c.server.max_body_bytes, 131072u);
  EXPECT_EQ(c.server.max_header_bytes, 8192u);
  EXPECT_EQ(c.server.idle_timeout, seconds(60));
  EXPECT_EQ(c.server.request_timeout, seconds(90));

  EXPECT_EQ(c.log.format, "json");
  EXPECT_EQ(c.log.level, "debug");

  EXPECT_EQ(c.storage.backend, "sqlite");
  EXPECT_EQ(c.storage.path, "/srv/anvil.db");
  EXPECT_EQ(c.storage.durability, "normal");

  EXPECT_EQ(c.acme.terms_of_service, "https://ca.example.com/tos");
  EXPECT_EQ(c.acme.website, "http://ca.example.com");
  EXPECT_TRUE(c.acme.external_account_required);
  EXPECT_EQ(c.acme.nonce_lifetime, seconds(1800));
  EXPECT_EQ(c.acme.order_lifetime, kDay);
  EXPECT_EQ(c.acme.pending_authorization_lifetime, 2 * kDay);
  EXPECT_EQ(c.acme.authorization_lifetime, 10 * kDay);
  EXPECT_FALSE(c.acme.reuse_valid_authorizations);
  EXPECT_EQ(c.acme.orders_per_page, 50);
  EXPECT_EQ(c.acme.retry_after, seconds(3));
  EXPECT_EQ(c.acme.ari_retry_after, seconds(12 * 3600));
  EXPECT_EQ(c.acme.challenge_wait, seconds(0));

  EXPECT_EQ(c.validation.http_port, 5002);
  EXPECT_EQ(c.validation.https_port, 5001);
  EXPECT_EQ(c.validation.tls_alpn_port, 5003);
  EXPECT_EQ(c.validation.dns_resolver, "[2001:db8::53]:8053");
  EXPECT_EQ(c.validation.timeout, seconds(5));
  EXPECT_EQ(c.validation.workers, 4);
  EXPECT_THAT(c.validation.caa_identities, ElementsAre("ca.example.com"));
  EXPECT_EQ(c.validation.caa_recheck_after, seconds(3600));
  ASSERT_EQ(c.publication.listen.size(), 2u);
  EXPECT_EQ(c.publication.listen[1].host, "::");
  EXPECT_EQ(c.publication.listen[1].port, 80);
  EXPECT_EQ(c.publication.external_url, "http://crl.example.com/pki");
  EXPECT_EQ(c.publication.crl_period, seconds(1800));
  EXPECT_EQ(c.publication.crl_lifetime, 3 * kDay);
  EXPECT_EQ(c.publication.crl_revocation_delay, seconds(5));
  EXPECT_FALSE(c.publication.ocsp);
  EXPECT_EQ(c.publication.ocsp_response_lifetime, seconds(12 * 3600));

  EXPECT_THAT(c.policy.allowed_domains, ElementsAre("example.com", "internal"));  // leading "." dropped
  EXPECT_THAT(c.policy.denied_domains, ElementsAre("bad.example.com"));
  EXPECT_THAT(c.policy.allowed_ip_ranges, ElementsAre("10.0.0.0/8", "2001:db8::/32"));
  EXPECT_THAT(c.policy.denied_ip_ranges, ElementsAre("10.66.0.0/16"));
  EXPECT_FALSE(c.policy.allow_wildcards);
  EXPECT_EQ(c.policy.max_identifiers, 10);
  EXPECT_THAT(c.policy.key_types, ElementsAre("ec256", "ed25519"));

  EXPECT_EQ(c.ca.root_common_name, "Example Root");
  EXPECT_EQ(c.ca.intermediate_common_name, "Example Issuing CA");
  EXPECT_EQ(c.ca.organization, "");
  EXPECT_EQ(c.ca.root_validity, 7300 * kDay);
  EXPECT_EQ(c.ca.intermediate_validity, 730 * kDay);
  EXPECT_EQ(c.ca.cross_signed_chain, "/etc/anvil/cross.pem");
  EXPECT_EQ(c.ca.pkcs11_module, "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so");
  EXPECT_EQ(c.ca.pkcs11_pin, "credential:anvil-pin");
  EXPECT_EQ(c.ca.pkcs11_pin_value, "");  // read by Finalize

  // [profiles] replaces the three defaults entirely.
  ASSERT_EQ(c.profiles.size(), 2u);
  const ProfileConfig& web = c.profiles.at("web");
  EXPECT_EQ(web.description, "Web servers");
  EXPECT_EQ(web.validity, 30 * kDay);
  EXPECT_THAT(web.ext_key_usages, ElementsAre("serverAuth", "clientAuth"));
  EXPECT_THAT(web.identifier_types, ElementsAre("dns"));
  EXPECT_THAT(web.key_types, ElementsAre("ec384"));
  EXPECT_EQ(web.backdate, seconds(0));
  EXPECT_FALSE(web.crl);
  EXPECT_FALSE(web.ocsp);
  // Keys left out of a profile take ProfileConfig's defaults.
  const ProfileConfig& codesign = c.profiles.at("codesign");
  EXPECT_EQ(codesign.description, "");
  EXPECT_EQ(codesign.validity, 365 * kDay);
  EXPECT_THAT(codesign.ext_key_usages, ElementsAre("codeSigning", "1.3.6.1.4.1.311.10.3.13"));
  EXPECT_THAT(codesign.identifier_types, ElementsAre("dns", "ip"));
  EXPECT_TRUE(codesign.key_types.empty());
  EXPECT_EQ(codesign.backdate, seconds(60));
}

TEST(ConfigTest, SectionsNotInTheFileKeepTheirDefaults) {
  const Config c = ParseOk("[acme]\norder_lifetime = \"1d\"\n");
  EXPECT_EQ(c.acme.order_lifetime, kDay);
  Config expected = DefaultConfig();
  expected.acme.order_lifetime = kDay;
  EXPECT_EQ(Dump(c), Dump(expected));
}

TEST(ConfigTest, DottedKeysAndInlineTablesAreTheSameKeys) {
  const Config c = ParseOk("acme.order_lifetime = \"2d\"\nlog = { level = \"warn\" }\n");
  EXPECT_EQ(c.acme.order_lifetime, 2 * kDay);
  EXPECT_EQ(c.log.level, "warn");
}

TEST(ConfigTest, ProfilesTableReplacesTheDefaultProfiles) {
  const Config c = ParseOk("default_profile = \"only\"\n[profiles.only]\nvalidity = \"1d\"\n");
  ASSERT_EQ(c.profiles.size(), 1u);
  EXPECT_EQ(c.profiles.count("only"), 1u);
}

TEST(ConfigTest, RedefiningADefaultProfileStartsFromProfileDefaults) {
  // tls-client keeps nothing of the built-in tls-client: the file's [profiles] stands alone.
  const Config c = ParseOk("[profiles.tls-server]\n[profiles.tls-client]\nvalidity = \"1d\"\n");
  ASSERT_EQ(c.profiles.size(), 2u);
  EXPECT_THAT(c.profiles.at("tls-client").ext_key_usages, ElementsAre("serverAuth"));
  EXPECT_EQ(c.profiles.at("tls-client").description, "");
}

// --- Errors name their key
// -------------------------------------------------------------------------------------

TEST(ConfigTest, UnknownTopLevelKeyIsNamed) {
  EXPECT_EQ(ErrorOf("data_directory = \"/x\"\n"), "unknown key \"data_directory\"");
  EXPECT_EQ(ErrorOf("[acme_settings]\n"), "unknown key \"acme_settings\"");
}

TEST(ConfigTest, UnknownNestedKeyIsNamedWithItsPath) {
  EXPECT_EQ(ErrorOf("[acme]\nordr_lifetime = \"7d\"\n"),
            "unknown key \"acme.ordr_lifetime\" (did you mean \"acme.order_lifetime\"?)");
  EXPECT_EQ(ErrorOf("[server]\nport = 443\n"), "unknown key \"server.port\"");
  EXPECT_EQ(ErrorOf("[server.tls]\ncert = \"x\"\n"), "unknown key \"server.tls\"");
  EXPECT_EQ(ErrorOf("[log]\nlevel = \"info\"\nfile = \"x\"\n"), "unknown key \"log.file\"");
}

TEST(ConfigTest, UnknownProfileKeyIsNamed) {
  EXPECT_EQ(ErrorOf("[profiles.tls-server]\nvalidty = \"1d\"\n"),
            "unknown key \"profiles.tls-server.validty\" (did you mean \"profiles.tls-server.validity\"?)");
}

TEST(ConfigTest, WrongTypesAreNamed) {
  EXPECT_EQ(ErrorOf("data_dir = 5\n"), "data_dir: expected a string, got an integer");
  EXPECT_EQ(ErrorOf("[server]\nio_threads = \"4\"\n"),
            "server.io_threads: expected an integer, got a string");
  EXPECT_EQ(ErrorOf("[server]\nworker_threads = 4.0\n"),
            "server.worker_threads: expected an integer, got a float");
  EXPECT_EQ(ErrorOf("[server]\nlisten = \"localhost:1\"\n"),
            "server.listen: expected an array of strings, got a string");
  EXPECT_EQ(ErrorOf("[policy]\nkey_types = [\"ec256\", 384]\n"),
            "policy.key_types[1]: expected a string, got an integer");
  EXPECT_EQ(ErrorOf("[acme]\nexternal_account_required = \"yes\"\n"),
            "acme.external_account_required: expected a boolean, got a string");
  EXPECT_EQ(ErrorOf("[acme]\norder_lifetime = 604800\n"),
            "acme.order_lifetime: expected a duration string such as \"30s\", got an integer");
  EXPECT_EQ(ErrorOf("server = \"x\"\n"), "server: expected a table, got a string");
  EXPECT_EQ(ErrorOf("[[server]]\n"), "server: expected a table, got an array");
  EXPECT_EQ(ErrorOf("profiles = 1\n"), "profiles: expected a table, got an integer");
  EXPECT_EQ(ErrorOf("[profiles]\ntls-server = \"x\"\n"),
            "profiles.tls-server: expected a table, got a string");
  EXPECT_EQ(ErrorOf("[ca]\nroot_validity = 2030-01-01\n"),
            "ca.root_validity: expected a duration string such as \"30s\", got a date");
}

TEST(ConfigTest, BadDurationIsNamed) {
  EXPECT_EQ(ErrorOf("[acme]\norder_lifetime = \"7x\"\n"), "acme.order_lifetime: invalid duration \"7x\"");
  EXPECT_EQ(ErrorOf("[server]\nidle_timeout = \"30\"\n"), "server.idle_timeout: invalid duration \"30\"");
  EXPECT_EQ(ErrorOf("[profiles.p]\nvalidity = \"-1d\"\n"), "profiles.p.validity: invalid duration \"-1d\"");
}

TEST(ConfigTest, ZeroLifetimeIsRejectedButZeroBackdateIsNot) {
  EXPECT_EQ(ErrorOf("[acme]\nnonce_lifetime = \"0s\"\n"),
            "acme.nonce_lifetime: must be positive, got \"0s\"");
  EXPECT_EQ(ErrorOf("[ca]\nroot_validity = \"0d\"\n"), "ca.root_validity: must be positive, got \"0d\"");
  EXPECT_EQ(ParseOk("[profiles.tls-server]\nbackdate = \"0s\"\n").profiles.at("tls-server").backdate,
            seconds(0));
}

TEST(ConfigTest, BadListenAddressIsNamedWithItsIndex) {
  EXPECT_EQ(ErrorOf("[server]\nlisten = [\"localhost:1\", \"foo\"]\n"),
            "server.listen[1]: expected \"host:port\", got \"foo\"");
  EXPECT_EQ(ErrorOf("[server]\nlisten = [\"localhost:\"]\n"),
            "server.listen[0]: expected \"host:port\", got \"localhost:\"");
  EXPECT_EQ(ErrorOf("[server]\nlisten = [\"localhost:https\"]\n"),
            "server.listen[0]: expected \"host:port\", got \"localhost:https\"");
  EXPECT_EQ(ErrorOf("[server]\nlisten = [\"localhost:65536\"]\n"),
            "server.listen[0]: port 65536 out of range (0..65535)");
  EXPECT_THAT(
      ErrorOf("[server]\nlisten = [\"::1:14000\"]\n"),
      StartsWith("server.listen[0]: expected \"host:port\", got \"::1:14000\" (write IPv6 addresses in "
                 "brackets"));
  EXPECT_EQ(ErrorOf("[server]\nlisten = [\"[127.0.0.1]:80\"]\n"),
            "server.listen[0]: expected an IPv6 address inside the brackets, got \"[127.0.0.1]:80\"");
  EXPECT_THAT(ErrorOf("[server]\nlisten = [\"ca.example.com:443\"]\n"),
              StartsWith("server.listen[0]: host \"ca.example.com\" must be \"localhost\" or an IP address"));
  EXPECT_EQ(ErrorOf("[server]\nlisten = [\":443\"]\n"), "server.listen[0]: missing host in \":443\"");
  EXPECT_EQ(ErrorOf("[server]\nlisten = []\n"), "server.listen: at least one address is required");
  EXPECT_EQ(ErrorOf("[server]\nlisten = [\"localhost:1\", \"localhost:1\"]\n"),
            "server.listen[1]: duplicate value \"localhost:1\"");
}

TEST(ConfigTest, BadCidrIsNamedWithItsIndex) {
  EXPECT_THAT(ErrorOf("[policy]\nallowed_ip_ranges = [\"10.0.0.0/8\", \"10.0.0.0\"]\n"),
              StartsWith("policy.allowed_ip_ranges[1]: expected a CIDR"));
  EXPECT_EQ(ErrorOf("[policy]\ndenied_ip_ranges = [\"10.0.0.0/33\"]\n"),
            "policy.denied_ip_ranges[0]: prefix length 33 out of range (0..32) in \"10.0.0.0/33\"");
  EXPECT_EQ(ErrorOf("[policy]\nallowed_ip_ranges = [\"10.1.2.3/8\"]\n"),
            "policy.allowed_ip_ranges[0]: \"10.1.2.3/8\" has host bits set; did you mean \"10.0.0.0/8\"?");
}

TEST(ConfigTest, BadKeyTypeIsNamed) {
  EXPECT_EQ(
      ErrorOf("[policy]\nkey_types = [\"ec256\", \"rsa1024\"]\n"),
      "policy.key_types[1]: expected one of ec256, ec384, ec521, rsa2048, rsa3072, rsa4096, ed25519; got "
      "\"rsa1024\"");
  EXPECT_THAT(ErrorOf("[profiles.p]\nkey_types = [\"dsa\"]\n"),
              StartsWith("profiles.p.key_types[0]: expected one of"));
  EXPECT_EQ(ErrorOf("[policy]\nkey_types = []\n"), "policy.key_types: at least one key type is required");
}

TEST(ConfigTest, BadProfileValuesAreNamed) {
  EXPECT_EQ(
      ErrorOf("[profiles.p]\next_key_usages = [\"webAuth\"]\n"),
      "profiles.p.ext_key_usages[0]: expected serverAuth, clientAuth, codeSigning, emailProtection or a "
      "dotted OID; got \"webAuth\"");
  EXPECT_EQ(ErrorOf("[profiles.p]\nidentifier_types = [\"email\"]\n"),
            "profiles.p.identifier_types[0]: expected one of dns, ip, permanent-identifier, hardware-module; got "
            "\"email\"");
  EXPECT_EQ(ErrorOf("[profiles.p]\nidentifier_types = []\n"),
            "profiles.p.identifier_types: at least one identifier type is required");
  EXPECT_EQ(ErrorOf("[profiles.p]\next_key_usages = []\n"),
            "profiles.p.ext_key_usages: at least one extended key usage is required");
  EXPECT_THAT(ErrorOf("[profiles.\"a b\"]\n"), StartsWith("profiles.\"a b\": invalid profile name"));
  EXPECT_EQ(ErrorOf("[profiles]\n"), "profiles: at least one profile is required");
}

TEST(ConfigTest, UndefinedDefaultProfileIsNamed) {
  EXPECT_EQ(ErrorOf("default_profile = \"web\"\n"),
            "default_profile: profile \"web\" is not defined (defined: device, short-lived, tls-client, tls-server)");
  EXPECT_EQ(ErrorOf("[profiles.web]\n"),
            "default_profile: profile \"tls-server\" is not defined (defined: web)");
}

TEST(ConfigTest, EnumeratedValuesAreChecked) {
  EXPECT_EQ(ErrorOf("[log]\nformat = \"xml\"\n"), "log.format: expected one of text, json; got \"xml\"");
  EXPECT_EQ(ErrorOf("[log]\nlevel = \"verbose\"\n"),
            "log.level: expected one of trace, debug, info, warn, error; got \"verbose\"");
  EXPECT_EQ(ErrorOf("[storage]\nbackend = \"postgres\"\n"),
            "storage.backend: \"postgres\" is not yet supported; use \"sqlite\"");
  EXPECT_EQ(ErrorOf("[storage]\nbackend = \"mysql\"\n"),
            "storage.backend: expected one of sqlite; got \"mysql\"");
  EXPECT_EQ(ErrorOf("[storage]\ndurability = \"extra\"\n"),
            "storage.durability: expected one of full, normal, off; got \"extra\"");
}

TEST(ConfigTest, UrlsAreChecked) {
  EXPECT_EQ(ErrorOf("[server]\nexternal_url = \"http://ca.example.com\"\n"),
            "server.external_url: expected an https:// URL, got \"http://ca.example.com\"");
  EXPECT_EQ(ErrorOf("[server]\nexternal_url = \"https://\"\n"),
            "server.external_url: expected an https:// URL, got \"https://\"");
  EXPECT_THAT(ErrorOf("[server]\nexternal_url = \"https://ca.example.com/?x=1\"\n"),
              StartsWith("server.external_url: expected a base URL without user info, query or fragment"));
  EXPECT_EQ(ErrorOf("[acme]\nwebsite = \"ftp://example.com\"\n"),
            "acme.website: expected an http:// or https:// URL, got \"ftp://example.com\"");
  EXPECT_EQ(ErrorOf("[publication]\nexternal_url = \"https://crl.example.com\"\n"),
            "publication.external_url: expected an http:// URL, got \"https://crl.example.com\"");
}

TEST(ConfigTest, CrlTimesAreBounded) {
  EXPECT_EQ(ErrorOf("[publication]\ncrl_lifetime = \"8d\"\n"),
            "publication.crl_lifetime: at most 7d (relying parties cache a CRL until its nextUpdate)");
  EXPECT_EQ(ErrorOf("[publication]\ncrl_period = \"1d\"\n"),
            "publication.crl_lifetime: must be longer than crl_period (1d), or a CRL expires before the next one "
            "is made");
  EXPECT_EQ(ErrorOf("[publication]\ncrl_revocation_delay = \"2m\"\n"),
            "publication.crl_revocation_delay: at most 60s");
  EXPECT_EQ(ErrorOf("[publication]\nocsp_response_lifetime = \"11d\"\n"),
            "publication.ocsp_response_lifetime: at most 10d");
  EXPECT_EQ(ErrorOf("[publication]\nlisten = [\"example.com:80\"]\n"),
            "publication.listen[0]: host \"example.com\" must be \"localhost\" or an IP address (0.0.0.0 or [::] "
            "for all addresses)");
}

TEST(ConfigTest, MetricsListenerIsOffByDefaultAndTakesListenAddresses) {
  EXPECT_TRUE(DefaultConfig().metrics.listen.empty());
  auto c = ParseConfig("[metrics]\nlisten = [\"localhost:9464\", \"[::1]:9465\"]\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->metrics.listen.size(), 2u);
  EXPECT_EQ(c->metrics.listen[0].host, "localhost");
  EXPECT_EQ(c->metrics.listen[0].port, 9464);
  EXPECT_EQ(c->metrics.listen[1].host, "::1");
  EXPECT_EQ(ErrorOf("[metrics]\nlisten = [\"example.com:9464\"]\n"),
            "metrics.listen[0]: host \"example.com\" must be \"localhost\" or an IP address (0.0.0.0 or [::] "
            "for all addresses)");
  EXPECT_EQ(ErrorOf("[metrics]\nport = 9464\n"), "unknown key \"metrics.port\"");
}

TEST(ConfigTest, NamedPoliciesAllowEverythingUntilNarrowedAndMustBeDefinedWhereNamed) {
  auto c = ParseConfig(
      "[policies.devices]\nallowed_domains = [\"*.devices.corp.example\"]\nchallenge_types = [\"dns-01\"]\n"
      "max_validity = \"7d\"\nprofiles = [\"tls-client\"]\n[policies.open]\n"
      "[profiles.tls-server]\npolicy = \"open\"\n[profiles.tls-client]\next_key_usages = [\"clientAuth\"]\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->policies.size(), 2u);
  const PolicyConfig& devices = c->policies.at("devices");
  EXPECT_THAT(devices.allowed_domains, ElementsAre("*.devices.corp.example"));
  EXPECT_THAT(devices.challenge_types, ElementsAre("dns-01"));
  EXPECT_EQ(devices.max_validity, std::chrono::hours(24 * 7));
  const PolicyConfig& open = c->policies.at("open");
  EXPECT_TRUE(open.key_types.empty());  // any key type
  EXPECT_EQ(open.max_identifiers, 10000);
  EXPECT_EQ(c->profiles.at("tls-server").policy, "open");
  EXPECT_EQ(ErrorOf("default_profile = \"p\"\n[profiles.p]\npolicy = \"nope\"\n"),
            "profiles.p.policy: policy \"nope\" is not defined (a [policies.NAME] table)");
  EXPECT_EQ(ErrorOf("[policies.x]\nprofiles = [\"nope\"]\n"),
            "policies.x.profiles[0]: profile \"nope\" is not defined");
  EXPECT_EQ(ErrorOf("[policies.default]\n"),
            "policies.default: the default policy is the [policy] table; name this one otherwise");
  EXPECT_EQ(ErrorOf("[policies.x]\nchallenge_types = [\"dns-02\"]\n"),
            "policies.x.challenge_types[0]: expected one of http-01, dns-01, tls-alpn-01, device-attest-01; got "
            "\"dns-02\"");
  EXPECT_EQ(ErrorOf("[policies.x]\ncolour = 1\n"), "unknown key \"policies.x.colour\"");
}

TEST(ConfigTest, AdminListenerIsOffByDefaultAndAPortAloneIsLoopback) {
  EXPECT_TRUE(DefaultConfig().admin.listen.empty());
  EXPECT_TRUE(DefaultConfig().admin.console);
  EXPECT_FALSE(ParseOk("[admin]\nconsole = false\n").admin.console);
  auto c = ParseConfig("[admin]\nlisten = [\"9443\", \":9444\", \"[::1]:9445\", \"0.0.0.0:9446\"]\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->admin.listen.size(), 4u);
  EXPECT_EQ(c->admin.listen[0].host, "localhost");
  EXPECT_EQ(c->admin.listen[0].port, 9443);
  EXPECT_EQ(c->admin.listen[1].host, "localhost");
  EXPECT_EQ(c->admin.listen[1].port, 9444);
  EXPECT_EQ(c->admin.listen[2].host, "::1");
  EXPECT_EQ(c->admin.listen[3].host, "0.0.0.0");
  EXPECT_EQ(ErrorOf("[admin]\nlisten = [\"example.com:9443\"]\n"),
            "admin.listen[0]: host \"example.com\" must be \"localhost\" or an IP address (0.0.0.0 or [::] "
            "for all addresses)");
  EXPECT_EQ(ErrorOf("[admin]\nlisten = [\"99999\"]\n"), "admin.listen[0]: port 99999 out of range (0..65535)");
  EXPECT_EQ(ErrorOf("[admin]\ntoken = \"x\"\n"), "unknown key \"admin.token\"");
}

TEST(ConfigTest, WebhooksAreHttpsWithASecretFile) {
  const Config c = ParseOk(
      "[authorization]\nfail_open = true\n[authorization.webhook]\nurl = \"https://cmdb.corp.example/anvil\"\n"
      "secret_file = \"/etc/anvil/hook.secret\"\ntimeout = \"2s\"\n"
      "[expiry.webhook]\nurl = \"https://alerts.corp.example/\"\nsecret_file = \"/etc/anvil/expiry.secret\"\n"
      "ca_file = \"/etc/anvil/corp-ca.pem\"\n");
  EXPECT_TRUE(c.authorization.fail_open);
  EXPECT_EQ(c.authorization.webhook.url, "https://cmdb.corp.example/anvil");
  EXPECT_EQ(c.authorization.webhook.timeout, seconds(2));
  EXPECT_EQ(c.expiry.webhook.ca_file, "/etc/anvil/corp-ca.pem");
  EXPECT_THAT(ErrorOf("[authorization.webhook]\nurl = \"http://cmdb/\"\nsecret_file = \"s\"\n"),
              StartsWith("authorization.webhook.url: must be an https:// URL"));
  EXPECT_THAT(ErrorOf("[expiry.webhook]\nurl = \"https://alerts/\"\n"),
              StartsWith("expiry.webhook.secret_file: is required with a url"));
  EXPECT_THAT(ErrorOf("[authorization.webhook]\ntimeout = \"0s\"\n"), StartsWith("authorization.webhook.timeout: "));
}

TEST(ConfigTest, NamesAreChecked) {
  EXPECT_EQ(ErrorOf("[server]\ntls_names = [\"ok.example\", \"bad_name.example\"]\n"),
            "server.tls_names[1]: invalid DNS name \"bad_name.example\"");
  // Name patterns (docs/policy.md): "*" is one whole label; "=" an exact name.
  EXPECT_EQ(ErrorOf("[policy]\nallowed_domains = [\"db-*.example.com\"]\n"),
            "policy.allowed_domains[0]: \"*\" must be a whole label, as in \"*.example.com\"; got "
            "\"db-*.example.com\"");
  EXPECT_EQ(ErrorOf("[policies.web]\ndenied_domains = [\"=bad_name.example\"]\n"),
            "policies.web.denied_domains[0]: invalid DNS name \"bad_name.example\"");
  auto patterns = ParseConfig("[policy]\nallowed_domains = [\"*.Example.com\", \"=WWW.example.org\", \".corp.example\"]\n");
  ASSERT_TRUE(patterns.ok()) << patterns.status().message();
  EXPECT_EQ(patterns->policy.allowed_domains,
            (std::vector<std::string>{"*.example.com", "=www.example.org", "corp.example"}));
  EXPECT_EQ(ErrorOf("[policy]\ndenied_domains = [\"10.0.0.1\"]\n"),
            "policy.denied_domains[0]: expected a DNS name, got the IP address \"10.0.0.1\"");
  EXPECT_EQ(ErrorOf("[validation]\ncaa_identities = [\"\"]\n"),
            "validation.caa_identities[0]: invalid DNS name \"\"");
  EXPECT_EQ(ErrorOf("[acme]\ncaa_identities = [\"ca.example.com\"]\n"),
            "acme.caa_identities: moved to validation.caa_identities (setting it there turns the CAA check on)");
  EXPECT_EQ(ErrorOf("[ca]\nroot_common_name = \"\"\n"), "ca.root_common_name: must not be empty");
  EXPECT_EQ(ErrorOf("[ca]\norganization = \"" + std::string(65, 'x') + "\"\n"),
            "ca.organization: longer than 64 characters");
  EXPECT_EQ(ErrorOf("data_dir = \"\"\n"), "data_dir: must not be empty");
}

TEST(ConfigTest, NumbersAreRangeChecked) {
  EXPECT_EQ(ErrorOf("[validation]\nhttp_port = 0\n"), "validation.http_port: 0 out of range (1..65535)");
  EXPECT_EQ(ErrorOf("[validation]\ntls_alpn_port = 70000\n"),
            "validation.tls_alpn_port: 70000 out of range (1..65535)");
  EXPECT_EQ(ErrorOf("[server]\nworker_threads = -1\n"), "server.worker_threads: -1 out of range (0..1024)");
  EXPECT_EQ(ErrorOf("[server]\nmax_body_bytes = -1\n"),
            "server.max_body_bytes: -1 out of range (1..1073741824)");
  EXPECT_EQ(ErrorOf("[acme]\norders_per_page = 0\n"), "acme.orders_per_page: 0 out of range (1..10000)");
}

TEST(ConfigTest, DnsResolverIsAnIpAndPort) {
  EXPECT_EQ(ParseOk("[validation]\ndns_resolver = \"127.0.0.1:53\"\n").validation.dns_resolver,
            "127.0.0.1:53");
  EXPECT_EQ(ErrorOf("[validation]\ndns_resolver = \"127.0.0.1\"\n"),
            "validation.dns_resolver: expected \"host:port\", got \"127.0.0.1\"");
  EXPECT_THAT(
      ErrorOf("[validation]\ndns_resolver = \"dns.example:53\"\n"),
      StartsWith("validation.dns_resolver: expected \"ip:port\" or \"[v6]:port\", got \"dns.example:53\""));
  EXPECT_EQ(ErrorOf("[validation]\ndns_resolver = \"127.0.0.1:0\"\n"),
            "validation.dns_resolver: port 0 out of range (1..65535)");
}

TEST(ConfigTest, LifetimesAreCheckedAcrossTables) {
  EXPECT_EQ(ErrorOf("[ca]\nroot_validity = \"365d\"\nintermediate_validity = \"730d\"\n"),
            "ca.intermediate_validity: 730d exceeds ca.root_validity (365d)");
  EXPECT_EQ(ErrorOf("[ca]\nintermediate_validity = \"30d\"\n"),
            "profiles.device.validity: 365d exceeds ca.intermediate_validity (30d)");
  EXPECT_EQ(ErrorOf("[profiles.tls-server]\nvalidity = \"1h\"\nbackdate = \"1h\"\n"),
            "profiles.tls-server.backdate: 1h is not shorter than the validity (1h)");
}

TEST(ConfigTest, ThePkcs11PinIsASourceNeverThePinItself) {
  EXPECT_EQ(ErrorOf("[ca]\npkcs11_pin = \"1234\"\n"),
            "ca.pkcs11_pin: must be file:PATH, env:NAME or credential:NAME (never the PIN itself)");
  EXPECT_EQ(ErrorOf("[ca]\npkcs11_module = \"libsofthsm2.so\"\n"),
            "ca.pkcs11_module: must be an absolute path to a PKCS #11 module");
}

TEST(ConfigTest, ControlCharactersInStringsAreRejected) {
  EXPECT_EQ(ErrorOf("data_dir = \"/tmp/a\\u0000b\"\n"),
            "data_dir: contains a control character: \"/tmp/a\\u0000b\"");
}

TEST(ConfigTest, TomlSyntaxErrorNamesTheLine) {
  EXPECT_THAT(ErrorOf("[server]\nio_threads = = 4\n"), StartsWith("line 2, column "));
  EXPECT_THAT(ErrorOf("[acme]\n[acme]\n"), StartsWith("line 2, column "));
}

// Each key of AllKeys() is read by the parser: given a value of the wrong type it is named in the error,
// where an unread key would be reported as unknown.
TEST(ConfigTest, EveryKeyIsKnownToTheParser) {
  for (const std::string& key : AllKeys()) {
    auto [table, leaf] = SplitKey(key);
    std::string path = key;
    if (table == "profiles.NAME") {
      table = "profiles.p";
      path = "profiles.p." + leaf;
    }
    const std::string text = (table.empty() ? "" : "[" + table + "]\n") + leaf + " = {}\n";
    EXPECT_THAT(ErrorOf(text), StartsWith(path + ": expected ")) << text;
  }
}

// --- LoadConfigFile
// --------------------------------------------------------------------------------------------

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/anvil-config-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    for (const std::string& file : files_) std::remove(file.c_str());
    rmdir(dir_.c_str());
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }

  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(ConfigFileTest, LoadsAFile) {
  const std::string path = Write("anvil-ca.toml", "[log]\nlevel = \"warn\"\n");
  const Result<Config> config = LoadConfigFile(path);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->log.level, "warn");
}

TEST_F(ConfigFileTest, ErrorsArePrefixedWithThePath) {
  const std::string path = Write("bad.toml", "[acme]\norder_lifetime = \"7x\"\n");
  const Result<Config> config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(config.status().message(), path + ": acme.order_lifetime: invalid duration \"7x\"");
}

TEST_F(ConfigFileTest, MissingFileIsAnIoError) {
  const Result<Config> config = LoadConfigFile(dir_ + "/missing.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Code::kIo);
  EXPECT_THAT(config.status().message(), HasSubstr("missing.toml"));
}

// --- Finalize
// --------------------------------------------------------------------------------------------------

// Saves ANVIL_DATA and restores it after each test, so that the tests neither see nor leak the variable.
class ConfigFinalizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* value = std::getenv("ANVIL_DATA")) saved_ = value;
    unsetenv("ANVIL_DATA");
  }
  void TearDown() override {
    if (saved_) {
      setenv("ANVIL_DATA", saved_->c_str(), 1);
    } else {
      unsetenv("ANVIL_DATA");
    }
  }

 private:
  std::optional<std::string> saved_;
};

TEST_F(ConfigFinalizeTest, DefaultsDeriveStoragePathAndExternalUrl) {
  Config c = DefaultConfig();
  ASSERT_TRUE(Finalize(c, "").ok());
  EXPECT_EQ(c.data_dir, "./anvil-data");
  EXPECT_EQ(c.storage.path, "./anvil-data/anvil.db");
  EXPECT_EQ(c.server.external_url, "https://localhost:14000");
  EXPECT_EQ(c.publication.external_url, "http://localhost:14080");
}

TEST_F(ConfigFinalizeTest, NoPublicationListenerMeansNoPublicationUrl) {
  Config c = ParseOk("[publication]\nlisten = []\n");
  ASSERT_TRUE(Finalize(c, "").ok());
  EXPECT_EQ(c.publication.external_url, "");
}

TEST_F(ConfigFinalizeTest, FileDataDirIsUsedWithoutEnvironmentOrFlag) {
  Config c = ParseOk("data_dir = \"/srv/anvil/\"\n");
  ASSERT_TRUE(Finalize(c, "").ok());
  EXPECT_EQ(c.data_dir, "/srv/anvil/");
  EXPECT_EQ(c.storage.path, "/srv/anvil/anvil.db");
}

TEST_F(ConfigFinalizeTest, EnvironmentOverridesTheFile) {
  Config c = ParseOk("data_dir = \"/from/file\"\n");
  setenv("ANVIL_DATA", "/from/env", 1);
  ASSERT_TRUE(Finalize(c, "").ok());
  EXPECT_EQ(c.data_dir, "/from/env");
  EXPECT_EQ(c.storage.path, "/from/env/anvil.db");
}

TEST_F(ConfigFinalizeTest, FlagOverridesEnvironmentAndFile) {
  Config c = ParseOk("data_dir = \"/from/file\"\n");
  setenv("ANVIL_DATA", "/from/env", 1);
  ASSERT_TRUE(Finalize(c, "/from/flag").ok());
  EXPECT_EQ(c.data_dir, "/from/flag");
  EXPECT_EQ(c.storage.path, "/from/flag/anvil.db");
}

TEST_F(ConfigFinalizeTest, EmptyEnvironmentVariableIsIgnored) {
  Config c = ParseOk("data_dir = \"/from/file\"\n");
  setenv("ANVIL_DATA", "", 1);
  ASSERT_TRUE(Finalize(c, "").ok());
  EXPECT_EQ(c.data_dir, "/from/file");
}

TEST_F(ConfigFinalizeTest, ExplicitValuesAreKept) {
  Config c = ParseOk("[storage]\npath = \"/db/anvil.db\"\n[server]\nexternal_url = \"https://ca.example\"\n");
  ASSERT_TRUE(Finalize(c, "/data").ok());
  EXPECT_EQ(c.storage.path, "/db/anvil.db");
  EXPECT_EQ(c.server.external_url, "https://ca.example");
}

TEST_F(ConfigFinalizeTest, ThePkcs11PinIsReadFromItsSourceAndNamedInErrors) {
  Config c = ParseOk("[ca]\npkcs11_pin = \"env:ANVIL_TEST_PKCS11_PIN\"\n");
  EXPECT_EQ(c.ca.pkcs11_module, "/usr/lib/softhsm/libsofthsm2.so");
  unsetenv("ANVIL_TEST_PKCS11_PIN");
  Status missing = Finalize(c, "");
  EXPECT_EQ(missing.code(), Code::kInvalidArgument);
  EXPECT_THAT(missing.message(), HasSubstr("ca.pkcs11_pin"));
  setenv("ANVIL_TEST_PKCS11_PIN", "246810", 1);
  ASSERT_TRUE(Finalize(c, "").ok());
  unsetenv("ANVIL_TEST_PKCS11_PIN");
  EXPECT_EQ(c.ca.pkcs11_pin_value, "246810");
  EXPECT_EQ(c.ca.key_passphrase_value, "");
}

TEST_F(ConfigFinalizeTest, ExternalUrlComesFromTheFirstListenAddress) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"localhost:14000", "https://localhost:14000"}, {"0.0.0.0:443", "https://localhost:443"},
      {"[::]:8443", "https://localhost:8443"},        {"[0:0:0:0:0:0:0:0]:8443", "https://localhost:8443"},
      {"[::1]:14000", "https://[::1]:14000"},         {"[2001:db8::1]:443", "https://[2001:db8::1]:443"},
      {"192.0.2.7:14000", "https://192.0.2.7:14000"},
  };
  for (const auto& [listen, url] : cases) {
    Config c = ParseOk("[server]\nlisten = [\"" + listen + "\", \"127.0.0.1:1\"]\n");
    ASSERT_TRUE(Finalize(c, "").ok());
    EXPECT_EQ(c.server.external_url, url) << listen;
  }
}

TEST_F(ConfigFinalizeTest, EmptyListenWithoutExternalUrlIsAnError) {
  Config c = DefaultConfig();
  c.server.listen.clear();
  const Status status = Finalize(c, "");
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_THAT(status.message(), StartsWith("server.listen: "));
}

// --- ExampleConfig
// ---------------------------------------------------------------------------------------------

TEST(ConfigExampleTest, ParsesBackToTheDefaults) {
  const std::string example = ExampleConfig();
  const Result<Config> parsed = ParseConfig(example);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << example;
  const Config defaults = DefaultConfig();
  EXPECT_EQ(parsed->data_dir, defaults.data_dir);
  EXPECT_EQ(parsed->acme.order_lifetime, defaults.acme.order_lifetime);
  EXPECT_EQ(parsed->policy.key_types, defaults.policy.key_types);
  ASSERT_EQ(parsed->profiles.size(), defaults.profiles.size());
  for (const auto& [name, profile] : defaults.profiles) {
    ASSERT_EQ(parsed->profiles.count(name), 1u) << name;
    EXPECT_EQ(parsed->profiles.at(name).validity, profile.validity) << name;
  }
  // And every other field too.
  EXPECT_EQ(Dump(*parsed), Dump(defaults));
}

// The lines of text from "[table]" up to the next table header ("" = before the first table).
std::string TableBody(const std::string& text, const std::string& table) {
  size_t start = 0;
  if (!table.empty()) {
    start = text.find("\n[" + table + "]\n");
    if (start == std::string::npos) return "";
    start += table.size() + 3;
  }
  const size_t end = text.find("\n[", start);
  return "\n" + text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
}

TEST(ConfigExampleTest, ListsEveryKeyWithAComment) {
  const std::string example = ExampleConfig();
  const std::string default_profile = DefaultConfig().default_profile;
  for (const std::string& key : AllKeys()) {
    auto [table, leaf] = SplitKey(key);
    if (table == "profiles.NAME") table = "profiles." + default_profile;
    const std::string body = TableBody(example, table);
    const size_t at = body.find("\n" + leaf + " = ");
    ASSERT_NE(at, std::string::npos) << key;
    // The line before is the key's comment.
    const size_t comment = body.rfind('\n', at - 1);
    ASSERT_NE(comment, std::string::npos) << key;
    EXPECT_EQ(body.substr(comment + 1, 2), "# ") << key;
  }
}

// docs/configuration.md documents every key and shows the example file as it is.
TEST(ConfigExampleTest, DocumentationListsEveryKeyAndTheExample) {
  std::ifstream file(std::string(ANVIL_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(file) << "docs/configuration.md not found";
  std::stringstream docs;
  docs << file.rdbuf();
  for (const std::string& key : AllKeys()) EXPECT_THAT(docs.str(), HasSubstr("`" + key + "`"));
  EXPECT_THAT(docs.str(), HasSubstr("```toml\n" + ExampleConfig() + "```\n"))
      << "update the example in docs/configuration.md from ExampleConfig()";
}

// --- Durations
// -------------------------------------------------------------------------------------------------

TEST(ConfigDurationTest, ParsesSingleAndCombinedUnits) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"90d", 90 * 86400}, {"12h", 12 * 3600}, {"30m", 1800},       {"45s", 45},
      {"1h30m", 5400},     {"0s", 0},          {"1d2h3m4s", 93784}, {"36500d", 36500LL * 86400},
      {"007s", 7},         {"2d12h", 216000},  {"100000s", 100000}, {"1m1s", 61},
  };
  for (const auto& [text, expected] : cases) {
    const Result<seconds> d = ParseDuration(text);
    ASSERT_TRUE(d.ok()) << text << ": " << d.status().message();
    EXPECT_EQ(d->count(), expected) << text;
  }
}

TEST(ConfigDurationTest, RejectsMalformedDurations) {
  for (const char* bad : {"", "7x", "30", "h", "1.5h", "-1h", "+1h", " 1h", "1h ", "1 h", "1H", "30m1h",
                          "1h1h", "500ms", "1w", "1y", "d1", "1h30", "∞"}) {
    const Result<seconds> d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(d.status().message(), "invalid duration " + internal::Quote(bad));
  }
}

TEST(ConfigDurationTest, RejectsDurationsBeyondAHundredYears) {
  for (const char* big : {"36501d", "36500d1s", "9999999999999s", "999999999999d"}) {
    const Result<seconds> d = ParseDuration(big);
    ASSERT_FALSE(d.ok()) << big;
    EXPECT_EQ(d.status().message(), "duration \"" + std::string(big) + "\" out of range (at most 36500d)");
  }
}

TEST(ConfigDurationTest, FormatIsTheShortestFormAndRoundTrips) {
  EXPECT_EQ(internal::FormatDuration(seconds(0)), "0s");
  EXPECT_EQ(internal::FormatDuration(seconds(60)), "1m");
  EXPECT_EQ(internal::FormatDuration(seconds(5400)), "1h30m");
  EXPECT_EQ(internal::FormatDuration(90 * kDay), "90d");
  EXPECT_EQ(internal::FormatDuration(seconds(93784)), "1d2h3m4s");
  for (const int64_t n : {1LL, 59LL, 61LL, 3599LL, 3601LL, 86399LL, 86401LL, 31536000LL, 3153600000LL}) {
    const Result<seconds> back = ParseDuration(internal::FormatDuration(seconds(n)));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(back->count(), n);
  }
}

// toml++ 3.3 fails assertions (undefined behaviour with NDEBUG) on these (tests/fuzz/config_fuzzer); they
// are refused before it parses them.
TEST(ConfigTest, TextTomlPlusPlusMishandlesIsRefused) {
  for (const char* text : {"[\x1b" "acme]\n", "[server]\nlisten = [ }\n", "data_dir = 9@H\xd0\xa1\n"}) {
    auto config = ParseConfig(text);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_EQ(config.status().code(), Code::kInvalidArgument) << text;
  }
  EXPECT_EQ(ParseConfig("[server]\nlisten = [ }\n").status().message(), "line 2: unbalanced brackets");
}

}  // namespace
}  // namespace anvil::config
