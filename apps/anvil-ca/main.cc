// anvil-ca: the private CA and ACME server. Composition root: command-line parsing and wiring only.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "base/core_dumps.h"
#include "base/file.h"
#include "admin_commands.h"
#include "audit_commands.h"
#include "base/time.h"
#include "ca_commands.h"
#include "inventory_commands.h"
#include "policy_commands.h"
#include "webhooks.h"
#include "component_options.h"
#include "config/config.h"
#include "crypto/secure_memory.h"
#include "logging.h"
#include "serve.h"
#include "storage/store.h"

namespace {

using anvil::Status;

int Fail(const std::string& what, const Status& status) {
  std::cerr << "anvil-ca: " << what << ": " << status.ToString() << "\n";
  return 1;
}

anvil::Result<anvil::config::Config> LoadConfig(const std::string& path, const std::string& data_dir) {
  anvil::config::Config config = anvil::config::DefaultConfig();
  if (!path.empty()) {
    ANVIL_ASSIGN_OR_RETURN(config, anvil::config::LoadConfigFile(path));
  }
  ANVIL_RETURN_IF_ERROR(anvil::config::Finalize(config, data_dir));
  return config;
}

// Keys in memory (docs/ca-operations.md): OpenSSL's secure heap before any key is read or made, and no core
// dumps unless --allow-core-dumps. Returns the line to log; an error only if the secure heap cannot start.
anvil::Result<std::string> ProtectKeysInMemory(bool allow_core_dumps) {
  ANVIL_ASSIGN_OR_RETURN(anvil::crypto::SecureHeapState heap, anvil::crypto::InitSecureHeap());
  std::string dumps = "core dumps allowed (--allow-core-dumps)";
  if (!allow_core_dumps) {
    Status off = anvil::DisableCoreDumps();
    dumps = off.ok() ? "core dumps off (not dumpable, RLIMIT_CORE 0)" : "core dumps NOT off: " + off.ToString();
  }
  return "keys in memory: " + anvil::crypto::DescribeSecureHeap(heap) + "; " + dumps;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"anvil-ca: a private certificate authority that speaks ACME (RFC 8555)"};
  app.require_subcommand(1);
  std::string config_path, data_dir;
  bool allow_core_dumps = false;
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("-c,--config", config_path, "TOML configuration file (see `anvil-ca config example`)");
    cmd->add_option("-d,--data-dir", data_dir, "data directory (default ./anvil-data, or $ANVIL_DATA)");
    cmd->add_flag("--allow-core-dumps", allow_core_dumps,
                  "leave the process dumpable (core dumps, ptrace by the same user) for debugging; the keys stay "
                  "out of dumps in OpenSSL's secure heap either way");
  };

  CLI::App* serve = app.add_subcommand("serve", "run the ACME server (creates the CA on first start)");
  add_common(serve);

  CLI::App* config_cmd = app.add_subcommand("config", "configuration helpers");
  config_cmd->require_subcommand(1);
  CLI::App* example = config_cmd->add_subcommand("example", "print a complete commented configuration file");
  CLI::App* check = config_cmd->add_subcommand("check", "validate a configuration file");
  add_common(check);

  CLI::App* ca_cmd = app.add_subcommand("ca", "manage the CA keys and certificates");
  ca_cmd->require_subcommand(1);
  CLI::App* init = ca_cmd->add_subcommand("init", "create the root and intermediate (or import existing ones)");
  add_common(init);
  anvil::app::CaInitArgs init_args;
  init->add_option("--import-root", init_args.import_root, "PEM file of an existing root certificate");
  init->add_option("--import-intermediate", init_args.import_intermediate,
                   "PEM file of an existing intermediate certificate");
  init->add_option("--import-key", init_args.import_key, "PEM file of the intermediate's private key");
  init->add_option("--offline-root", init_args.offline_root_key,
                   "write the new root's key to this path (to be moved off the machine), not the data directory");
  CLI::App* show = ca_cmd->add_subcommand("show", "show the CA's paths, subjects, fingerprints and expiry");
  add_common(show);
  CLI::App* rotate = ca_cmd->add_subcommand("rotate", "make the next intermediate generation with the root key");
  add_common(rotate);
  anvil::app::CaRotateArgs rotate_args;
  rotate->add_option("--root-key", rotate_args.root_key, "a root key's path (default: the newest root's, in <data_dir>/ca)");
  rotate->add_option("--at", rotate_args.at, "RFC 3339 time from which it issues (default: at the next start)");
  rotate->add_option("--key-uri", rotate_args.key_uri,
                     "pkcs11: URI (RFC 7512) of a key in a PKCS #11 token to use instead of a new key (ca.pkcs11_module, "
                     "ca.pkcs11_pin)");
  CLI::App* rollover = ca_cmd->add_subcommand(
      "rollover-root", "make a new root, cross-signed by the newest one, and a new intermediate under it");
  add_common(rollover);
  anvil::app::CaRolloverRootArgs rollover_args;
  rollover->add_option("--root-key", rollover_args.root_key,
                       "the newest root key's path (default: in <data_dir>/ca)");
  rollover->add_option("--offline-root", rollover_args.offline_root_key,
                       "write the new root's key to this path (to be moved off the machine), not the data directory");
  rollover->add_option("--common-name", rollover_args.common_name,
                       "the new root's common name (default: ca.root_common_name and its generation)");
  rollover->add_option("--at", rollover_args.at, "RFC 3339 time from which the new intermediate issues");
  CLI::App* retire = ca_cmd->add_subcommand(
      "retire", "retire an intermediate generation: on the root's CRL, no more issuance, renewals asked (ARI)");
  add_common(retire);
  anvil::app::CaRetireArgs retire_args;
  retire->add_option("generation", retire_args.generation, "the generation (see `anvil-ca ca show`)")->required();
  retire->add_option("--reason", retire_args.reason, "keyCompromise, superseded or cessationOfOperation")
      ->required();
  retire->add_option("--root-key", retire_args.root_key, "the root key's path, to sign the root's CRL now");
  CLI::App* import_inventory = ca_cmd->add_subcommand(
      "import-inventory", "record the certificates an imported CA issued, so that CRLs and OCSP cover them");
  add_common(import_inventory);
  anvil::app::CaImportInventoryArgs inventory_args;
  import_inventory->add_option("paths", inventory_args.paths, "PEM files or directories of them")->required();
  import_inventory->add_option("--crl", inventory_args.crls, "a CRL of the old CA (DER or PEM); repeatable");
  CLI::App* encrypt_keys =
      ca_cmd->add_subcommand("encrypt-keys", "encrypt the CA keys in the data directory with ca.key_passphrase");
  add_common(encrypt_keys);
  CLI::App* root_crl = ca_cmd->add_subcommand("root-crl", "sign the root's CRL (with an offline root key)");
  add_common(root_crl);
  anvil::app::CaRootCrlArgs root_crl_args;
  root_crl->add_option("--root-key", root_crl_args.root_key,
                       "the key of the root whose CRL is signed (default: the newest root's, in <data_dir>/ca)");
  root_crl->add_option("--validity", root_crl_args.validity, "nextUpdate - thisUpdate (default 30d, at most 365d)");

  CLI::App* eab_cmd = app.add_subcommand("eab", "External Account Binding keys (RFC 8555 §7.3.4)");
  eab_cmd->require_subcommand(1);
  CLI::App* eab_create = eab_cmd->add_subcommand(
      "create", "create an EAB key and print its kid and HMAC key (shown this once; audited)");
  add_common(eab_create);
  anvil::app::EabCreateArgs eab_args;
  eab_create->add_option("--kid", eab_args.kid, "key identifier (default: random)");
  eab_create->add_option("--label,--comment", eab_args.label, "who or what the key is for");
  eab_create->add_option("--policy", eab_args.policy, "a [policies.NAME] every account bound with it gets");
  eab_create->add_option("--expires-in", eab_args.expires_in, "the key expires after this duration (e.g. 7d)");
  eab_create->add_option("--uses", eab_args.uses, "accounts it may bind (default 1; 0: any number)");
  eab_create->add_option("--device", eab_args.device,
                         "an MDM's enrollment token for one device: its accounts may order only for this device "
                         "(permanent-identifier:SERIAL or hardware-module:SERIAL/OID; docs/device-attestation.md)");
  eab_create->add_flag("--json", eab_args.json, "print the key as JSON");
  CLI::App* eab_list = eab_cmd->add_subcommand("list", "list EAB keys: state, uses, policy, expiry, label");
  add_common(eab_list);
  bool eab_list_json = false;
  eab_list->add_flag("--json", eab_list_json, "JSON: {eab_keys: [...]}");
  CLI::App* eab_revoke = eab_cmd->add_subcommand("revoke", "revoke an EAB key: it binds no more accounts (audited)");
  add_common(eab_revoke);
  std::string eab_revoke_kid;
  eab_revoke->add_option("kid", eab_revoke_kid, "the key identifier")->required();

  CLI::App* policy_cmd = app.add_subcommand("policy", "the issuance policies (docs/policy.md)");
  policy_cmd->require_subcommand(1);
  CLI::App* policy_list =
      policy_cmd->add_subcommand("list", "every policy, configured or defined at run time, and its rules");
  add_common(policy_list);
  CLI::App* policy_define = policy_cmd->add_subcommand(
      "define", "define a named policy at run time (or replace its rules) from a JSON file (audited)");
  add_common(policy_define);
  std::string policy_name, policy_rules_file;
  policy_define->add_option("name", policy_name, "the policy's name")->required();
  policy_define->add_option("--rules-file", policy_rules_file, "a JSON object of rules (docs/policy.md)")->required();
  CLI::App* policy_delete = policy_cmd->add_subcommand(
      "delete", "delete a policy defined at run time; refused while anything binds it (audited)");
  add_common(policy_delete);
  policy_delete->add_option("name", policy_name, "the policy's name")->required();
  CLI::App* policy_explain = policy_cmd->add_subcommand(
      "explain", "which policies bind an account's request, and which rule decides (exit 2 when refused)");
  add_common(policy_explain);
  anvil::app::PolicyExplainArgs explain_args;
  policy_explain->add_option("--account", explain_args.account, "the account's id")->required();
  policy_explain->add_option("--name", explain_args.name, "a DNS name or IP address")->required();
  policy_explain->add_option("--profile", explain_args.profile, "the profile (default: default_profile)");
  policy_explain->add_option("--key-type", explain_args.key_type, "also ask about a key type (ec256 … ed25519)");

  CLI::App* audit_cmd = app.add_subcommand("audit", "the tamper-evident audit trail (docs/audit.md)");
  audit_cmd->require_subcommand(1);
  CLI::App* audit_verify = audit_cmd->add_subcommand(
      "verify", "check the hash chain and its anchors; names the first edited, deleted or reordered record");
  add_common(audit_verify);
  std::vector<std::string> audit_anchors;
  audit_verify->add_option("--anchor", audit_anchors,
                           "ID:HASH of a record kept outside the database (e.g. from an `audit anchor:` log "
                           "line); repeatable");
  CLI::App* audit_export = audit_cmd->add_subcommand("export", "write the records as JSON lines, for a SIEM");
  add_common(audit_export);
  anvil::app::AuditExportArgs export_args;
  audit_export->add_option("--since", export_args.since, "RFC 3339 time: records at or after it");
  audit_export->add_option("--after-id", export_args.after_id, "records after this id (to resume)");
  CLI::App* audit_head = audit_cmd->add_subcommand("head", "print the newest record as ID:HASH");
  add_common(audit_head);
  CLI::App* audit_anchor = audit_cmd->add_subcommand("anchor", "sign and store an anchor of the head now");
  add_common(audit_anchor);

  // The inventory (docs/inventory.md).
  CLI::App* cert_cmd = app.add_subcommand("cert", "the certificates this CA issued: list, show, revoke");
  cert_cmd->require_subcommand(1);
  CLI::App* cert_list = cert_cmd->add_subcommand("list", "list certificates, soonest expiry first, a page at a time");
  add_common(cert_list);
  anvil::app::CertListArgs cert_list_args;
  cert_list->add_option("--name-contains", cert_list_args.filter.name_contains, "a name contains this (3 characters or more)");
  cert_list->add_option("--name-suffix", cert_list_args.filter.name_suffix,
                        "a name ends with this (\".example.com\": its subdomains)");
  cert_list->add_option("--account", cert_list_args.filter.account, "issued to this account (its id)");
  cert_list->add_option("--profile", cert_list_args.filter.profile, "issued with this profile");
  cert_list->add_option("--status", cert_list_args.filter.status, "valid, expiring, expired or revoked");
  cert_list->add_option("--expiring-within", cert_list_args.expiring_within,
                        "expiring within this duration (e.g. 30d), not revoked and not replaced");
  cert_list->add_option("--issuer", cert_list_args.filter.issuer,
                        "issued under this CA key: the issuer ID `ca show` prints (hex, colons allowed)");
  cert_list->add_option("--order", cert_list_args.filter.order, "soonest (expiry, the default) or latest first");
  cert_list->add_option("--limit", cert_list_args.filter.limit, "at most this many (1-1000, default 100)");
  cert_list->add_option("--cursor", cert_list_args.filter.cursor, "continue after the page that printed this cursor");
  cert_list->add_flag("--json", cert_list_args.json, "JSON: {certificates: [...], next_cursor}");
  cert_list->add_flag("--csv", cert_list_args.csv, "CSV (RFC 4180) with a header line");
  CLI::App* cert_show = cert_cmd->add_subcommand("show", "one certificate: decoded, its chain, order and history");
  add_common(cert_show);
  anvil::app::CertShowArgs cert_show_args;
  cert_show->add_option("serial", cert_show_args.serial, "the serial (hex; colons allowed)")->required();
  cert_show->add_flag("--pem", cert_show_args.pem, "also print the certificate and its chain as PEM");
  CLI::App* cert_revoke = cert_cmd->add_subcommand("revoke", "revoke a certificate (audited; keyCompromise blocks its key)");
  add_common(cert_revoke);
  anvil::app::CertRevokeArgs cert_revoke_args;
  cert_revoke->add_option("serial", cert_revoke_args.serial, "the serial (hex; colons allowed)")->required();
  cert_revoke->add_option("--reason", cert_revoke_args.reason,
                          "unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation or "
                          "privilegeWithdrawn")
      ->required();
  cert_revoke->add_option("--note", cert_revoke_args.note, "free text for the audit log (a ticket, who asked)");

  CLI::App* account_cmd = app.add_subcommand("account", "ACME accounts: list, show, deactivate");
  account_cmd->require_subcommand(1);
  CLI::App* account_list = account_cmd->add_subcommand("list", "list accounts in creation order, a page at a time");
  add_common(account_list);
  anvil::app::AccountListArgs account_list_args;
  account_list->add_option("--limit", account_list_args.limit, "at most this many (1-1000, default 100)");
  account_list->add_option("--cursor", account_list_args.cursor, "continue after the page that printed this cursor");
  account_list->add_flag("--json", account_list_args.json, "JSON: {accounts: [...], next_cursor}");
  std::string account_id, account_note;
  CLI::App* account_show = account_cmd->add_subcommand("show", "one account: contacts, EAB key, certificates, history");
  add_common(account_show);
  account_show->add_option("id", account_id, "the account's id")->required();
  CLI::App* account_deactivate =
      account_cmd->add_subcommand("deactivate", "deactivate an account (RFC 8555 §7.3.6; audited)");
  add_common(account_deactivate);
  account_deactivate->add_option("id", account_id, "the account's id")->required();
  account_deactivate->add_option("--note", account_note, "free text for the audit log");
  CLI::App* account_set_policy = account_cmd->add_subcommand(
      "set-policy", "bind a [policies.NAME] to an account, on top of the others (audited)");
  add_common(account_set_policy);
  std::string account_policy;
  bool account_policy_clear = false;
  account_set_policy->add_option("id", account_id, "the account's id")->required();
  auto* policy_option = account_set_policy->add_option("policy", account_policy, "the policy's name");
  account_set_policy->add_flag("--clear", account_policy_clear, "unbind the account's own policy")
      ->excludes(policy_option);

  // The admin API's credentials (docs/admin-api.md).
  CLI::App* admin_cmd = app.add_subcommand("admin", "credentials of the admin API: client certificates and tokens");
  admin_cmd->require_subcommand(1);
  CLI::App* admin_cert = admin_cmd->add_subcommand("cert", "administrators' client certificates");
  admin_cert->require_subcommand(1);
  CLI::App* admin_cert_issue =
      admin_cert->add_subcommand("issue", "issue a key and client certificate from the CA and record it");
  add_common(admin_cert_issue);
  anvil::app::AdminCertIssueArgs admin_cert_args;
  admin_cert_issue->add_option("--name", admin_cert_args.name, "the administrator's name (unique)")->required();
  admin_cert_issue->add_option("--role", admin_cert_args.role, "viewer, operator or admin (default viewer)");
  admin_cert_issue->add_option("--out", admin_cert_args.out_dir, "directory for NAME.key, NAME.crt, NAME.fullchain.pem")
      ->required();
  admin_cert_issue->add_option("--validity", admin_cert_args.validity, "how long it is valid (default 90d)");
  CLI::App* admin_token = admin_cmd->add_subcommand("token", "bearer tokens");
  admin_token->require_subcommand(1);
  CLI::App* admin_token_create =
      admin_token->add_subcommand("create", "print a new bearer token once and record its SHA-256");
  add_common(admin_token_create);
  anvil::app::AdminTokenCreateArgs admin_token_args;
  admin_token_create->add_option("--name", admin_token_args.name, "the credential's name (unique)")->required();
  admin_token_create->add_option("--role", admin_token_args.role, "viewer, operator or admin (default viewer)");
  CLI::App* admin_list = admin_cmd->add_subcommand("list", "list the admin credentials, revoked ones included");
  add_common(admin_list);
  bool admin_list_json = false;
  admin_list->add_flag("--json", admin_list_json, "JSON array");
  CLI::App* admin_revoke = admin_cmd->add_subcommand("revoke", "revoke an admin credential at once");
  add_common(admin_revoke);
  std::string admin_name;
  admin_revoke->add_option("name", admin_name, "the credential's name")->required();

  // Outgoing webhooks (docs/webhooks.md).
  CLI::App* webhook_cmd = app.add_subcommand("webhook", "outgoing webhooks (authorization, expiry notices)");
  webhook_cmd->require_subcommand(1);
  CLI::App* webhook_secret =
      webhook_cmd->add_subcommand("new-secret", "print a new webhook secret (whsec_…) for a secret_file and its receiver");

  CLI11_PARSE(app, argc, argv);

  if (example->parsed()) {
    std::cout << anvil::config::ExampleConfig();
    return 0;
  }
  if (webhook_secret->parsed()) return anvil::app::NewWebhookSecretCommand();
  auto config = LoadConfig(config_path, data_dir);
  if (!config.ok()) return Fail("configuration", config.status());
  if (check->parsed()) {
    std::cout << "configuration OK\n";
    return 0;
  }
  // Every command below may read or make a key (or an EAB HMAC key): protect them before the first.
  auto protection = ProtectKeysInMemory(allow_core_dumps);
  if (!protection.ok()) return Fail("secure heap", protection.status());
  if (serve->parsed()) {
    if (Status s = anvil::app::SetUpLogging(config->log.format, config->log.level); !s.ok()) {
      return Fail("logging", s);
    }
    spdlog::info("{}", *protection);
    return anvil::app::Serve(*config);
  }
  if (init->parsed()) return anvil::app::CaInit(*config, init_args);
  if (show->parsed()) return anvil::app::CaShow(*config);
  if (rotate->parsed()) return anvil::app::CaRotate(*config, rotate_args);
  if (rollover->parsed()) return anvil::app::CaRolloverRoot(*config, rollover_args);
  if (retire->parsed()) return anvil::app::CaRetire(*config, retire_args);
  if (root_crl->parsed()) return anvil::app::CaRootCrl(*config, root_crl_args);
  if (encrypt_keys->parsed()) return anvil::app::CaEncryptKeys(*config);
  if (import_inventory->parsed()) return anvil::app::CaImportInventory(*config, inventory_args);
  if (audit_verify->parsed()) return anvil::app::AuditVerify(*config, audit_anchors);
  if (audit_export->parsed()) return anvil::app::AuditExport(*config, export_args);
  if (audit_head->parsed()) return anvil::app::AuditHead(*config);
  if (audit_anchor->parsed()) return anvil::app::AuditAnchorNow(*config);
  if (admin_cert_issue->parsed()) return anvil::app::AdminCertIssue(*config, admin_cert_args);
  if (admin_token_create->parsed()) return anvil::app::AdminTokenCreate(*config, admin_token_args);
  if (admin_list->parsed()) return anvil::app::AdminList(*config, admin_list_json);
  if (admin_revoke->parsed()) return anvil::app::AdminRevoke(*config, admin_name);
  if (cert_list->parsed()) return anvil::app::CertList(*config, cert_list_args);
  if (cert_show->parsed()) return anvil::app::CertShow(*config, cert_show_args);
  if (cert_revoke->parsed()) return anvil::app::CertRevoke(*config, cert_revoke_args);
  if (account_list->parsed()) return anvil::app::AccountList(*config, account_list_args);
  if (account_show->parsed()) return anvil::app::AccountShow(*config, account_id);
  if (account_deactivate->parsed()) return anvil::app::AccountDeactivate(*config, account_id, account_note);
  if (account_set_policy->parsed()) {
    if (account_policy.empty() && !account_policy_clear) {
      return Fail("account set-policy", Status(anvil::Code::kInvalidArgument, "name a policy, or --clear"));
    }
    return anvil::app::AccountSetPolicy(*config, account_id, account_policy);
  }
  if (eab_create->parsed()) return anvil::app::EabCreate(*config, eab_args);
  if (eab_list->parsed()) return anvil::app::EabList(*config, eab_list_json);
  if (eab_revoke->parsed()) return anvil::app::EabRevoke(*config, eab_revoke_kid);
  if (policy_list->parsed()) return anvil::app::PolicyList(*config);
  if (policy_define->parsed()) return anvil::app::PolicyDefine(*config, policy_name, policy_rules_file);
  if (policy_delete->parsed()) return anvil::app::PolicyDelete(*config, policy_name);
  if (policy_explain->parsed()) return anvil::app::PolicyExplain(*config, explain_args);
  return 0;
}
