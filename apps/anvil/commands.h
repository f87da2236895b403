// The `anvil` subcommands: each takes parsed options, wires the agent's pieces (HTTP client, ACME client,
// state directory, solver, issuer) and returns a process exit code (docs/agent.md):
//   0 success (issued, renewed, revoked, shown), 1 failure, 2 usage error, 3 nothing was due (renew).
// Composition only: no protocol logic lives here.
#pragma once

#include <string>
#include <vector>

namespace anvil::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNothingDue = 3;

struct GlobalOptions {
  std::string state_dir;  // empty = StateDir::DefaultRoot()
  bool json = false;
  bool verbose = false;  // One stderr line per ACME request and retry.
};

struct ServerOptions {
  std::string server;
  std::string ca_bundle;
};

struct AccountCommand {
  std::string action;  // register | show | update | deactivate | rollover
  ServerOptions server;
  std::vector<std::string> emails;
  bool agree_tos = false;
  std::string eab_kid, eab_hmac_key;  // key: base64url
  std::string key_type = "ec256";     // for rollover
};

struct IssueCommand {
  ServerOptions server;
  std::vector<std::string> names;
  std::string lineage;
  std::string http_address = "0.0.0.0";
  int http_port = 0;
  std::string webroot;
  std::string dns_hook;
  int dns_propagation_seconds = 0;
  std::string rfc2136_server, rfc2136_zone, tsig_key;
  std::string tls_alpn_address = "0.0.0.0";
  int tls_alpn_port = 0;
  std::string key_type = "ec256";
  bool reuse_key = false;
  std::string csr_file;
  std::string profile, preferred_chain, deploy_hook;
  std::vector<std::string> emails;
  std::string eab_kid, eab_hmac_key;
};

struct RenewCommand {
  bool all = false;
  std::string name;
  bool force = false;
};

struct RevokeCommand {
  std::string cert_file;
  std::string key_file;
  int reason = -1;  // -1 = unspecified (omitted)
  ServerOptions server;
};

int RunAccount(const GlobalOptions& g, const AccountCommand& c);
int RunIssue(const GlobalOptions& g, const IssueCommand& c);
int RunRenew(const GlobalOptions& g, const RenewCommand& c);
int RunRevoke(const GlobalOptions& g, const RevokeCommand& c);
int RunList(const GlobalOptions& g);

struct AgentCommand {
  int interval_seconds = 12 * 3600;  // Between renewal passes.
  int jitter_seconds = 3600;         // A random extra wait in [0, jitter] per pass (fleets spread out).
};
// Runs `renew --all` passes forever: SIGHUP starts a pass at once (the state directory is re-read on every
// pass), SIGTERM/SIGINT end the loop cleanly (exit 0).
int RunAgent(const GlobalOptions& g, const AgentCommand& c);

}  // namespace anvil::cli
