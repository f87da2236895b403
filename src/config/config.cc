// Reading the TOML configuration into Config: every key checked for type and value, unknown keys rejected,
// every error naming the dotted key path.

#include "config/config.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

// toml++ without exceptions (STYLE.md: throwing libraries are wrapped at the adapter). Debian's shared
// libtomlplusplus is built with exceptions and exports only the throwing toml::ex::parse, so the
// exception-free parser is compiled header-only here; its other symbols are ABI-namespaced (toml::v3::noex).
// This is the only translation unit that includes toml++.
#undef TOML_SHARED_LIB
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "base/toml_guard.h"
#include "config/checks.h"
#include "config/values.h"

namespace anvil::config {
namespace {

using internal::AtPath;
using internal::CheckAcrossTables;
using internal::CheckProfileName;
using internal::DomainPatternCheck;
using internal::EditDistance;
using internal::EkuCheck;
using internal::ElementPath;
using internal::Invalid;
using internal::JoinKey;
using internal::NonEmpty;
using internal::OneOf;
using internal::StringCheck;
using internal::TlsNameCheck;
using internal::X520Name;
using internal::kChallengeTypes;
using internal::kDurabilities;
using internal::kExtKeyUsages;
using internal::kIdentifierTypes;
using internal::kKeyTypes;
using internal::kLogFormats;
using internal::kLogLevels;

using std::chrono::seconds;

constexpr seconds kOneSecond{1};
constexpr seconds kZero{0};
constexpr size_t kMaxConfigFileBytes = 1 << 20;
constexpr int64_t kMaxThreads = 1024;

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

Status WrongType(std::string_view path, std::string_view expected, const toml::node& node) {
  return Invalid(path, "expected " + std::string(expected) + ", got " + std::string(TypeName(node)));
}

// One TOML table being read into a struct. Each getter looks a key up and records it as known; an absent key
// leaves the default in place, a present one is checked for type and value. Finish() rejects every key that
// no getter asked for. Errors name the key's full dotted path.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path) : table_(table), path_(std::move(path)) {}

  std::string PathOf(std::string_view key) const { return JoinKey(path_, key); }
  bool Has(std::string_view key) const { return table_.get(key) != nullptr; }
  // Every key of the table, in its order.
  std::vector<std::string> Keys() const {
    std::vector<std::string> keys;
    for (const auto& [key, value] : table_) keys.emplace_back(key.str());
    return keys;
  }

  // The node at key, or nullptr; records key as known.
  const toml::node* Take(std::string_view key) {
    known_.emplace_back(key);
    return table_.get(key);
  }

  Status String(std::string_view key, std::string& out, const StringCheck& check = {}) {
    const toml::node* node = Take(key);
    if (node == nullptr) return Status::Ok();
    return ReadString(*node, PathOf(key), "a string", check, out);
  }

  Status Bool(std::string_view key, bool& out) {
    const toml::node* node = Take(key);
    if (node == nullptr) return Status::Ok();
    const auto* value = node->as_boolean();
    if (value == nullptr) return WrongType(PathOf(key), "a boolean", *node);
    out = value->get();
    return Status::Ok();
  }

  template <typename Int>
  Status Integer(std::string_view key, int64_t min, int64_t max, Int& out) {
    static_assert(std::is_integral_v<Int>);
    const toml::node* node = Take(key);
    if (node == nullptr) return Status::Ok();
    const auto* value = node->as_integer();
    if (value == nullptr) return WrongType(PathOf(key), "an integer", *node);
    const int64_t number = value->get();
    if (number < min || number > max) {
      return Invalid(PathOf(key), std::to_string(number) + " out of range (" + std::to_string(min) + ".." +
                                      std::to_string(max) + ")");
    }
    out = static_cast<Int>(number);
    return Status::Ok();
  }

  // A duration string (ParseDuration) of at least min.
  Status Duration(std::string_view key, seconds min, seconds& out) {
    const toml::node* node = Take(key);
    if (node == nullptr) return Status::Ok();
    const std::string path = PathOf(key);
    std::string text;
    ANVIL_RETURN_IF_ERROR(ReadString(*node, path, "a duration string such as \"30s\"", {}, text));
    const Result<seconds> parsed = ParseDuration(text);
    if (!parsed.ok()) return AtPath(path, parsed.status());
    if (*parsed < min) {
      return Invalid(path, min == kOneSecond ? "must be positive, got " + internal::Quote(text)
                                             : "must be at least " + internal::FormatDuration(min) +
                                                   ", got " + internal::Quote(text));
    }
    out = *parsed;
    return Status::Ok();
  }

  // An array of strings, each checked (and possibly normalized) by check; duplicates are rejected.
  Status StringList(std::string_view key, std::vector<std::string>& out, const StringCheck& check = {}) {
    const toml::node* node = Take(key);
    if (node == nullptr) return Status::Ok();
    const std::string path = PathOf(key);
    const toml::array* array = node->as_array();
    if (array == nullptr) return WrongType(path, "an array of strings", *node);
    std::vector<std::string> values;
    for (size_t i = 0; i < array->size(); ++i) {
      const std::string element_path = ElementPath(path, i);
      std::string value;
      ANVIL_RETURN_IF_ERROR(ReadString((*array)[i], element_path, "a string", check, value));
      if (std::find(values.begin(), values.end(), value) != values.end()) {
        return Invalid(element_path, "duplicate value " + internal::Quote(value));
      }
      values.push_back(std::move(value));
    }
    out = std::move(values);
    return Status::Ok();
  }

  // Runs read on a TableReader for the sub-table at key, if present; read must end with Finish().
  Status Table(std::string_view key, const std::function<Status(TableReader&)>& read) {
    const toml::node* node = Take(key);
    if (node == nullptr) return Status::Ok();
    const toml::table* table = node->as_table();
    if (table == nullptr) return WrongType(PathOf(key), "a table", *node);
    TableReader reader(*table, PathOf(key));
    return read(reader);
  }

  Status Finish() const {
    for (const auto& [key, value] : table_) {
      const std::string_view name = key.str();
      if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
      std::string message = "unknown key " + internal::Quote(PathOf(name));
      const std::string* best = nullptr;
      size_t best_distance = 3;  // suggest only close matches
      for (const std::string& candidate : known_) {
        const size_t distance = EditDistance(name, candidate);
        if (distance < best_distance) {
          best = &candidate;
          best_distance = distance;
        }
      }
      if (best != nullptr) message += " (did you mean " + internal::Quote(PathOf(*best)) + "?)";
      return Error(Code::kInvalidArgument, std::move(message));
    }
    return Status::Ok();
  }

 private:
  static Status ReadString(const toml::node& node, const std::string& path, std::string_view expected,
                           const StringCheck& check, std::string& out) {
    const auto* value = node.as_string();
    if (value == nullptr) return WrongType(path, expected, node);
    std::string text = value->get();
    // TOML escapes can smuggle NUL and other control characters into a string; no key has a use for them.
    if (std::any_of(text.begin(), text.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      return Invalid(path, "contains a control character: " + internal::Quote(text));
    }
    if (check) ANVIL_RETURN_IF_ERROR(AtPath(path, check(text)));
    out = std::move(text);
    return Status::Ok();
  }

  const toml::table& table_;
  std::string path_;
  std::vector<std::string> known_;
};

// A list of listen addresses at `key`: "host:port" where host is localhost or an IP literal (port 0 allowed).
Status ReadListen(TableReader& t, std::string_view key, bool allow_empty, std::vector<ListenAddress>& out,
                  bool bare_port_is_loopback = false) {
  std::vector<std::string> listen;
  ANVIL_RETURN_IF_ERROR(t.StringList(key, listen));
  if (bare_port_is_loopback) {
    for (std::string& entry : listen) {
      if (!entry.empty() && entry.find_first_not_of("0123456789") == std::string::npos) entry = ":" + entry;
      if (entry.starts_with(":")) entry = "localhost" + entry;
    }
  }
  if (t.Has(key)) {
    if (listen.empty() && !allow_empty) return Invalid(t.PathOf(key), "at least one address is required");
    std::vector<ListenAddress> addresses;
    for (size_t i = 0; i < listen.size(); ++i) {
      const std::string path = ElementPath(t.PathOf(key), i);
      const Result<ListenAddress> address = internal::ParseHostPort(listen[i], /*allow_port_zero=*/true);
      if (!address.ok()) return AtPath(path, address.status());
      if (address->host != "localhost" && !internal::IsIpLiteral(address->host)) {
        return Invalid(path,
                       "host " + internal::Quote(address->host) +
                           " must be \"localhost\" or an IP address (0.0.0.0 or [::] for all addresses)");
      }
      addresses.push_back(*address);
    }
    out = std::move(addresses);
  }
  return Status::Ok();
}

Status ReadServer(TableReader& t, ServerConfig& server) {
  ANVIL_RETURN_IF_ERROR(ReadListen(t, "listen", /*allow_empty=*/false, server.listen));
  ANVIL_RETURN_IF_ERROR(t.String("external_url", server.external_url, [](std::string& url) {
    return url.empty() ? Status::Ok() : internal::NormalizeBaseUrl(url);
  }));
  ANVIL_RETURN_IF_ERROR(t.StringList("tls_names", server.tls_names, TlsNameCheck));
  ANVIL_RETURN_IF_ERROR(t.Integer("io_threads", 0, kMaxThreads, server.io_threads));
  ANVIL_RETURN_IF_ERROR(t.Integer("worker_threads", 0, kMaxThreads, server.worker_threads));
  ANVIL_RETURN_IF_ERROR(t.Bool("batch_scheduling", server.batch_scheduling));
  ANVIL_RETURN_IF_ERROR(t.Integer("max_body_bytes", 1, int64_t{1} << 30, server.max_body_bytes));
  ANVIL_RETURN_IF_ERROR(t.Integer("max_header_bytes", 1, int64_t{1} << 20, server.max_header_bytes));
  ANVIL_RETURN_IF_ERROR(t.Duration("idle_timeout", kOneSecond, server.idle_timeout));
  ANVIL_RETURN_IF_ERROR(t.Duration("request_timeout", kOneSecond, server.request_timeout));
  return t.Finish();
}

Status ReadLog(TableReader& t, LogConfig& log) {
  ANVIL_RETURN_IF_ERROR(t.String("format", log.format, [](std::string& v) { return OneOf(v, kLogFormats); }));
  ANVIL_RETURN_IF_ERROR(t.String("level", log.level, [](std::string& v) { return OneOf(v, kLogLevels); }));
  return t.Finish();
}

Status ReadStorage(TableReader& t, StorageConfig& storage) {
  ANVIL_RETURN_IF_ERROR(t.String("backend", storage.backend, [](std::string& v) {
    if (v == "postgres") {
      return Error(Code::kInvalidArgument, "\"postgres\" is not yet supported; use \"sqlite\"");
    }
    return OneOf(v, std::array<std::string_view, 1>{"sqlite"});
  }));
  ANVIL_RETURN_IF_ERROR(t.String("path", storage.path));
  ANVIL_RETURN_IF_ERROR(
      t.String("durability", storage.durability, [](std::string& v) { return OneOf(v, kDurabilities); }));
  return t.Finish();
}

Status ReadAcme(TableReader& t, AcmeConfig& acme) {
  const auto optional_url = [](std::string& url) {
    return url.empty() ? Status::Ok() : internal::CheckUrl(url, /*allow_http=*/true);
  };
  ANVIL_RETURN_IF_ERROR(t.String("terms_of_service", acme.terms_of_service, optional_url));
  ANVIL_RETURN_IF_ERROR(t.String("website", acme.website, optional_url));
  if (t.Has("caa_identities")) {
    // Until 0.x it only filled the directory's meta; CAA is checked now, so the key moved with its meaning.
    return Invalid(t.PathOf("caa_identities"),
                   "moved to validation.caa_identities (setting it there turns the CAA check on)");
  }
  ANVIL_RETURN_IF_ERROR(t.Bool("external_account_required", acme.external_account_required));
  ANVIL_RETURN_IF_ERROR(t.Duration("nonce_lifetime", kOneSecond, acme.nonce_lifetime));
  ANVIL_RETURN_IF_ERROR(t.Duration("order_lifetime", kOneSecond, acme.order_lifetime));
  ANVIL_RETURN_IF_ERROR(
      t.Duration("pending_authorization_lifetime", kOneSecond, acme.pending_authorization_lifetime));
  ANVIL_RETURN_IF_ERROR(t.Duration("authorization_lifetime", kOneSecond, acme.authorization_lifetime));
  ANVIL_RETURN_IF_ERROR(t.Bool("reuse_valid_authorizations", acme.reuse_valid_authorizations));
  ANVIL_RETURN_IF_ERROR(t.Integer("orders_per_page", 1, 10000, acme.orders_per_page));
  ANVIL_RETURN_IF_ERROR(t.Duration("retry_after", kOneSecond, acme.retry_after));
  ANVIL_RETURN_IF_ERROR(t.Duration("challenge_wait", kZero, acme.challenge_wait));
  ANVIL_RETURN_IF_ERROR(t.Duration("ari_retry_after", kOneSecond, acme.ari_retry_after));
  return t.Finish();
}

Status ReadValidation(TableReader& t, ValidationConfig& validation) {
  ANVIL_RETURN_IF_ERROR(t.Integer("http_port", 1, 65535, validation.http_port));
  ANVIL_RETURN_IF_ERROR(t.Integer("https_port", 1, 65535, validation.https_port));
  ANVIL_RETURN_IF_ERROR(t.Integer("tls_alpn_port", 1, 65535, validation.tls_alpn_port));
  ANVIL_RETURN_IF_ERROR(t.String("dns_resolver", validation.dns_resolver, [](std::string& v) {
    if (v.empty()) return Status::Ok();
    const Result<ListenAddress> address = internal::ParseHostPort(v, /*allow_port_zero=*/false);
    if (!address.ok()) return address.status();
    if (!internal::IsIpLiteral(address->host)) {
      return Error(Code::kInvalidArgument, "expected \"ip:port\" or \"[v6]:port\", got " +
                                               internal::Quote(v) + " (the host must be an IP address)");
    }
    return Status::Ok();
  }));
  ANVIL_RETURN_IF_ERROR(t.Duration("timeout", kOneSecond, validation.timeout));
  ANVIL_RETURN_IF_ERROR(t.Integer("workers", 1, 4096, validation.workers));
  ANVIL_RETURN_IF_ERROR(t.StringList("caa_identities", validation.caa_identities, internal::NormalizeDnsName));
  ANVIL_RETURN_IF_ERROR(t.Duration("caa_recheck_after", kZero, validation.caa_recheck_after));
  return t.Finish();
}

// [*.webhook]: a URL (https), the secret's file (required with a URL), a CA file, a timeout.
Status ReadWebhook(TableReader& t, WebhookConfig& webhook) {
  ANVIL_RETURN_IF_ERROR(t.String("url", webhook.url, [](std::string& url) {
    if (url.empty() || (url.starts_with("https://") && url.size() > 8)) return Status::Ok();
    return Error(Code::kInvalidArgument, "must be an https:// URL (a webhook's body is signed, not encrypted)");
  }));
  ANVIL_RETURN_IF_ERROR(t.String("secret_file", webhook.secret_file));
  ANVIL_RETURN_IF_ERROR(t.String("ca_file", webhook.ca_file));
  ANVIL_RETURN_IF_ERROR(t.Duration("timeout", kOneSecond, webhook.timeout));
  if (!webhook.url.empty() && webhook.secret_file.empty()) {
    return Invalid(t.PathOf("secret_file"), "is required with a url (make one: anvil-ca webhook new-secret)");
  }
  return t.Finish();
}

Status ReadAuthorization(TableReader& t, AuthorizationConfig& authorization) {
  ANVIL_RETURN_IF_ERROR(t.Table("webhook", [&](TableReader& w) { return ReadWebhook(w, authorization.webhook); }));
  ANVIL_RETURN_IF_ERROR(t.Bool("fail_open", authorization.fail_open));
  return t.Finish();
}

Status ReadDeviceAttestation(TableReader& t, DeviceAttestationConfig& device) {
  ANVIL_RETURN_IF_ERROR(t.Bool("enabled", device.enabled));
  ANVIL_RETURN_IF_ERROR(t.String("profile", device.profile, [](std::string& v) { return CheckProfileName(v); }));
  ANVIL_RETURN_IF_ERROR(t.String("tpm_roots", device.tpm_roots));
  ANVIL_RETURN_IF_ERROR(t.String("apple_roots", device.apple_roots));
  ANVIL_RETURN_IF_ERROR(t.String("android_roots", device.android_roots));
  ANVIL_RETURN_IF_ERROR(t.String("yubikey_roots", device.yubikey_roots));
  ANVIL_RETURN_IF_ERROR(t.String("android_revocations", device.android_revocations));
  ANVIL_RETURN_IF_ERROR(t.String("allow_list", device.allow_list));
  ANVIL_RETURN_IF_ERROR(t.Table("webhook", [&](TableReader& w) { return ReadWebhook(w, device.webhook); }));
  if (device.enabled && device.tpm_roots.empty() && device.apple_roots.empty() && device.android_roots.empty() &&
      device.yubikey_roots.empty()) {
    return Invalid(t.PathOf("enabled"), "needs the roots of at least one attestation format (tpm_roots, "
                                        "apple_roots, android_roots, yubikey_roots)");
  }
  return t.Finish();
}

Status ReadExpiry(TableReader& t, ExpiryConfig& expiry) {
  ANVIL_RETURN_IF_ERROR(t.Duration("window", kZero, expiry.window));
  ANVIL_RETURN_IF_ERROR(t.Duration("check_period", seconds(60), expiry.check_period));
  ANVIL_RETURN_IF_ERROR(t.Table("webhook", [&](TableReader& w) { return ReadWebhook(w, expiry.webhook); }));
  return t.Finish();
}

Status ReadAudit(TableReader& t, AuditConfig& audit) {
  ANVIL_RETURN_IF_ERROR(t.Duration("anchor_period", std::chrono::seconds(60), audit.anchor_period));
  return t.Finish();
}

Status ReadMetrics(TableReader& t, MetricsConfig& metrics) {
  ANVIL_RETURN_IF_ERROR(ReadListen(t, "listen", /*allow_empty=*/true, metrics.listen));
  ANVIL_RETURN_IF_ERROR(t.Duration("certificate_count_period", kOneSecond, metrics.certificate_count_period));
  return t.Finish();
}

Status ReadAdmin(TableReader& t, AdminConfig& admin) {
  ANVIL_RETURN_IF_ERROR(ReadListen(t, "listen", /*allow_empty=*/true, admin.listen, /*bare_port_is_loopback=*/true));
  ANVIL_RETURN_IF_ERROR(t.Bool("console", admin.console));
  return t.Finish();
}

Status ReadPublication(TableReader& t, PublicationConfig& publication) {
  ANVIL_RETURN_IF_ERROR(ReadListen(t, "listen", /*allow_empty=*/true, publication.listen));
  ANVIL_RETURN_IF_ERROR(t.String("external_url", publication.external_url, [](std::string& url) {
    return url.empty() ? Status::Ok() : internal::NormalizeBaseUrl(url, /*http=*/true);
  }));
  ANVIL_RETURN_IF_ERROR(t.Duration("crl_period", kOneSecond, publication.crl_period));
  ANVIL_RETURN_IF_ERROR(t.Duration("crl_lifetime", kOneSecond, publication.crl_lifetime));
  ANVIL_RETURN_IF_ERROR(t.Duration("crl_revocation_delay", kZero, publication.crl_revocation_delay));
  // A relying party may cache a CRL until its nextUpdate: a week bounds how long a revocation can go unseen.
  if (publication.crl_lifetime > std::chrono::hours(7 * 24)) {
    return Invalid(t.PathOf("crl_lifetime"), "at most 7d (relying parties cache a CRL until its nextUpdate)");
  }
  if (publication.crl_lifetime <= publication.crl_period) {
    return Invalid(t.PathOf("crl_lifetime"), "must be longer than crl_period (" +
                                                 internal::FormatDuration(publication.crl_period) +
                                                 "), or a CRL expires before the next one is made");
  }
  if (publication.crl_revocation_delay > std::chrono::seconds(60)) {
    return Invalid(t.PathOf("crl_revocation_delay"), "at most 60s");
  }
  ANVIL_RETURN_IF_ERROR(t.Bool("ocsp", publication.ocsp));
  ANVIL_RETURN_IF_ERROR(t.Duration("ocsp_response_lifetime", kOneSecond, publication.ocsp_response_lifetime));
  // RFC 5019 §6 / the CA/B Forum's OCSP rules: responses are valid for at most 10 days.
  if (publication.ocsp_response_lifetime > std::chrono::hours(10 * 24)) {
    return Invalid(t.PathOf("ocsp_response_lifetime"), "at most 10d");
  }
  return t.Finish();
}

// [policy] (named = false) or [policies.NAME] (named = true: an empty key_types means any key type).
Status ReadPolicy(TableReader& t, PolicyConfig& policy, bool named) {
  const auto cidr = [](std::string& v) { return internal::CheckCidr(v); };
  const auto key_type = [](std::string& v) { return OneOf(v, kKeyTypes); };
  ANVIL_RETURN_IF_ERROR(t.StringList("allowed_domains", policy.allowed_domains, DomainPatternCheck));
  ANVIL_RETURN_IF_ERROR(t.StringList("denied_domains", policy.denied_domains, DomainPatternCheck));
  ANVIL_RETURN_IF_ERROR(t.StringList("allowed_ip_ranges", policy.allowed_ip_ranges, cidr));
  ANVIL_RETURN_IF_ERROR(t.StringList("denied_ip_ranges", policy.denied_ip_ranges, cidr));
  ANVIL_RETURN_IF_ERROR(t.StringList("identifier_types", policy.identifier_types,
                                     [](std::string& v) { return OneOf(v, kIdentifierTypes); }));
  ANVIL_RETURN_IF_ERROR(t.StringList("challenge_types", policy.challenge_types,
                                     [](std::string& v) { return OneOf(v, kChallengeTypes); }));
  ANVIL_RETURN_IF_ERROR(t.StringList("profiles", policy.profiles, [](std::string& v) { return CheckProfileName(v); }));
  ANVIL_RETURN_IF_ERROR(t.Bool("allow_wildcards", policy.allow_wildcards));
  ANVIL_RETURN_IF_ERROR(t.Integer("max_identifiers", 1, 10000, policy.max_identifiers));
  ANVIL_RETURN_IF_ERROR(t.StringList("key_types", policy.key_types, key_type));
  if (!named && policy.key_types.empty()) return Invalid(t.PathOf("key_types"), "at least one key type is required");
  ANVIL_RETURN_IF_ERROR(t.Duration("max_validity", kZero, policy.max_validity));
  return t.Finish();
}

// [policies]: one table per named policy.
Status ReadPolicies(TableReader& t, std::map<std::string, PolicyConfig>& policies) {
  for (const std::string& name : t.Keys()) {
    const std::string path = t.PathOf(name);
    ANVIL_RETURN_IF_ERROR(AtPath(path, CheckProfileName(name)));
    if (name == "default") return Invalid(path, "the default policy is the [policy] table; name this one otherwise");
    PolicyConfig policy;  // a named policy allows everything until its keys narrow it
    policy.key_types.clear();
    policy.max_identifiers = 10000;
    ANVIL_RETURN_IF_ERROR(t.Table(name, [&](TableReader& r) { return ReadPolicy(r, policy, true); }));
    policies.emplace(name, std::move(policy));
  }
  return t.Finish();
}

Status ReadLimits(TableReader& t, LimitsConfig& limits) {
  // "COUNT/DURATION" (e.g. "300/3h") or "off".
  const auto rate = [&t](std::string_view key, RateLimitConfig& out) -> Status {
    std::string text;
    ANVIL_RETURN_IF_ERROR(t.String(key, text));
    if (!t.Has(key)) return Status::Ok();
    if (text == "off") {
      out = RateLimitConfig{};
      return Status::Ok();
    }
    const size_t slash = text.find('/');
    const std::string count = text.substr(0, slash);
    const bool digits = !count.empty() && count.size() <= 9 &&
                        std::all_of(count.begin(), count.end(), [](unsigned char c) { return std::isdigit(c); });
    Result<seconds> period = slash == std::string::npos ? Result<seconds>(Error(Code::kInvalidArgument, ""))
                                                        : ParseDuration(text.substr(slash + 1));
    if (!digits || std::stoll(count) < 1 || !period.ok() || *period < kOneSecond) {
      return Invalid(t.PathOf(key), "expected \"COUNT/DURATION\" such as \"300/3h\", or \"off\"; got " +
                                        internal::Quote(text));
    }
    out = RateLimitConfig{std::stoll(count), *period};
    return Status::Ok();
  };
  ANVIL_RETURN_IF_ERROR(rate("new_accounts_per_ip", limits.new_accounts_per_ip));
  ANVIL_RETURN_IF_ERROR(rate("new_orders_per_account", limits.new_orders_per_account));
  ANVIL_RETURN_IF_ERROR(rate("failed_validations_per_identifier", limits.failed_validations_per_identifier));
  ANVIL_RETURN_IF_ERROR(rate("certificates_per_domain", limits.certificates_per_domain));
  ANVIL_RETURN_IF_ERROR(
      t.Integer("pending_authorizations_per_account", 0, 1000000000, limits.pending_authorizations_per_account));
  ANVIL_RETURN_IF_ERROR(t.Integer("pending_orders_per_account", 0, 1000000000, limits.pending_orders_per_account));
  return t.Finish();
}

Status ReadCa(TableReader& t, CaConfig& ca) {
  const auto common_name = [](std::string& v) {
    ANVIL_RETURN_IF_ERROR(NonEmpty(v));
    return X520Name(v);
  };
  ANVIL_RETURN_IF_ERROR(t.String("root_common_name", ca.root_common_name, common_name));
  ANVIL_RETURN_IF_ERROR(t.String("intermediate_common_name", ca.intermediate_common_name, common_name));
  ANVIL_RETURN_IF_ERROR(t.String("organization", ca.organization, X520Name));
  ANVIL_RETURN_IF_ERROR(t.Duration("root_validity", kOneSecond, ca.root_validity));
  ANVIL_RETURN_IF_ERROR(t.Duration("intermediate_validity", kOneSecond, ca.intermediate_validity));
  ANVIL_RETURN_IF_ERROR(t.String("cross_signed_chain", ca.cross_signed_chain));
  ANVIL_RETURN_IF_ERROR(t.String("key_passphrase", ca.key_passphrase, [](std::string& v) -> Status {
    if (v.empty() || v.starts_with("file:") || v.starts_with("env:") || v.starts_with("credential:")) {
      return Status::Ok();
    }
    return Status(Code::kInvalidArgument, "must be file:PATH, env:NAME or credential:NAME");
  }));
  ANVIL_RETURN_IF_ERROR(t.String("pkcs11_module", ca.pkcs11_module, [](std::string& v) -> Status {
    if (v.starts_with("/")) return Status::Ok();
    return Status(Code::kInvalidArgument, "must be an absolute path to a PKCS #11 module");
  }));
  ANVIL_RETURN_IF_ERROR(t.String("pkcs11_pin", ca.pkcs11_pin, [](std::string& v) -> Status {
    if (v.empty() || v.starts_with("file:") || v.starts_with("env:") || v.starts_with("credential:")) {
      return Status::Ok();
    }
    return Status(Code::kInvalidArgument, "must be file:PATH, env:NAME or credential:NAME (never the PIN itself)");
  }));
  return t.Finish();
}

Status ReadProfile(TableReader& t, ProfileConfig& profile) {
  ANVIL_RETURN_IF_ERROR(t.String("description", profile.description));
  ANVIL_RETURN_IF_ERROR(t.Duration("validity", kOneSecond, profile.validity));
  ANVIL_RETURN_IF_ERROR(t.StringList("ext_key_usages", profile.ext_key_usages, EkuCheck));
  if (profile.ext_key_usages.empty()) {
    return Invalid(t.PathOf("ext_key_usages"), "at least one extended key usage is required");
  }
  ANVIL_RETURN_IF_ERROR(t.StringList("identifier_types", profile.identifier_types,
                                     [](std::string& v) { return OneOf(v, kIdentifierTypes); }));
  if (profile.identifier_types.empty()) {
    return Invalid(t.PathOf("identifier_types"), "at least one identifier type is required");
  }
  ANVIL_RETURN_IF_ERROR(
      t.StringList("key_types", profile.key_types, [](std::string& v) { return OneOf(v, kKeyTypes); }));
  ANVIL_RETURN_IF_ERROR(t.Duration("backdate", kZero, profile.backdate));
  ANVIL_RETURN_IF_ERROR(t.Bool("crl", profile.crl));
  ANVIL_RETURN_IF_ERROR(t.Bool("ocsp", profile.ocsp));
  ANVIL_RETURN_IF_ERROR(t.String("policy", profile.policy));
  return t.Finish();
}

// [profiles]: when present, its tables replace the default profiles entirely.
Status ReadProfiles(const toml::node& node, std::map<std::string, ProfileConfig>& profiles) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return WrongType("profiles", "a table", node);
  if (table->empty()) return Invalid("profiles", "at least one profile is required");
  std::map<std::string, ProfileConfig> read;
  for (const auto& [key, value] : *table) {
    const std::string path = JoinKey("profiles", key.str());
    ANVIL_RETURN_IF_ERROR(AtPath(path, CheckProfileName(key.str())));
    const toml::table* profile_table = value.as_table();
    if (profile_table == nullptr) return WrongType(path, "a table", value);
    ProfileConfig profile;  // a profile's own defaults, not those of a default profile of the same name
    TableReader reader(*profile_table, path);
    ANVIL_RETURN_IF_ERROR(ReadProfile(reader, profile));
    read.emplace(std::string(key.str()), std::move(profile));
  }
  profiles = std::move(read);
  return Status::Ok();
}

ProfileConfig MakeProfile(std::string description, seconds validity, std::string ext_key_usage,
                          std::vector<std::string> identifier_types) {
  ProfileConfig profile;
  profile.description = std::move(description);
  profile.validity = validity;
  profile.ext_key_usages = {std::move(ext_key_usage)};
  profile.identifier_types = std::move(identifier_types);
  return profile;
}

}  // namespace

Config DefaultConfig() {
  constexpr seconds kDay{86400};
  Config config;
  config.profiles.emplace(
      "tls-server", MakeProfile("TLS server certificate (default)", 90 * kDay, "serverAuth", {"dns", "ip"}));
  config.profiles.emplace("tls-client",
                          MakeProfile("TLS client certificate", 90 * kDay, "clientAuth", {"dns"}));
  config.profiles.emplace("short-lived", MakeProfile("Short-lived TLS server certificate (7 days)", 7 * kDay,
                                                     "serverAuth", {"dns", "ip"}));
  // A device away for months must still join the network when it returns; loss is what revocation is for.
  config.profiles.emplace("device", MakeProfile("Device client certificate (device-attest-01)", 365 * kDay,
                                                "clientAuth", {"permanent-identifier", "hardware-module"}));
  return config;
}

Result<Config> ParseConfig(std::string_view toml_text) {
  // toml++ 3.3 has undefined behaviour on some invalid text (base/toml_guard.h): refused before it sees it.
  ANVIL_RETURN_IF_ERROR(CheckTomlText(toml_text));
  toml::parse_result parsed = toml::parse(toml_text);
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    return Error(Code::kInvalidArgument, "line " + std::to_string(error.source().begin.line) + ", column " +
                                             std::to_string(error.source().begin.column) + ": " +
                                             std::string(error.description()));
  }
  Config config = DefaultConfig();
  TableReader root(parsed.table(), "");
  ANVIL_RETURN_IF_ERROR(root.String("data_dir", config.data_dir, NonEmpty));
  ANVIL_RETURN_IF_ERROR(root.String("default_profile", config.default_profile, NonEmpty));
  ANVIL_RETURN_IF_ERROR(root.Table("server", [&](TableReader& t) { return ReadServer(t, config.server); }));
  ANVIL_RETURN_IF_ERROR(root.Table("log", [&](TableReader& t) { return ReadLog(t, config.log); }));
  ANVIL_RETURN_IF_ERROR(
      root.Table("storage", [&](TableReader& t) { return ReadStorage(t, config.storage); }));
  ANVIL_RETURN_IF_ERROR(root.Table("acme", [&](TableReader& t) { return ReadAcme(t, config.acme); }));
  ANVIL_RETURN_IF_ERROR(
      root.Table("validation", [&](TableReader& t) { return ReadValidation(t, config.validation); }));
  ANVIL_RETURN_IF_ERROR(
      root.Table("publication", [&](TableReader& t) { return ReadPublication(t, config.publication); }));
  ANVIL_RETURN_IF_ERROR(root.Table("audit", [&](TableReader& t) { return ReadAudit(t, config.audit); }));
  ANVIL_RETURN_IF_ERROR(root.Table("expiry", [&](TableReader& t) { return ReadExpiry(t, config.expiry); }));
  ANVIL_RETURN_IF_ERROR(
      root.Table("authorization", [&](TableReader& t) { return ReadAuthorization(t, config.authorization); }));
  ANVIL_RETURN_IF_ERROR(root.Table("device_attestation", [&](TableReader& t) {
    return ReadDeviceAttestation(t, config.device_attestation);
  }));
  ANVIL_RETURN_IF_ERROR(root.Table("metrics", [&](TableReader& t) { return ReadMetrics(t, config.metrics); }));
  ANVIL_RETURN_IF_ERROR(root.Table("admin", [&](TableReader& t) { return ReadAdmin(t, config.admin); }));
  ANVIL_RETURN_IF_ERROR(root.Table("policy", [&](TableReader& t) { return ReadPolicy(t, config.policy, false); }));
  ANVIL_RETURN_IF_ERROR(root.Table("policies", [&](TableReader& t) { return ReadPolicies(t, config.policies); }));
  ANVIL_RETURN_IF_ERROR(root.Table("limits", [&](TableReader& t) { return ReadLimits(t, config.limits); }));
  ANVIL_RETURN_IF_ERROR(root.Table("ca", [&](TableReader& t) { return ReadCa(t, config.ca); }));
  if (const toml::node* profiles = root.Take("profiles")) {
    ANVIL_RETURN_IF_ERROR(ReadProfiles(*profiles, config.profiles));
  }
  ANVIL_RETURN_IF_ERROR(root.Finish());
  ANVIL_RETURN_IF_ERROR(CheckAcrossTables(config));
  return config;
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error(Code::kIo, path + ": " + std::strerror(errno));
  std::string text;
  std::array<char, 4096> buffer{};
  while (file.read(buffer.data(), buffer.size()) || file.gcount() > 0) {
    text.append(buffer.data(), static_cast<size_t>(file.gcount()));
    if (text.size() > kMaxConfigFileBytes) {
      return Error(Code::kInvalidArgument,
                   path + ": larger than " + std::to_string(kMaxConfigFileBytes) + " bytes");
    }
  }
  if (file.bad()) return Error(Code::kIo, path + ": read failed");
  Result<Config> config = ParseConfig(text);
  if (!config.ok()) return Error(config.status().code(), path + ": " + config.status().message());
  config->source_path = path;
  return config;
}

Status Finalize(Config& config, const std::string& data_dir_flag) {
  // Precedence: --data-dir, then ANVIL_DATA, then the file (or the default).
  if (const char* env = std::getenv("ANVIL_DATA"); env != nullptr && env[0] != '\0') config.data_dir = env;
  if (!data_dir_flag.empty()) config.data_dir = data_dir_flag;
  if (config.data_dir.empty()) return Invalid("data_dir", "must not be empty");
  if (config.storage.path.empty()) {
    config.storage.path = (std::filesystem::path(config.data_dir) / "anvil.db").string();
  }
  if (config.server.external_url.empty()) {
    if (config.server.listen.empty()) return Invalid("server.listen", "at least one address is required");
    config.server.external_url = internal::UrlForListenAddress(config.server.listen.front());
  }
  if (config.publication.external_url.empty() && !config.publication.listen.empty()) {
    config.publication.external_url =
        internal::UrlForListenAddress(config.publication.listen.front(), "http");
  }
  if (!config.ca.key_passphrase.empty()) {
    ANVIL_ASSIGN_OR_RETURN(config.ca.key_passphrase_value, internal::ReadPassphrase(config.ca.key_passphrase));
  }
  if (!config.ca.pkcs11_pin.empty()) {
    ANVIL_ASSIGN_OR_RETURN(config.ca.pkcs11_pin_value, internal::ReadSecret(config.ca.pkcs11_pin, "ca.pkcs11_pin"));
  }
  return Status::Ok();
}

}  // namespace anvil::config
