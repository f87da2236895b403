#include "commands.h"

#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "agent/acme_client.h"
#include "http/client.h"
#include "agent/issuer.h"
#include "agent/json_output.h"
#include "agent/renewal_pass.h"
#include "agent/sleeper.h"
#include "agent/solvers/dns_propagation.h"
#include "agent/state_dir.h"
#include "agent/state_lock.h"
#include "base/base64url.h"
#include "base/file.h"
#include "command_support.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/digest.h"

namespace anvil::cli {

using agent::AcmeClient;
using agent::CertificateJson;
using agent::ErrorJson;
using agent::StateDir;
using nlohmann::json;

Result<agent::AcmeConnection> Connect(const GlobalOptions& g, const std::string& server,
                                      const std::string& ca_bundle, Realtime& time) {
  if (server.empty()) return Error(Code::kInvalidArgument, "no server given (--server)");
  agent::AcmeConnection c;
  http::CurlClientOptions options;
  options.ca_bundle = ca_bundle;
  ANVIL_ASSIGN_OR_RETURN(c.http, http::NewCurlClient(options));
  agent::AcmeClientOptions client_options;
  client_options.directory_url = server;
  if (g.verbose) client_options.log = [](const std::string& line) { std::cerr << "anvil: " << line << "\n"; };
  c.client = std::make_unique<AcmeClient>(*c.http, time.clock, time.sleeper, client_options);
  return c;
}

std::string StateRoot(const GlobalOptions& g) {
  return g.state_dir.empty() ? StateDir::DefaultRoot() : g.state_dir;
}

Result<LockedState> OpenStateLocked(const GlobalOptions& g) {
  SystemClock clock;
  agent::RealSleeper sleeper;
  ANVIL_ASSIGN_OR_RETURN(
      agent::StateLock lock,
      agent::StateLock::Acquire(StateRoot(g), std::chrono::seconds(g.wait_lock_seconds), clock, sleeper));
  ANVIL_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(StateRoot(g)));
  return LockedState{std::move(lock), std::move(dir)};
}

namespace {

// For the commands that only read (list, account show): no lock; an interrupted install is completed only
// when no other anvil is at work (the one at work may be in the middle of that install).
Result<StateDir> OpenStateForReading(const GlobalOptions& g) {
  auto lock = agent::StateLock::TryAcquire(StateRoot(g));
  return StateDir::Open(StateRoot(g), /*complete_installs=*/lock.ok());
}

}  // namespace

int Fail(const GlobalOptions& g, const Status& s, int code) {
  std::cerr << "anvil: error: " << s.ToString() << "\n";
  if (g.json) std::cout << json{{"ok", false}, {"error", ErrorJson(s)}}.dump() << "\n";
  return code;
}

// A state directory that could not be opened: exit 4 when another anvil holds it.
int FailState(const GlobalOptions& g, const Status& s) {
  return Fail(g, s, s.code() == Code::kUnavailable ? kExitLocked : kExitFailure);
}

Result<std::string> DecodeHmacKey(const std::string& text) {
  auto raw = base64url::Decode(text);
  if (raw.ok()) return *raw;
  auto std_raw = base64::Decode(text);
  if (std_raw.ok()) return *std_raw;
  return Error(Code::kInvalidArgument, "--eab-hmac-key is neither base64url nor base64");
}

namespace {

std::vector<std::string> Mailto(const std::vector<std::string>& emails) {
  std::vector<std::string> out;
  for (const auto& e : emails) out.push_back(e.starts_with("mailto:") ? e : "mailto:" + e);
  return out;
}

std::string DefaultLineageName(const std::string& first) {
  std::string out;
  for (char c : first) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    out += ok ? c : '_';
  }
  return out;
}

// The dns-01 propagation check's progress lines, with -v.
std::function<void(const std::string&)> SolverLog(const GlobalOptions& g) {
  if (!g.verbose) return {};
  return [](const std::string& line) { std::cerr << "anvil: " << line << "\n"; };
}

double RandomUnit() {
  std::random_device rd;
  return std::uniform_real_distribution<double>(0.0, 1.0)(rd);
}

}  // namespace

int RunAccount(const GlobalOptions& g, const AccountCommand& c) {
  // `show` only reads; every other action changes the stored account and holds the lock.
  const bool read_only = c.action == "show";
  std::optional<LockedState> locked;
  std::optional<StateDir> reading;
  if (read_only) {
    auto dir = OpenStateForReading(g);
    if (!dir.ok()) return FailState(g, dir.status());
    reading.emplace(std::move(*dir));
  } else {
    auto l = OpenStateLocked(g);
    if (!l.ok()) return FailState(g, l.status());
    locked.emplace(std::move(*l));
  }
  StateDir* state = read_only ? &*reading : &locked->dir;
  Realtime time;
  auto connection = Connect(g, c.server.server, c.server.ca_bundle, time);
  if (!connection.ok()) return Fail(g, connection.status());
  AcmeClient& client = *connection->client;
  agent::AccountOptions options;
  options.contact = Mailto(c.emails);
  options.agree_terms = c.agree_tos;
  options.eab_kid = c.eab_kid;
  options.create_if_missing = c.action == "register";
  if (!c.eab_hmac_key.empty()) {
    auto key = DecodeHmacKey(c.eab_hmac_key);
    if (!key.ok()) return Fail(g, key.status(), kExitUsage);
    options.eab_hmac_key = *key;
  }
  auto record = agent::EnsureAccount(client, *state, c.server.server, options);
  if (!record.ok()) return Fail(g, record.status());
  agent::AccountRecord updated = *record;
  Result<agent::Account> account = Error(Code::kInternal, "unreachable");
  if (c.action == "register" || c.action == "show") {
    account = client.FetchAccount();
  } else if (c.action == "update") {
    account = client.UpdateAccount(Mailto(c.emails));
  } else if (c.action == "deactivate") {
    account = client.DeactivateAccount();
  } else if (c.action == "rollover") {
    auto type = crypto::ParseKeyType(c.key_type);
    if (!type.ok()) return Fail(g, type.status(), kExitUsage);
    auto key = crypto::PrivateKey::Generate(*type);
    if (!key.ok()) return Fail(g, key.status());
    if (Status s = client.KeyRollover(*key); !s.ok()) return Fail(g, s);
    updated.key_pem = key->ToPem();
    updated.thumbprint = client.Thumbprint();
    if (Status s = state->ReplaceAccount(*record, updated); !s.ok()) return Fail(g, s);
    account = client.FetchAccount();
  }
  if (!account.ok()) return Fail(g, account.status());
  updated.account = account->raw;
  if (!read_only) {
    if (Status s = state->SaveAccount(updated); !s.ok()) return Fail(g, s);
  }
  json out = {{"ok", true},
              {"server", c.server.server},
              {"url", account->url},
              {"status", std::string(acme::StatusName(account->status))},
              {"contact", account->contact},
              {"thumbprint", updated.thumbprint}};
  if (g.json) {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "account " << account->url << "\n  status: " << acme::StatusName(account->status)
              << "\n  thumbprint: " << updated.thumbprint << "\n";
    for (const auto& contact : account->contact) std::cout << "  contact: " << contact << "\n";
  }
  return kExitOk;
}

int RunIssue(const GlobalOptions& g, const IssueCommand& c) {
  agent::LineageConfig l;
  l.names = c.names;
  if (!c.csr_file.empty()) {
    auto pem = ReadFile(c.csr_file);
    auto csr = pem.ok() ? crypto::Csr::FromPem(*pem) : Result<crypto::Csr>(pem.status());
    if (!csr.ok()) return Fail(g, csr.status(), kExitUsage);
    if (l.names.empty()) {
      l.names = csr->dns_names();
      for (const auto& ip : csr->ip_addresses()) l.names.push_back(ip);
    }
    char* abs = ::realpath(c.csr_file.c_str(), nullptr);
    l.csr = abs ? abs : c.csr_file;
    std::free(abs);
  }
  if (l.names.empty())
    return Fail(g, Error(Code::kInvalidArgument, "no names: give -d NAME or --csr"), kExitUsage);
  l.name = c.lineage.empty() ? DefaultLineageName(l.names.front()) : c.lineage;
  l.server = c.server.server;
  l.key_type = c.key_type;
  l.reuse_key = c.reuse_key;
  l.profile = c.profile;
  l.preferred_chain = c.preferred_chain;
  l.ca_bundle = c.server.ca_bundle;
  l.deploy_hook = c.deploy_hook;
  if (c.http_port) {
    l.challenge = "http-01";
    l.http_port = c.http_port;
    l.http_address = c.http_address;
  } else if (!c.webroot.empty()) {
    l.challenge = "http-01";
    l.webroot = c.webroot;
  } else if (!c.rfc2136_server.empty()) {
    l.challenge = "dns-01";
    l.rfc2136_server = c.rfc2136_server;
    l.rfc2136_zone = c.rfc2136_zone;
    l.tsig_key = c.tsig_key;
  } else if (!c.dns_hook.empty()) {
    l.challenge = "dns-01";
    l.dns_hook = c.dns_hook;
  } else if (c.tls_alpn_port) {
    l.challenge = "tls-alpn-01";
    l.tls_alpn_port = c.tls_alpn_port;
    l.tls_alpn_address = c.tls_alpn_address;
  } else {
    return Fail(g,
                Error(Code::kInvalidArgument,
                      "choose a challenge solver: --http-port, --webroot, --dns-hook, --rfc2136-server or "
                      "--tls-alpn-port"),
                kExitUsage);
  }
  if (l.challenge == "dns-01") {
    l.dns_propagation_seconds = c.dns_propagation_seconds;
    l.dns_propagation_timeout = c.dns_propagation_timeout;
    l.dns_resolvers = c.dns_resolvers;
    for (const auto& r : c.dns_resolvers) {
      if (auto server = agent::ParseDnsServer(r); !server.ok()) {
        return Fail(g, Error(Code::kInvalidArgument, "--dns-resolver: " + server.status().message()),
                    kExitUsage);
      }
    }
  } else if (!c.dns_resolvers.empty()) {
    return Fail(g,
                Error(Code::kInvalidArgument, "--dns-resolver needs dns-01 (--dns-hook or --rfc2136-server)"),
                kExitUsage);
  }
  for (const auto& n : l.names) {
    if (n.starts_with("*.") && l.challenge != "dns-01") {
      return Fail(
          g,
          Error(Code::kInvalidArgument, "wildcard " + n + " needs dns-01 (--dns-hook or --rfc2136-server)"),
          kExitUsage);
    }
  }
  if (!crypto::ParseKeyType(c.key_type).ok()) {
    return Fail(g, Error(Code::kInvalidArgument, "unknown key type '" + c.key_type + "'"), kExitUsage);
  }
  if (!StateDir::IsValidLineageName(l.name)) {
    return Fail(g, Error(Code::kInvalidArgument, "bad lineage name '" + l.name + "'"), kExitUsage);
  }
  auto locked = OpenStateLocked(g);
  if (!locked.ok()) return FailState(g, locked.status());
  StateDir* state = &locked->dir;
  Realtime time;
  auto connection = Connect(g, l.server, l.ca_bundle, time);
  if (!connection.ok()) return Fail(g, connection.status());
  agent::AccountOptions account_options;
  account_options.contact = Mailto(c.emails);
  account_options.eab_kid = c.eab_kid;
  if (!c.eab_hmac_key.empty()) {
    auto key = DecodeHmacKey(c.eab_hmac_key);
    if (!key.ok()) return Fail(g, key.status(), kExitUsage);
    account_options.eab_hmac_key = *key;
  }
  AcmeClient& client = *connection->client;
  auto account = agent::EnsureAccount(client, *state, l.server, account_options);
  if (!account.ok()) return Fail(g, account.status());
  auto solver = agent::MakeSolver(l, time.clock, time.sleeper, SolverLog(g));
  if (!solver.ok()) return Fail(g, solver.status());
  agent::Issuer issuer(client, *state, **solver, time.clock);
  auto result = issuer.Issue(l);
  if (!result.ok()) return Fail(g, result.status());
  json cert = CertificateJson(result->certificate, time.clock.Now());
  if (g.json) {
    std::cout << json{{"ok", true},
                      {"lineage", l.name},
                      {"certificate", cert},
                      {"files",
                       {{"cert", result->files.cert},
                        {"chain", result->files.chain},
                        {"fullchain", result->files.fullchain},
                        {"key", l.csr.empty() ? json(result->files.key) : json(nullptr)}}}}
                     .dump()
              << "\n";
  } else {
    std::cout << "issued " << l.name << ": serial " << result->certificate.serial_hex() << ", valid until "
              << FormatRfc3339(result->certificate.not_after()) << "\n  " << result->files.fullchain << "\n";
    if (l.csr.empty()) std::cout << "  " << result->files.key << "\n";
  }
  return kExitOk;
}

Result<agent::RenewalPassResult> RunRenewalPass(const GlobalOptions& g, const RenewCommand& c,
                                                StateDir& state, const agent::EventSink& event) {
  Realtime time;
  agent::RenewalPass pass(
      state, time.clock,
      [&g, &time](const std::string& server, const std::string& ca_bundle) {
        return Connect(g, server, ca_bundle, time);
      },
      [&g, &time](const agent::LineageConfig& lineage) {
        return agent::MakeSolver(lineage, time.clock, time.sleeper, SolverLog(g));
      },
      RandomUnit);
  agent::RenewalPassOptions options;
  options.lineage = c.name;
  options.force = c.force;
  options.on_event = event;
  if (!g.json) {
    options.on_result = [](const agent::LineageResult& r) {
      std::cerr << "anvil: " << r.lineage << ": " << agent::LineageOutcomeName(r.outcome)
                << (r.detail.empty() ? "" : ": " + r.detail) << "\n";
    };
  }
  return pass.Run(options);
}

int RenewExitCode(const agent::RenewalPassResult& pass) {
  return pass.failed ? kExitFailure : pass.renewed ? kExitOk : kExitNothingDue;
}

int RunRenew(const GlobalOptions& g, const RenewCommand& c) {
  auto locked = OpenStateLocked(g);
  if (!locked.ok()) return FailState(g, locked.status());
  auto pass = RunRenewalPass(g, c, locked->dir, nullptr);
  if (!pass.ok()) return Fail(g, pass.status());
  if (g.json) {
    json lineages = json::array();
    for (const auto& r : pass->lineages) lineages.push_back(agent::LineageResultJson(r));
    std::cout << json{{"ok", pass->failed == 0}, {"lineages", lineages}}.dump() << "\n";
  }
  return RenewExitCode(*pass);
}

int RunRevoke(const GlobalOptions& g, const RevokeCommand& c) {
  auto pem = ReadFile(c.cert_file);
  if (!pem.ok()) return Fail(g, pem.status());
  auto cert = crypto::Certificate::FromPem(*pem);
  if (!cert.ok()) return Fail(g, cert.status());
  if (c.reason >= 0 && !acme::IsValidRevocationReason(c.reason)) {
    return Fail(g, Error(Code::kInvalidArgument, "--reason must be 0-6 or 8-10 (RFC 5280 CRLReason)"),
                kExitUsage);
  }
  auto locked = OpenStateLocked(g);
  if (!locked.ok()) return FailState(g, locked.status());
  StateDir* state = &locked->dir;
  ServerOptions server = c.server;
  if (server.server.empty()) {
    // The lineage that holds this certificate knows its server.
    auto names = state->ListLineages();
    for (const auto& name : names.ok() ? *names : std::vector<std::string>{}) {
      auto lineage = state->LoadLineage(name);
      if (!lineage.ok()) continue;
      for (const std::string& file :
           {state->Files(name).cert, state->Files(name).previous_dir + "/cert.pem"}) {
        auto other = ReadFile(file);
        auto other_cert =
            other.ok() ? crypto::Certificate::FromPem(*other) : Result<crypto::Certificate>(other.status());
        if (other_cert.ok() && other_cert->ToDer() == cert->ToDer()) {
          server.server = lineage->server;
          if (server.ca_bundle.empty()) server.ca_bundle = lineage->ca_bundle;
        }
      }
      if (!server.server.empty()) break;
    }
    if (server.server.empty()) {
      return Fail(g, Error(Code::kInvalidArgument, "the certificate is in no lineage: give --server"),
                  kExitUsage);
    }
  }
  Realtime time;
  auto connection = Connect(g, server.server, server.ca_bundle, time);
  if (!connection.ok()) return Fail(g, connection.status());
  AcmeClient& client = *connection->client;
  std::optional<int> reason;
  if (c.reason >= 0) reason = c.reason;
  Status s;
  if (!c.key_file.empty()) {
    auto key_pem = ReadFile(c.key_file);
    if (!key_pem.ok()) return Fail(g, key_pem.status());
    auto key = crypto::PrivateKey::FromPem(*key_pem);
    if (!key.ok()) return Fail(g, key.status());
    s = client.Revoke(*cert, reason, &*key);
  } else {
    agent::AccountOptions options;
    options.create_if_missing = false;
    auto account = agent::EnsureAccount(client, *state, server.server, options);
    if (!account.ok()) return Fail(g, account.status());
    s = client.Revoke(*cert, reason);
  }
  if (!s.ok()) return Fail(g, s);
  if (g.json) {
    std::cout << json{{"ok", true}, {"serial", cert->serial_hex()}, {"revoked", true}}.dump() << "\n";
  } else {
    std::cout << "revoked serial " << cert->serial_hex() << "\n";
  }
  return kExitOk;
}

int RunList(const GlobalOptions& g) {
  auto state = OpenStateForReading(g);
  if (!state.ok()) return FailState(g, state.status());
  auto names = state->ListLineages();
  if (!names.ok()) return Fail(g, names.status());
  SystemClock clock;
  json out = json::array();
  for (const auto& name : *names) {
    json entry = {{"lineage", name}};
    auto lineage = state->LoadLineage(name);
    if (lineage.ok()) {
      entry["server"] = lineage->server;
      entry["names"] = lineage->names;
      entry["challenge"] = lineage->challenge;
      entry["key_type"] = lineage->key_type;
      entry["last_attempt"] = lineage->last_attempt;
      entry["last_result"] = lineage->last_result;
      entry["ari_window"] = lineage->ari_window;
      entry["next_renewal"] = lineage->next_renewal;
    } else {
      entry["error"] = lineage.status().ToString();
    }
    auto pem = ReadFile(state->Files(name).cert);
    if (pem.ok()) {
      auto cert = crypto::Certificate::FromPem(*pem);
      if (cert.ok()) entry["certificate"] = CertificateJson(*cert, clock.Now());
    }
    out.push_back(entry);
  }
  if (g.json) {
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (out.empty()) std::cout << "no lineages in " << state->root() << "\n";
  for (const auto& e : out) {
    std::cout << e["lineage"].get<std::string>() << "\n";
    if (e.contains("names")) {
      std::cout << "  names:       ";
      for (const auto& n : e["names"]) std::cout << n.get<std::string>() << " ";
      std::cout << "\n  server:      " << e["server"].get<std::string>() << "\n";
    }
    if (e.contains("certificate")) {
      const json& c = e["certificate"];
      std::cout << "  serial:      " << c["serial"].get<std::string>()
                << "\n  issuer:      " << c["issuer"].get<std::string>()
                << "\n  not after:   " << c["not_after"].get<std::string>() << " ("
                << c["days_left"].get<int64_t>() << " days left)\n";
    }
    if (e.contains("ari_window") && !e["ari_window"].get<std::string>().empty()) {
      std::cout << "  ARI window:  " << e["ari_window"].get<std::string>() << "\n";
    }
    if (e.contains("next_renewal") && !e["next_renewal"].get<std::string>().empty()) {
      std::cout << "  renew at:    " << e["next_renewal"].get<std::string>() << " (as of the last check)\n";
    }
    if (e.contains("last_result"))
      std::cout << "  last result: " << e["last_result"].get<std::string>() << "\n";
  }
  return kExitOk;
}

}  // namespace anvil::cli
