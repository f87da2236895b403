// anvil: the ACME client and renewal agent. Composition root: parses the command line (CLI11) and hands each
// subcommand to commands.cc. Exit codes are documented in docs/agent.md.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  using namespace anvil::cli;
  CLI::App app{"anvil: ACME client and certificate renewal agent (RFC 8555)"};
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions g;
  app.add_option("--state-dir", g.state_dir,
                 "State directory (default /var/lib/anvil as root, else $XDG_DATA_HOME/anvil)");
  app.add_flag("--json", g.json, "Machine-readable output on stdout");
  app.add_flag("-v,--verbose", g.verbose, "Log every ACME request and retry on stderr");
  app.add_option("--wait-lock", g.wait_lock_seconds,
                 "Seconds to wait while another anvil uses the state directory (default 0: exit 4 at once)")
      ->check(CLI::Range(0, 86400));

  auto add_server = [](CLI::App* sub, ServerOptions& s, bool required) {
    auto* opt = sub->add_option("--server", s.server, "ACME directory URL");
    if (required) opt->required();
    sub->add_option("--ca-bundle", s.ca_bundle, "PEM file of CAs trusted for the server's HTTPS")
        ->check(CLI::ExistingFile);
  };

  // account
  AccountCommand account;
  CLI::App* acc = app.add_subcommand("account", "Manage the ACME account of a server");
  acc->require_subcommand(1);
  for (const char* action : {"register", "show", "update", "deactivate", "rollover"}) {
    CLI::App* sub = acc->add_subcommand(action, std::string(action) + " the account");
    add_server(sub, account.server, true);
    if (std::string(action) == "register" || std::string(action) == "update") {
      sub->add_option("-m,--email", account.emails, "Contact e-mail address (repeatable)");
    }
    if (std::string(action) == "register") {
      sub->add_flag("--agree-tos", account.agree_tos, "Agree to the server's terms of service");
      sub->add_option("--eab-kid", account.eab_kid, "External Account Binding key id");
      sub->add_option("--eab-hmac-key", account.eab_hmac_key,
                      "External Account Binding HMAC key (base64url)");
    }
    if (std::string(action) == "rollover") {
      sub->add_option("--key-type", account.key_type, "New account key type (ec256, ec384, rsa2048, ...)");
    }
    sub->callback([&account, action] { account.action = action; });
  }

  // issue
  IssueCommand issue;
  CLI::App* iss = app.add_subcommand("issue", "Obtain a certificate and install it in a lineage");
  iss->add_option(
      "-d,--domain", issue.names,
      "DNS name, wildcard (*.example.com) or IP address (repeatable; default: the names of --csr)");
  iss->add_option("--csr", issue.csr_file, "Use this CSR (PEM) instead of generating a key")
      ->check(CLI::ExistingFile);
  add_server(iss, issue.server, true);
  iss->add_option("--name", issue.lineage, "Lineage name (default: the first name, '*' as '_')");
  auto* http_port = iss->add_option("--http-port", issue.http_port, "http-01 standalone: port to listen on")
                        ->check(CLI::Range(1, 65535));
  iss->add_option("--http-address", issue.http_address, "http-01 standalone: address to listen on");
  auto* webroot = iss->add_option("--webroot", issue.webroot, "http-01 webroot: directory served as /");
  auto* dns_hook =
      iss->add_option("--dns-hook", issue.dns_hook, "dns-01: hook called as HOOK add|remove NAME VALUE");
  iss->add_option("--dns-propagation-timeout", issue.dns_propagation_timeout,
                  "dns-01: seconds to wait until DNS answers the TXT value (default 120; 0: do not check)")
      ->check(CLI::Range(0, 3600));
  iss->add_option("--dns-resolver", issue.dns_resolvers,
                  "dns-01: DNS server ADDR[:PORT] asked for the TXT value (repeatable; default: the RFC 2136 "
                  "server, else the system resolver)");
  iss->add_option("--dns-propagation-seconds", issue.dns_propagation_seconds,
                  "dns-01: fixed extra wait once the TXT value is visible (default 0)")
      ->check(CLI::Range(0, 3600));
  auto* rfc2136 = iss->add_option("--rfc2136-server", issue.rfc2136_server,
                                  "dns-01 by RFC 2136 dynamic update to ADDR[:PORT] (the zone's primary)");
  iss->add_option("--rfc2136-zone", issue.rfc2136_zone,
                  "RFC 2136: the zone (default: found by an SOA query)");
  iss->add_option("--tsig-key", issue.tsig_key, "RFC 2136: TSIG key as [ALG:]NAME:SECRET or a BIND key file");
  auto* alpn_port = iss->add_option("--tls-alpn-port", issue.tls_alpn_port, "tls-alpn-01 standalone: port")
                        ->check(CLI::Range(1, 65535));
  iss->add_option("--tls-alpn-address", issue.tls_alpn_address, "tls-alpn-01 standalone: address");
  http_port->excludes(webroot)->excludes(dns_hook)->excludes(alpn_port);
  webroot->excludes(dns_hook)->excludes(alpn_port);
  dns_hook->excludes(alpn_port);
  rfc2136->excludes(http_port)->excludes(webroot)->excludes(dns_hook)->excludes(alpn_port);
  iss->add_option("--key-type", issue.key_type,
                  "Certificate key: ec256 (default), ec384, rsa2048, rsa3072, rsa4096");
  iss->add_flag("--reuse-key", issue.reuse_key, "Keep the lineage's key on renewal");
  iss->add_option("--profile", issue.profile, "Certificate profile the server offers");
  iss->add_option("--preferred-chain", issue.preferred_chain, "Issuer CN of the preferred (alternate) chain");
  iss->add_option("--deploy-hook", issue.deploy_hook, "Shell command run after a successful install");
  iss->add_option("-m,--email", issue.emails, "Contact e-mail for a new account (repeatable)");
  iss->add_option("--eab-kid", issue.eab_kid, "External Account Binding key id (new account)");
  iss->add_option("--eab-hmac-key", issue.eab_hmac_key, "External Account Binding HMAC key (base64url)");

  // renew
  RenewCommand renew;
  CLI::App* ren = app.add_subcommand("renew", "Renew the lineages that are due (exit 3 when none was)");
  auto* all = ren->add_flag("--all", renew.all, "Every lineage (the default when no NAME is given)");
  auto* name = ren->add_option("name", renew.name, "One lineage");
  all->excludes(name);
  ren->add_flag("--force", renew.force, "Renew even if not due");

  // revoke
  RevokeCommand revoke;
  CLI::App* rev = app.add_subcommand("revoke", "Revoke a certificate");
  rev->add_option("--cert", revoke.cert_file, "Certificate (PEM)")->required()->check(CLI::ExistingFile);
  rev->add_option("--reason", revoke.reason, "RFC 5280 CRLReason code (0-6, 8-10)");
  rev->add_option("--key", revoke.key_file,
                  "Sign with the certificate's own key (PEM) instead of the account")
      ->check(CLI::ExistingFile);
  add_server(rev, revoke.server, false);

  // device enroll (docs/agent.md, "Device enrollment (device-attest-01)")
  DeviceEnrollCommand device;
  CLI::App* dev =
      app.add_subcommand("device", "Device certificates proved by attestation (device-attest-01)");
  dev->require_subcommand(1);
  CLI::App* enroll = dev->add_subcommand(
      "enroll",
      "Obtain (or renew) this device's certificate with a TPM-attested key (draft-ietf-acme-device-attest)");
  add_server(enroll, device.server, true);
  enroll
      ->add_option("--identifier", device.identifier,
                   "permanent-identifier:SERIAL[/OID] or hardware-module:SERIAL/OID")
      ->required();
  auto* eab_kid =
      enroll->add_option("--eab-kid", device.eab_kid, "External Account Binding key id (the MDM's token)");
  auto* eab_key = enroll->add_option("--eab-hmac-key", device.eab_hmac_key,
                                     "External Account Binding HMAC key (base64url)");
  eab_kid->needs(eab_key);
  eab_key->needs(eab_kid);
  auto* tcti = enroll->add_option("--tpm-tcti", device.tcti,
                                  "TPM TCTI, as tpm2-tools take it (device:/dev/tpmrm0, swtpm:host=H,port=P; "
                                  "default: the TSS default)");
  auto* key_handle =
      enroll->add_option("--key-handle", device.key_handle,
                         "Persistent handle of the certificate key, made if empty (default 0x81000010)");
  auto* ak_handle = enroll->add_option("--ak-handle", device.ak_handle,
                                       "Persistent handle of the attestation key (default 0x81010002)");
  auto* ak_cert = enroll->add_option("--ak-cert", device.ak_cert, "The AK certificate and its chain (PEM)")
                      ->check(CLI::ExistingFile);
  enroll
      ->add_flag("--software-key", device.software_key,
                 "A software key without attestation (the server must offer another challenge)")
      ->excludes(tcti)
      ->excludes(key_handle)
      ->excludes(ak_handle)
      ->excludes(ak_cert);
  enroll->add_flag("--privacy", device.privacy,
                   "Leave the device identifier out of the CSR (privacy-preserving)");
  enroll->add_option("--profile", device.profile, "Certificate profile the server offers");
  enroll->add_option("--cert-out", device.cert_out, "Where to write the certificate chain (PEM)")->required();
  enroll->add_option("--key-ref-out", device.key_ref_out, "Where to write the key reference")->required();
  enroll->add_option("--account-key", device.account_key,
                     "Account key (PEM; made if missing) instead of the state directory's account");

  CLI::App* lst = app.add_subcommand("list", "List the lineages in the state directory");

  AgentCommand agent;
  CLI::App* agt =
      app.add_subcommand("agent", "Renew due lineages in a loop (SIGHUP: pass now; SIGTERM: stop)");
  agt->add_option("--interval", agent.interval_seconds,
                  "Seconds between renewal passes at most (default 43200; ARI Retry-After and renewal times "
                  "bring a pass earlier)")
      ->check(CLI::Range(1, 7 * 86400));
  agt->add_option("--jitter", agent.jitter_seconds,
                  "Random extra seconds per wait, at most (default 3600; at most a tenth of the wait)")
      ->check(CLI::Range(0, 86400));

  // `anvil agent` takes these synchronously (sigtimedwait), so they are blocked before it starts any thread
  // (solver listeners inherit the mask). A SIGTERM during a renewal pass is therefore handled once the pass
  // is done: an issuance is never cut off half-way. Other commands keep the default dispositions.
  sigset_t agent_signals;
  sigemptyset(&agent_signals);
  sigaddset(&agent_signals, SIGTERM);
  sigaddset(&agent_signals, SIGINT);
  sigaddset(&agent_signals, SIGHUP);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (agt->parsed()) {
    pthread_sigmask(SIG_BLOCK, &agent_signals, nullptr);
    return RunAgent(g, agent);
  }
  if (acc->parsed()) return RunAccount(g, account);
  if (enroll->parsed()) return RunDeviceEnroll(g, device);
  if (iss->parsed()) return RunIssue(g, issue);
  if (ren->parsed()) return RunRenew(g, renew);
  if (rev->parsed()) return RunRevoke(g, revoke);
  if (lst->parsed()) return RunList(g);
  std::cerr << app.help();
  return kExitUsage;
}
