#include "agent/state_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

// toml++ without exceptions, header-only, exactly as src/config/config.cc compiles it (same macros, so the
// inline definitions are identical and ABI-namespaced to toml::v3::noex).
#undef TOML_SHARED_LIB
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "base/file.h"
#include "base/toml_guard.h"

namespace anvil::agent {
namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kPublicMode = 0644;
constexpr char kMarker[] = "installing";
const char* const kLineageFiles[] = {"cert.pem", "chain.pem", "fullchain.pem", "key.pem"};

Status Errno(const std::string& what, const std::string& path) {
  return Error(Code::kIo, what + " " + path + ": " + std::strerror(errno));
}

mode_t ModeFor(std::string_view file) { return file == "key.pem" ? kKeyMode : kPublicMode; }

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return Errno("cannot list", dir);
  }
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Status RemoveIfExists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path);
  return Status::Ok();
}

// Copies every lineage file of `from` (those present) into `to` atomically, keeping modes.
Status CopyLineageFiles(const std::string& from, const std::string& to) {
  ANVIL_RETURN_IF_ERROR(MakeDirectories(to, kDirMode));
  for (const char* f : kLineageFiles) {
    auto data = ReadFile(from + "/" + f);
    if (!data.ok()) {
      if (data.status().code() == Code::kNotFound) continue;
      return data.status();
    }
    ANVIL_RETURN_IF_ERROR(WriteFileAtomic(to + "/" + f, *data, ModeFor(f)));
  }
  return Status::Ok();
}

std::string TomlString(const toml::table& t, std::string_view key) { return t[key].value_or(std::string()); }
int TomlInt(const toml::table& t, std::string_view key) {
  return static_cast<int>(t[key].value_or(int64_t{0}));
}

}  // namespace

std::string StateDir::DefaultRoot() {
  if (::geteuid() == 0) return "/var/lib/anvil";
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/anvil";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && home[0] ? home : ".") + "/.local/share/anvil";
}

Result<StateDir> StateDir::Open(std::string root, bool complete_installs) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty()) return Error(Code::kInvalidArgument, "empty state directory");
  ANVIL_RETURN_IF_ERROR(MakeDirectories(root + "/accounts", kDirMode));
  ANVIL_RETURN_IF_ERROR(MakeDirectories(root + "/lineages", kDirMode));
  StateDir dir(root);
  if (!complete_installs) return dir;
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> names, dir.ListLineages());
  for (const auto& name : names) {
    LineageFiles files = dir.Files(name);
    if (FileExists(files.dir + "/" + kMarker)) ANVIL_RETURN_IF_ERROR(dir.CompleteInstall(files));
  }
  return dir;
}

std::string StateDir::ServerKey(const std::string& directory_url) {
  std::string_view rest = directory_url;
  if (auto p = rest.find("://"); p != std::string_view::npos) rest.remove_prefix(p + 3);
  rest = rest.substr(0, rest.find('/'));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string out;
  for (char c : rest) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    out += ok ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
  }
  return out.empty() ? "_" : out;
}

Result<std::optional<AccountRecord>> StateDir::FindAccount(const std::string& directory_url) const {
  std::string server_dir = root_ + "/accounts/" + ServerKey(directory_url);
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> thumbprints, ListDir(server_dir));
  for (const auto& tp : thumbprints) {
    std::string dir = server_dir + "/" + tp;
    auto json_text = ReadFile(dir + "/account.json");
    auto key = ReadFile(dir + "/key.pem");
    if (!json_text.ok() || !key.ok()) continue;  // A half-written account (crash before account.json): skip.
    auto parsed = AccountFromJson(*json_text, directory_url);
    if (!parsed.ok()) return Error(parsed.status().code(), dir + "/" + parsed.status().message());
    if (!*parsed) continue;
    AccountRecord r = std::move(**parsed);
    r.thumbprint = tp;
    r.key_pem = *key;
    return std::optional<AccountRecord>(std::move(r));
  }
  return std::optional<AccountRecord>();
}

Status StateDir::SaveAccount(const AccountRecord& record) {
  if (record.thumbprint.empty() || record.thumbprint.find('/') != std::string::npos ||
      record.thumbprint[0] == '.') {
    return Error(Code::kInvalidArgument, "bad account thumbprint");
  }
  std::string dir = root_ + "/accounts/" + ServerKey(record.directory_url) + "/" + record.thumbprint;
  ANVIL_RETURN_IF_ERROR(MakeDirectories(dir, kDirMode));
  // The key first: an account.json without its key would be an account we cannot use.
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(dir + "/key.pem", record.key_pem, kKeyMode));
  nlohmann::json j = {{"directory", record.directory_url}, {"url", record.url}, {"account", record.account}};
  return WriteFileAtomic(dir + "/account.json", j.dump(2) + "\n", kKeyMode);
}

Status StateDir::ReplaceAccount(const AccountRecord& old_record, const AccountRecord& new_record) {
  ANVIL_RETURN_IF_ERROR(SaveAccount(new_record));
  if (old_record.thumbprint == new_record.thumbprint) return Status::Ok();
  std::string old_dir =
      root_ + "/accounts/" + ServerKey(old_record.directory_url) + "/" + old_record.thumbprint;
  ANVIL_RETURN_IF_ERROR(RemoveIfExists(old_dir + "/account.json"));
  ANVIL_RETURN_IF_ERROR(RemoveIfExists(old_dir + "/key.pem"));
  ::rmdir(old_dir.c_str());
  return Status::Ok();
}

bool StateDir::IsValidLineageName(std::string_view name) {
  if (name.empty() || name.size() > 200 || name == "." || name == ".." || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
  });
}

LineageFiles StateDir::Files(const std::string& name) const {
  LineageFiles f;
  f.dir = root_ + "/lineages/" + name;
  f.cert = f.dir + "/cert.pem";
  f.chain = f.dir + "/chain.pem";
  f.fullchain = f.dir + "/fullchain.pem";
  f.key = f.dir + "/key.pem";
  f.config = f.dir + "/lineage.toml";
  f.previous_dir = f.dir + "/previous";
  return f;
}

Result<std::vector<std::string>> StateDir::ListLineages() const {
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> entries, ListDir(root_ + "/lineages"));
  std::vector<std::string> out;
  for (auto& e : entries) {
    if (IsValidLineageName(e)) out.push_back(std::move(e));
  }
  return out;
}

Result<LineageConfig> StateDir::LoadLineage(const std::string& name) const {
  if (!IsValidLineageName(name)) return Error(Code::kInvalidArgument, "bad lineage name '" + name + "'");
  LineageFiles f = Files(name);
  auto text = ReadFile(f.config);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound)
      return Error(Code::kNotFound, "no lineage named '" + name + "'");
    return text.status();
  }
  ANVIL_ASSIGN_OR_RETURN(LineageConfig c, LineageFromToml(*text, f.config));
  c.name = name;
  return c;
}

Status StateDir::SaveLineage(const LineageConfig& config) {
  if (!IsValidLineageName(config.name))
    return Error(Code::kInvalidArgument, "bad lineage name '" + config.name + "'");
  LineageFiles f = Files(config.name);
  ANVIL_RETURN_IF_ERROR(MakeDirectories(f.dir, kDirMode));
  return WriteFileAtomic(f.config, LineageToToml(config), 0600);
}

Status StateDir::CompleteInstall(const LineageFiles& files) {
  std::string next = files.dir + "/next";
  for (const char* name : kLineageFiles) {
    std::string from = next + "/" + name;
    std::string to = files.dir + "/" + name;
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) return Errno("cannot rename", from);
  }
  SyncDir(files.dir);
  ANVIL_RETURN_IF_ERROR(RemoveIfExists(files.dir + "/" + kMarker));
  ::rmdir(next.c_str());
  SyncDir(files.dir);
  return Status::Ok();
}

Status StateDir::Install(const std::string& name, const std::string& cert_pem, const std::string& chain_pem,
                         const std::string& key_pem) {
  if (!IsValidLineageName(name)) return Error(Code::kInvalidArgument, "bad lineage name '" + name + "'");
  LineageFiles f = Files(name);
  ANVIL_RETURN_IF_ERROR(MakeDirectories(f.dir, kDirMode));
  if (FileExists(f.dir + "/" + kMarker)) ANVIL_RETURN_IF_ERROR(CompleteInstall(f));
  // 1. The complete new set in next/ (a crash here leaves the current set untouched).
  std::string next = f.dir + "/next";
  ANVIL_RETURN_IF_ERROR(MakeDirectories(next, kDirMode));
  std::string fullchain = cert_pem;
  if (!fullchain.empty() && fullchain.back() != '\n') fullchain += '\n';
  fullchain += chain_pem;
  if (!key_pem.empty()) ANVIL_RETURN_IF_ERROR(WriteFileAtomic(next + "/key.pem", key_pem, kKeyMode));
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(next + "/cert.pem", cert_pem, kPublicMode));
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(next + "/chain.pem", chain_pem, kPublicMode));
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(next + "/fullchain.pem", fullchain, kPublicMode));
  // 2. The current set into previous/ (only if there is one).
  if (FileExists(f.cert)) ANVIL_RETURN_IF_ERROR(CopyLineageFiles(f.dir, f.previous_dir));
  // 3. The marker commits the install; 4. the renames carry it out (redone by Open after a crash).
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(f.dir + "/" + kMarker, "", 0600));
  return CompleteInstall(f);
}

Status StateDir::Rollback(const std::string& name) {
  if (!IsValidLineageName(name)) return Error(Code::kInvalidArgument, "bad lineage name '" + name + "'");
  LineageFiles f = Files(name);
  if (!FileExists(f.previous_dir + "/cert.pem")) {
    return Error(Code::kNotFound, "lineage '" + name + "' has no previous certificate");
  }
  std::string next = f.dir + "/next";
  ANVIL_RETURN_IF_ERROR(CopyLineageFiles(f.previous_dir, next));
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(f.dir + "/" + kMarker, "", 0600));
  return CompleteInstall(f);
}

Result<std::optional<AccountRecord>> AccountFromJson(std::string_view text, const std::string& directory_url) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return Error(Code::kIo, "account.json is not valid JSON");
  // Each member is read only with the type SaveAccount writes: nlohmann's value() throws on a member of
  // another type, and a hand-edited or corrupted file must not end the agent with an exception.
  auto string_member = [](const nlohmann::json& object, const char* key) -> std::optional<std::string> {
    auto it = object.find(key);
    if (it == object.end()) return std::string();
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  AccountRecord r;
  auto directory = string_member(j, "directory");
  auto url = string_member(j, "url");
  if (!directory || !url) return Error(Code::kIo, "account.json: \"directory\" and \"url\" must be strings");
  r.directory_url = j.contains("directory") ? *directory : directory_url;
  if (r.directory_url != directory_url) return std::optional<AccountRecord>();
  r.url = *url;
  r.account = j.contains("account") ? j["account"] : nlohmann::json::object();
  if (r.url.empty()) return std::optional<AccountRecord>();
  if (r.account.is_object() && string_member(r.account, "status") == "deactivated") {
    return std::optional<AccountRecord>();
  }
  return std::optional<AccountRecord>(std::move(r));
}

std::string LineageToToml(const LineageConfig& c) {
  toml::table t;
  t.insert("server", c.server);
  toml::array names;
  for (const auto& n : c.names) names.push_back(n);
  t.insert("names", std::move(names));
  t.insert("key_type", c.key_type);
  t.insert("reuse_key", c.reuse_key);
  if (!c.csr.empty()) t.insert("csr", c.csr);
  t.insert("challenge", c.challenge);
  auto put = [&t](std::string_view key, const std::string& v) {
    if (!v.empty()) t.insert(key, v);
  };
  auto put_int = [&t](std::string_view key, int v) {
    if (v != 0) t.insert(key, int64_t{v});
  };
  put("http_address", c.http_address);
  put_int("http_port", c.http_port);
  put("webroot", c.webroot);
  put("dns_hook", c.dns_hook);
  put_int("dns_propagation_seconds", c.dns_propagation_seconds);
  if (c.challenge == "dns-01") t.insert("dns_propagation_timeout", int64_t{c.dns_propagation_timeout});
  if (!c.dns_resolvers.empty()) {
    toml::array resolvers;
    for (const auto& r : c.dns_resolvers) resolvers.push_back(r);
    t.insert("dns_resolvers", std::move(resolvers));
  }
  put("rfc2136_server", c.rfc2136_server);
  put("rfc2136_zone", c.rfc2136_zone);
  put("tsig_key", c.tsig_key);
  put("tls_alpn_address", c.tls_alpn_address);
  put_int("tls_alpn_port", c.tls_alpn_port);
  put("profile", c.profile);
  put("preferred_chain", c.preferred_chain);
  put("ca_bundle", c.ca_bundle);
  put("deploy_hook", c.deploy_hook);
  put("last_attempt", c.last_attempt);
  put("last_result", c.last_result);
  put("ari_window", c.ari_window);
  put("next_renewal", c.next_renewal);
  std::ostringstream out;
  out << "# anvil lineage '" << c.name << "': read by `anvil renew`. Edit with care.\n" << t << "\n";
  return out.str();
}

Result<LineageConfig> LineageFromToml(std::string_view text, const std::string& source) {
  // toml++ 3.3 has undefined behaviour on some invalid text (base/toml_guard.h): refused before it sees it.
  if (Status lexical = CheckTomlText(text); !lexical.ok()) {
    return Error(Code::kInvalidArgument, source + ": " + lexical.message());
  }
  toml::parse_result parsed = toml::parse(text, source);
  if (!parsed) {
    const auto& e = parsed.error();
    return Error(Code::kInvalidArgument,
                 source + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  const toml::table& t = parsed.table();
  LineageConfig c;
  c.server = TomlString(t, "server");
  if (const toml::array* names = t["names"].as_array()) {
    for (const auto& n : *names) {
      if (auto s = n.value<std::string>()) c.names.push_back(*s);
    }
  }
  c.key_type = t["key_type"].value_or(std::string("ec256"));
  c.reuse_key = t["reuse_key"].value_or(false);
  c.csr = TomlString(t, "csr");
  c.challenge = TomlString(t, "challenge");
  c.http_address = TomlString(t, "http_address");
  c.http_port = TomlInt(t, "http_port");
  c.webroot = TomlString(t, "webroot");
  c.dns_hook = TomlString(t, "dns_hook");
  c.dns_propagation_seconds = TomlInt(t, "dns_propagation_seconds");
  c.dns_propagation_timeout = static_cast<int>(t["dns_propagation_timeout"].value_or(int64_t{120}));
  if (const toml::array* resolvers = t["dns_resolvers"].as_array()) {
    for (const auto& r : *resolvers) {
      if (auto s = r.value<std::string>()) c.dns_resolvers.push_back(*s);
    }
  }
  c.rfc2136_server = TomlString(t, "rfc2136_server");
  c.rfc2136_zone = TomlString(t, "rfc2136_zone");
  c.tsig_key = TomlString(t, "tsig_key");
  c.tls_alpn_address = TomlString(t, "tls_alpn_address");
  c.tls_alpn_port = TomlInt(t, "tls_alpn_port");
  c.profile = TomlString(t, "profile");
  c.preferred_chain = TomlString(t, "preferred_chain");
  c.ca_bundle = TomlString(t, "ca_bundle");
  c.deploy_hook = TomlString(t, "deploy_hook");
  c.last_attempt = TomlString(t, "last_attempt");
  c.last_result = TomlString(t, "last_result");
  c.ari_window = TomlString(t, "ari_window");
  c.next_renewal = TomlString(t, "next_renewal");
  if (c.server.empty()) return Error(Code::kInvalidArgument, source + ": 'server' is missing");
  if (c.names.empty()) return Error(Code::kInvalidArgument, source + ": 'names' is missing or empty");
  return c;
}

}  // namespace anvil::agent
