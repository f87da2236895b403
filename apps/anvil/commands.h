// The `anvil` subcommands: each takes parsed options, wires the agent's pieces (HTTP client, ACME client,
// state directory, solver, issuer) and returns a process exit code (docs/agent.md):
//   0 success (issued, renewed, revoked, shown), 1 failure, 2 usage error, 3 nothing was due (renew),
//   4 the state directory is locked by another anvil.
// Composition only: no protocol logic lives here.
#pragma once

#include <string>
#include <vector>

#include "agent/renewal_pass.h"
#include "agent/state_dir.h"
#include "base/status.h"

namespace anvil::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNothingDue = 3;
inline constexpr int kExitLocked = 4;  // Another anvil holds the state directory (and --wait-lock ran out).

struct GlobalOptions {
  std::string state_dir;  // empty = StateDir::DefaultRoot()
  bool json = false;
  bool verbose = false;       // One stderr line per ACME request and retry.
  int wait_lock_seconds = 0;  // How long to wait for another anvil to release the state directory.
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
  int dns_propagation_seconds = 0;  // dns-01: fixed extra wait once the record is visible
  int dns_propagation_timeout =
      120;  // dns-01: wait at most this long for the record to be visible (0: no check)
  std::vector<std::string> dns_resolvers;  // dns-01: "ADDR[:PORT]" asked by that check
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

// `anvil device enroll` (device_command.cc, docs/agent.md "Device enrollment"): a certificate for this
// device's identity, proved by a TPM attestation (draft-ietf-acme-device-attest-09 device-attest-01). Run
// again, it renews with the same TPM key.
struct DeviceEnrollCommand {
  ServerOptions server;
  std::string identifier;             // permanent-identifier:SERIAL[/OID] | hardware-module:SERIAL/OID
  std::string eab_kid, eab_hmac_key;  // the MDM's one-time enrollment token (key: base64url)
  std::string tcti;                   // TCTI configuration string; "" = the TSS default
  std::string key_handle = "0x81000010";
  std::string ak_handle = "0x81010002";
  std::string ak_cert;  // PEM: the AK certificate, then its chain
  bool software_key = false;
  bool privacy = false;
  std::string profile;
  std::string cert_out, key_ref_out;
  std::string
      account_key;  // PEM file: the account key (made if missing); empty = the state directory's account
};

int RunAccount(const GlobalOptions& g, const AccountCommand& c);
int RunDeviceEnroll(const GlobalOptions& g, const DeviceEnrollCommand& c);
int RunIssue(const GlobalOptions& g, const IssueCommand& c);
int RunRenew(const GlobalOptions& g, const RenewCommand& c);
int RunRevoke(const GlobalOptions& g, const RevokeCommand& c);
int RunList(const GlobalOptions& g);

struct AgentCommand {
  int interval_seconds = 12 * 3600;  // Between renewal passes, at most.
  int jitter_seconds = 3600;         // A random extra wait per pass, at most (fleets spread out).
};
// Runs `renew --all` passes forever (agent_loop.cc): the next pass comes at the earliest renewal time or ARI
// re-check the last one found (RFC 9773 §4.3), at most `interval` later; SIGHUP starts a pass at once (the
// state directory is re-read on every pass), SIGTERM/SIGINT end the loop cleanly (exit 0). The state
// directory is locked during passes only. With --json, one event per line on stdout.
int RunAgent(const GlobalOptions& g, const AgentCommand& c);

// The renewal pass of `renew` (agent::RenewalPass, wired to libcurl and the real solvers) over an already
// opened (and locked) state directory: one stderr line per lineage unless --json, the pass's events to
// `event` when set. Fails only when the lineages cannot be listed.
Result<agent::RenewalPassResult> RunRenewalPass(const GlobalOptions& g, const RenewCommand& c,
                                                agent::StateDir& state, const agent::EventSink& event);

// `renew`'s exit code for a pass: 1 if a lineage failed, else 0 if one was renewed, else 3 (nothing due).
int RenewExitCode(const agent::RenewalPassResult& pass);

}  // namespace anvil::cli
