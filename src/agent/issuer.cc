#include "agent/issuer.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "agent/process.h"
#include "agent/solvers/dns01_hook.h"
#include "agent/solvers/dns01_rfc2136.h"
#include "agent/solvers/dns_propagation.h"
#include "agent/solvers/http01.h"
#include "agent/solvers/tls_alpn01.h"
#include "base/file.h"
#include "crypto/csr.h"

namespace anvil::agent {
namespace {

bool LooksLikeIp(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

}  // namespace

Result<AccountRecord> EnsureAccount(AcmeClient& client, StateDir& state, const std::string& directory_url,
                                    const AccountOptions& options) {
  ANVIL_ASSIGN_OR_RETURN(std::optional<AccountRecord> stored, state.FindAccount(directory_url));
  if (stored) {
    ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(stored->key_pem));
    client.SetAccountKey(std::move(key), stored->url);
    return *stored;
  }
  if (!options.create_if_missing) {
    return Error(Code::kNotFound, "no account for " + directory_url + " in " + state.root() +
                                      " (run `anvil account register`)");
  }
  ANVIL_ASSIGN_OR_RETURN(Directory directory, client.GetDirectory());
  if (!directory.terms_of_service.empty() && !options.agree_terms) {
    return Error(Code::kUserActionRequired, "the server requires agreeing to its terms of service " +
                                                directory.terms_of_service + " (--agree-tos)");
  }
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  client.SetAccountKey(key);
  NewAccountRequest request;
  request.contact = options.contact;
  request.terms_of_service_agreed = options.agree_terms;
  request.eab_kid = options.eab_kid;
  request.eab_hmac_key = options.eab_hmac_key;
  ANVIL_ASSIGN_OR_RETURN(Account account, client.NewAccount(request));
  AccountRecord record{directory_url, account.url, key.ToPem(), client.Thumbprint(), account.raw};
  ANVIL_RETURN_IF_ERROR(state.SaveAccount(record));
  return record;
}

Result<std::vector<acme::Identifier>> IdentifiersFromNames(const std::vector<std::string>& names) {
  std::vector<acme::Identifier> out;
  for (const auto& name : names) {
    acme::IdentifierType type = LooksLikeIp(name) ? acme::IdentifierType::kIp : acme::IdentifierType::kDns;
    ANVIL_ASSIGN_OR_RETURN(acme::Identifier id, acme::NormalizeIdentifier(type, name));
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
  }
  if (out.empty()) return Error(Code::kInvalidArgument, "no names given");
  return out;
}

namespace {

// The propagation check of a dns-01 lineage, or nullptr when it is off. `fallback` is asked when the lineage
// names no resolver.
Result<std::unique_ptr<PropagationChecker>> MakePropagationChecker(
    const LineageConfig& l, const std::vector<DnsServer>& fallback, const Clock& clock, Sleeper& sleeper,
    std::function<void(const std::string&)> log) {
  if (l.dns_propagation_timeout <= 0) return std::unique_ptr<PropagationChecker>();
  PropagationOptions options;
  options.timeout = std::chrono::seconds(l.dns_propagation_timeout);
  options.log = std::move(log);
  for (const auto& spec : l.dns_resolvers) {
    ANVIL_ASSIGN_OR_RETURN(DnsServer server, ParseDnsServer(spec));
    options.resolvers.push_back(server);
  }
  if (options.resolvers.empty()) options.resolvers = fallback;
  return std::make_unique<PropagationChecker>(NewLdnsTxtLookup(), clock, sleeper, std::move(options));
}

}  // namespace

Result<std::unique_ptr<Solver>> MakeSolver(const LineageConfig& l, const Clock& clock, Sleeper& sleeper,
                                           std::function<void(const std::string&)> log) {
  if (l.challenge == "http-01") {
    if (!l.webroot.empty()) return std::unique_ptr<Solver>(std::make_unique<Http01WebrootSolver>(l.webroot));
    ANVIL_ASSIGN_OR_RETURN(
        auto s, Http01StandaloneSolver::Start(l.http_address.empty() ? "0.0.0.0" : l.http_address,
                                              static_cast<uint16_t>(l.http_port ? l.http_port : 80)));
    return std::unique_ptr<Solver>(std::move(s));
  }
  if (l.challenge == "dns-01" && !l.rfc2136_server.empty()) {
    auto server = ParseDnsServer(l.rfc2136_server);
    if (!server.ok()) return Error(Code::kInvalidArgument, "--rfc2136-server: " + server.status().message());
    Rfc2136Options o;
    o.server_address = server->address;
    o.port = server->port;
    o.zone = l.rfc2136_zone;
    if (!l.tsig_key.empty()) {
      ANVIL_ASSIGN_OR_RETURN(o.key, ParseTsigKey(l.tsig_key));
    }
    o.propagation_delay = std::chrono::seconds(l.dns_propagation_seconds);
    // The primary that took the update is authoritative: by default it is the one asked.
    ANVIL_ASSIGN_OR_RETURN(auto check, MakePropagationChecker(l, {*server}, clock, sleeper, std::move(log)));
    return std::unique_ptr<Solver>(std::make_unique<Dns01Rfc2136Solver>(o, sleeper, std::move(check)));
  }
  if (l.challenge == "dns-01") {
    if (l.dns_hook.empty())
      return Error(Code::kInvalidArgument, "dns-01 needs a hook (--dns-hook) or --rfc2136-server");
    ANVIL_ASSIGN_OR_RETURN(auto check,
                           MakePropagationChecker(l, {DnsServer{}}, clock, sleeper, std::move(log)));
    return std::unique_ptr<Solver>(std::make_unique<Dns01HookSolver>(
        l.dns_hook, sleeper, std::chrono::seconds(l.dns_propagation_seconds), std::chrono::seconds(600),
        std::move(check)));
  }
  if (l.challenge == "tls-alpn-01") {
    ANVIL_ASSIGN_OR_RETURN(
        auto s, TlsAlpn01Solver::Start(l.tls_alpn_address.empty() ? "0.0.0.0" : l.tls_alpn_address,
                                       static_cast<uint16_t>(l.tls_alpn_port ? l.tls_alpn_port : 443)));
    return std::unique_ptr<Solver>(std::move(s));
  }
  return Error(Code::kInvalidArgument, "unknown challenge type '" + l.challenge + "'");
}

Status RunDeployHook(const std::string& command, const LineageConfig& lineage, const LineageFiles& files) {
  ProcessOptions options;
  std::string names = Join(lineage.names, " ");
  options.env = {{"ANVIL_LINEAGE_NAME", lineage.name},
                 {"ANVIL_LINEAGE_DIR", files.dir},
                 {"ANVIL_CERT", files.cert},
                 {"ANVIL_CHAIN", files.chain},
                 {"ANVIL_FULLCHAIN", files.fullchain},
                 {"ANVIL_KEY", files.key},
                 {"ANVIL_NAMES", names},
                 {"RENEWED_LINEAGE", files.dir},
                 {"RENEWED_DOMAINS", names}};
  ANVIL_ASSIGN_OR_RETURN(int code, RunShell(command, options));
  if (code != 0) return Error(Code::kIo, "deploy hook exited with status " + std::to_string(code));
  return Status::Ok();
}

Status Issuer::SolveAuthorizations(const Order& order) {
  struct Pending {
    std::string authz_url, challenge_url;
    ChallengeTask task;
  };
  std::vector<Pending> pending;
  std::string thumbprint = client_.Thumbprint();
  // Clean up whatever was presented, on every path out of this function.
  struct CleanUpGuard {
    Solver& solver;
    std::vector<Pending>& pending;
    ~CleanUpGuard() {
      for (const auto& p : pending) (void)solver.CleanUp(p.task);
    }
  } guard{solver_, pending};

  for (const std::string& url : order.authorizations) {
    ANVIL_ASSIGN_OR_RETURN(Authorization a, client_.FetchAuthorization(url));
    if (a.status == acme::AuthorizationStatus::kValid) continue;  // Reused (§7.1.4): nothing to prove.
    if (a.status != acme::AuthorizationStatus::kPending) {
      return Error(Code::kUnauthorized, "authorization for " + acme::IdentifierText(a.identifier) + " is " +
                                            std::string(acme::StatusName(a.status)));
    }
    const Challenge* ch = a.FindChallenge(solver_.challenge_type());
    if (ch == nullptr) {
      std::vector<std::string> offered;
      for (const auto& c : a.challenges) offered.push_back(c.type);
      return Error(Code::kUnsupportedIdentifier,
                   "the server offers no " + std::string(solver_.challenge_type()) + " challenge for " +
                       (a.wildcard ? "*." : "") + acme::IdentifierText(a.identifier) + " (offered: " + Join(offered, ", ") +
                       ")");
    }
    ChallengeTask task{a.identifier, a.wildcard, ch->token, acme::KeyAuthorization(ch->token, thumbprint)};
    pending.push_back({a.url, ch->url, task});
    if (Status s = solver_.Present(task); !s.ok()) {
      return Error(s.code(), std::string(solver_.challenge_type()) + " for " + acme::IdentifierText(a.identifier) + ": " +
                                 s.message());
    }
  }
  // A server may answer with the validation's outcome (anvil-ca does when it is quick): a valid challenge
  // makes its authorization valid (RFC 8555 §7.1.6), so that one needs no poll.
  std::vector<bool> answered_valid;
  for (const auto& p : pending) {
    ANVIL_ASSIGN_OR_RETURN(Challenge c, client_.RespondToChallenge(p.challenge_url));
    answered_valid.push_back(c.status == acme::ChallengeStatus::kValid);
  }
  std::vector<std::string> failures;
  Status first = Status::Ok();
  for (size_t i = 0; i < pending.size(); ++i) {
    if (answered_valid[i]) continue;
    ANVIL_ASSIGN_OR_RETURN(Authorization a, client_.PollAuthorization(pending[i].authz_url));
    if (a.status == acme::AuthorizationStatus::kValid) continue;
    std::optional<Status> error = a.FirstError();
    std::string what =
        acme::IdentifierText(a.identifier) + ": " +
        (error ? error->ToString() : "authorization is " + std::string(acme::StatusName(a.status)));
    failures.push_back(what);
    if (first.ok()) first = error ? *error : Error(Code::kUnauthorized, what);
  }
  if (!failures.empty()) {
    return Error(first.code(), "validation failed: " + Join(failures, "; "));
  }
  return Status::Ok();
}

Result<IssueResult> Issuer::Issue(LineageConfig lineage, const std::string& replaces) {
  if (!StateDir::IsValidLineageName(lineage.name)) {
    return Error(Code::kInvalidArgument, "bad lineage name '" + lineage.name + "'");
  }
  // A lineage comes into being with its first certificate: a failed first issuance leaves nothing behind for
  // `renew --all` to retry. An existing lineage records every attempt and its outcome.
  bool existing = FileExists(state_.Files(lineage.name).cert);
  lineage.last_attempt = FormatRfc3339(clock_.Now());
  lineage.last_result = "in progress";
  if (existing) ANVIL_RETURN_IF_ERROR(state_.SaveLineage(lineage));
  Result<IssueResult> result = IssueOnce(lineage, replaces);
  lineage.last_result = result.ok() ? "ok" : result.status().ToString();
  if (!existing && !result.ok()) return result;
  Status saved = state_.SaveLineage(lineage);
  if (result.ok() && !saved.ok()) return saved;
  return result;
}

Result<IssueResult> Issuer::IssueOnce(const LineageConfig& lineage, const std::string& replaces) {
  // A CSR the user brought fixes the key (we never see it) and must name exactly the order's identifiers.
  std::optional<crypto::Csr> user_csr;
  if (!lineage.csr.empty()) {
    ANVIL_ASSIGN_OR_RETURN(std::string pem, ReadFile(lineage.csr));
    ANVIL_ASSIGN_OR_RETURN(user_csr, crypto::Csr::FromPem(pem));
  }
  ANVIL_ASSIGN_OR_RETURN(std::vector<acme::Identifier> ids, IdentifiersFromNames(lineage.names));
  if (user_csr) {
    std::vector<std::string> csr_names = user_csr->dns_names();
    for (const auto& ip : user_csr->ip_addresses()) csr_names.push_back(ip);
    ANVIL_ASSIGN_OR_RETURN(std::vector<acme::Identifier> csr_ids, IdentifiersFromNames(csr_names));
    std::sort(csr_ids.begin(), csr_ids.end());
    std::vector<acme::Identifier> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    if (csr_ids != sorted) {
      return Error(Code::kInvalidArgument,
                   "the CSR " + lineage.csr + " does not name exactly the lineage's names");
    }
  }
  ANVIL_ASSIGN_OR_RETURN(crypto::KeyType key_type, crypto::ParseKeyType(lineage.key_type));
  LineageFiles files = state_.Files(lineage.name);

  // draft-aaron-acme-profiles: a profile must be one the directory offers; say which ones it does.
  if (!lineage.profile.empty()) {
    ANVIL_ASSIGN_OR_RETURN(Directory directory, client_.GetDirectory());
    if (!directory.profiles.count(lineage.profile)) {
      std::vector<std::string> offered;
      for (const auto& [name, description] : directory.profiles) offered.push_back(name);
      return Error(Code::kInvalidProfile,
                   "the server offers no profile '" + lineage.profile + "'" +
                       (offered.empty() ? " (it offers none)" : " (offered: " + Join(offered, ", ") + ")"));
    }
  }
  NewOrderRequest request{ids, lineage.profile, replaces};
  ANVIL_ASSIGN_OR_RETURN(Order order, client_.NewOrder(request));
  if (order.status == acme::OrderStatus::kPending) {
    ANVIL_RETURN_IF_ERROR(SolveAuthorizations(order));
    ANVIL_ASSIGN_OR_RETURN(order, client_.PollOrder(order.url));
  }
  if (order.status == acme::OrderStatus::kInvalid) {
    return order.error ? *order.error : Error(Code::kUnauthorized, "order " + order.url + " is invalid");
  }

  // The certificate key: a fresh one unless the lineage asks to keep its key.
  std::optional<crypto::PrivateKey> key;
  if (lineage.reuse_key && !user_csr) {
    if (auto pem = ReadFile(files.key); pem.ok()) {
      ANVIL_ASSIGN_OR_RETURN(key, crypto::PrivateKey::FromPem(*pem));
    }
  }
  if (!key && !user_csr) {
    ANVIL_ASSIGN_OR_RETURN(key, crypto::PrivateKey::Generate(key_type));
  }

  if (order.status == acme::OrderStatus::kReady) {
    std::vector<std::string> dns, ips;
    for (const auto& id : ids) (id.type == acme::IdentifierType::kDns ? dns : ips).push_back(id.value);
    std::string cn = !dns.empty() && dns[0].size() <= 64 ? dns[0] : "";
    std::optional<crypto::Csr> csr = user_csr;
    if (!csr) {
      ANVIL_ASSIGN_OR_RETURN(csr, crypto::Csr::Create(*key, dns, ips, cn));
    }
    ANVIL_ASSIGN_OR_RETURN(order, client_.FinalizeAndWait(order, csr->ToDer()));
  }
  ANVIL_ASSIGN_OR_RETURN(order, AcmeClient::ValidWithCertificate(std::move(order)));

  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> chains,
                         client_.DownloadCertificateChains(order.certificate));
  size_t chosen = AcmeClient::PreferredChain(chains, lineage.preferred_chain);
  ANVIL_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> chain,
                         crypto::Certificate::ChainFromPem(chains[chosen]));
  const crypto::Certificate& leaf = chain.front();
  crypto::PublicKey expected = user_csr ? user_csr->public_key() : key->public_key();
  if (!(leaf.public_key() == expected)) {
    return Error(Code::kBadCsr, "the issued certificate does not hold our key");
  }
  std::string chain_pem;
  for (size_t i = 1; i < chain.size(); ++i) chain_pem += chain[i].ToPem();
  ANVIL_RETURN_IF_ERROR(state_.Install(lineage.name, leaf.ToPem(), chain_pem, key ? key->ToPem() : ""));

  IssueResult result{lineage.name, files, leaf, order.url, false};
  if (!lineage.deploy_hook.empty()) {
    Status hook = RunDeployHook(lineage.deploy_hook, lineage, files);
    if (!hook.ok()) {
      Status rollback = state_.Rollback(lineage.name);
      return Error(hook.code(), hook.message() + (rollback.ok() ? "; previous certificate restored"
                                                                : "; rollback: " + rollback.ToString()));
    }
    result.deploy_hook_ran = true;
  }
  return result;
}

}  // namespace anvil::agent
