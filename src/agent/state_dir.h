// StateDir: the agent's on-disk state — ACME accounts and certificate lineages — with crash-safe updates.
//
// Layout (docs/agent.md):
//   <root>/accounts/<server>/<thumbprint>/account.json   {"url", "directory", "contact", ...}
//   <root>/accounts/<server>/<thumbprint>/key.pem        account key, 0600
//   <root>/lineages/<name>/lineage.toml                  what `renew` needs: server, names, key type, solver,
//   ... <root>/lineages/<name>/{cert,chain,fullchain}.pem    0644;  key.pem 0600
//   <root>/lineages/<name>/previous/                     the files the last install replaced (rollback)
// <server> is the directory URL's host, with "_PORT" when it has a port.
//
// Every file is written atomically (temp file + fsync + rename). Installing a new certificate is a small
// journal: the new files are first written complete into next/, the current ones copied to previous/, then a
// marker `installing` is written and the files are renamed into place; an interrupted install is completed by
// the next Open(). A crash before the marker leaves the old certificate and key in place and matching.
//
// Thread-safety: thread-compatible; one process at a time may change a state directory: the CLI holds its
// StateLock (state_lock.h) for every command that writes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace anvil::agent {

struct AccountRecord {
  std::string directory_url;
  std::string url;  // kid
  std::string key_pem;
  std::string thumbprint;
  nlohmann::json account;  // The server's account object as last seen.
};

// Everything `renew` needs to repeat an issuance without arguments.
struct LineageConfig {
  std::string name;
  std::string server;              // directory URL
  std::vector<std::string> names;  // identifiers as given (DNS names, "*.wildcards", IP addresses)
  std::string key_type = "ec256";
  bool reuse_key = false;
  std::string csr;        // Path of the user's own CSR (PEM); then no key is generated or installed.
  std::string challenge;  // "http-01" | "dns-01" | "tls-alpn-01"
  // Solver options.
  std::string http_address;
  int http_port = 0;
  std::string webroot;
  std::string dns_hook;
  int dns_propagation_seconds = 0;    // dns-01: a fixed wait after the record is visible
  int dns_propagation_timeout = 120;  // dns-01: how long to wait for the record to be visible; 0 = no check
  std::vector<std::string> dns_resolvers;  // dns-01: "ADDR[:PORT]" asked by that check (default in issuer.h)
  std::string rfc2136_server;  // "ADDR" or "ADDR:PORT" ("[v6]:PORT"); dns-01 by RFC 2136 instead of a hook
  std::string rfc2136_zone;
  std::string tsig_key;  // [ALG:]NAME:SECRET or a BIND key file (lineage.toml is 0600)
  std::string tls_alpn_address;
  int tls_alpn_port = 0;
  // Issuance options.
  std::string profile;
  std::string preferred_chain;
  std::string ca_bundle;
  std::string deploy_hook;
  // Last renewal outcome (informational).
  std::string last_attempt;  // RFC 3339
  std::string last_result;   // "ok" or a one-line error
  std::string ari_window;    // The server's last suggested renewal window "START .. END" (RFC 9773), if any
  std::string next_renewal;  // When the last check found it due (RFC 3339)
};

struct LineageFiles {
  std::string dir, cert, chain, fullchain, key, config, previous_dir;
};

class StateDir {
 public:
  // The default root: /var/lib/anvil for root, else $XDG_DATA_HOME/anvil, else ~/.local/share/anvil.
  static std::string DefaultRoot();
  // Creates the root (0700) and its subdirectories if missing; completes any interrupted install unless
  // `complete_installs` is false (a reader that does not hold the StateLock must leave that to the holder,
  // which may be in the middle of one).
  static Result<StateDir> Open(std::string root, bool complete_installs = true);

  const std::string& root() const { return root_; }

  // "acme.example.com_8443" for "https://acme.example.com:8443/dir".
  static std::string ServerKey(const std::string& directory_url);

  // Accounts. FindAccount returns the first stored account for the server (sorted by thumbprint) or nullopt.
  Result<std::optional<AccountRecord>> FindAccount(const std::string& directory_url) const;
  Status SaveAccount(const AccountRecord& record);
  // Moves an account's files to a new thumbprint directory (after key rollover): writes the new, removes the
  // old.
  Status ReplaceAccount(const AccountRecord& old_record, const AccountRecord& new_record);

  // Lineages. Names are [A-Za-z0-9._-]+ and not "." or "..".
  static bool IsValidLineageName(std::string_view name);
  LineageFiles Files(const std::string& name) const;
  Result<std::vector<std::string>> ListLineages() const;
  Result<LineageConfig> LoadLineage(const std::string& name) const;
  Status SaveLineage(const LineageConfig& config);
  // Installs a new certificate (leaf PEM), its chain (PEM, may be empty) and key (PEM; empty when the user
  // brought a CSR: key.pem is then left alone), keeping the current files in previous/. Creates the lineage
  // directory.
  Status Install(const std::string& name, const std::string& cert_pem, const std::string& chain_pem,
                 const std::string& key_pem);
  // Puts previous/ back in place (after a failed deploy hook). kNotFound when there is no previous version.
  Status Rollback(const std::string& name);

 private:
  explicit StateDir(std::string root) : root_(std::move(root)) {}
  Status CompleteInstall(const LineageFiles& files);

  std::string root_;
};

// An account's account.json as SaveAccount writes it: the record without thumbprint and key, or nullopt when
// the file is for another directory URL, has no account URL or the account is deactivated (skipped). kIo
// when it is not a JSON object or "directory" or "url" is not a string. Exposed for tests and the fuzz target.
Result<std::optional<AccountRecord>> AccountFromJson(std::string_view text, const std::string& directory_url);

// TOML text of a lineage config and back (exposed for tests).
std::string LineageToToml(const LineageConfig& config);
Result<LineageConfig> LineageFromToml(std::string_view text, const std::string& source);

}  // namespace anvil::agent
