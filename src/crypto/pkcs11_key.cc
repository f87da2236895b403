// Keys in a PKCS #11 token through OpenSSL's pkcs11 engine (crypto/pkcs11_key.h).
//
// The ENGINE API is deprecated in OpenSSL 3 (providers replace it), and Debian 12 has no pkcs11-provider; it is
// used here and nowhere else, and this file alone is built with deprecation warnings off (crypto/CMakeLists.txt).
// Keys are named by RFC 7512 URIs, which pkcs11-provider takes unchanged through OSSL_STORE: moving to it
// replaces this file and nothing else.
#include "crypto/pkcs11_key.h"

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ui.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#include "crypto/internal.h"

namespace anvil::crypto {

using internal::Access;
using internal::DrainErrors;
using internal::ErrorWithOpenSsl;
using internal::EvpPkeyPtr;

namespace {

constexpr std::string_view kScheme = "pkcs11:";

// The path attributes of a URI (RFC 7512 §2.3: "pkcs11:" path ["?" query], path attributes separated by ';',
// query attributes by '&'), as name=value text, in order.
struct UriParts {
  std::vector<std::string> path;   // "token=anvil", "object=intermediate-2", ...
  std::vector<std::string> query;  // "module-path=...", ...
};

UriParts SplitUri(std::string_view uri) {
  UriParts parts;
  uri.remove_prefix(kScheme.size());
  const size_t question = uri.find('?');
  auto split = [](std::string_view text, char separator, std::vector<std::string>& out) {
    while (!text.empty()) {
      const size_t end = text.find(separator);
      if (end != 0) out.emplace_back(text.substr(0, end));
      if (end == std::string_view::npos) break;
      text.remove_prefix(end + 1);
    }
  };
  split(uri.substr(0, question), ';', parts.path);
  if (question != std::string_view::npos) split(uri.substr(question + 1), '&', parts.query);
  return parts;
}

std::string_view NameOf(std::string_view attribute) { return attribute.substr(0, attribute.find('=')); }

bool Has(const std::vector<std::string>& attributes, std::string_view name) {
  for (const std::string& a : attributes) {
    if (NameOf(a) == name) return true;
  }
  return false;
}

// The URI of the token alone: the path attributes without object, id and type. Loading it finds any private
// key in that token, which tells "no such token" from "no such object in it" after a failed load.
std::string TokenUri(std::string_view uri) {
  std::string out(kScheme);
  bool first = true;
  for (const std::string& a : SplitUri(uri).path) {
    const std::string_view name = NameOf(a);
    if (name == "object" || name == "id" || name == "type") continue;
    if (!first) out += ';';
    out += a;
    first = false;
  }
  return out;
}

// The loaded engines, one per module path. Never freed (docs: the keys refer to their engine until the process
// ends; C_Finalize under a signing thread is undefined); reachable from a static pointer, so leak checkers
// count it as in use.
struct Engines {
  std::mutex mu;  // guards `by_module` and every engine control and key load (libp11 keeps the PIN per engine)
  std::map<std::string, ENGINE*> by_module;
};

Engines& LoadedEngines() {
  static Engines* const engines = new Engines;
  return *engines;
}

// Refuses every prompt: a key that needs a PIN the engine was not given fails instead of reading the terminal
// of a server.
int RefusePrompt(UI* /*ui*/, UI_STRING* /*text*/) { return -1; }

struct UiMethodDeleter {
  void operator()(UI_METHOD* m) const { UI_destroy_method(m); }
};

// The engine for `module_path`, loaded and initialised on first use. Called with Engines::mu held.
Result<ENGINE*> EngineFor(Engines& engines, const std::string& module_path) {
  if (auto it = engines.by_module.find(module_path); it != engines.by_module.end()) return it->second;
  // ENGINE_by_id finds a built-in engine or loads ENGINESDIR/pkcs11.so (OPENSSL_ENGINES overrides the
  // directory) through the dynamic engine.
  ENGINE* engine = ENGINE_by_id("pkcs11");
  if (engine == nullptr) {
    return ErrorWithOpenSsl(Code::kUnavailable,
                            "OpenSSL's pkcs11 engine is not installed (Debian: libengine-pkcs11-openssl; "
                            "OPENSSL_ENGINES may name the directory of its pkcs11.so)");
  }
  // Never a default engine: ENGINE_register_all_complete, which OPENSSL_init_crypto runs with the engine
  // flags, would otherwise make libp11's EC and RSA methods the default ones for every key. In anvil-ca the VA's
  // curl_global_init calls it (through OPENSSL_init_ssl; seen with gdb on ENGINE_register_all_complete), after
  // the CA's keys are loaded, and X509_CRL_sign and OCSP_basic_sign_ctx with a key from a file then failed
  // ("command not supported"; found by interop.ca_hsm, generation 1's CRL beside generation 2's token key).
  // Only the keys loaded through the engine use it.
  ENGINE_set_flags(engine, ENGINE_get_flags(engine) | ENGINE_FLAGS_NO_REGISTER_ALL);
  // QUIET: libp11 would otherwise print its own diagnostics on stderr; ours are in the Status. Older libp11
  // versions lack it, which changes nothing else.
  if (ENGINE_ctrl_cmd_string(engine, "QUIET", nullptr, 1) != 1) DrainErrors();
  if (ENGINE_ctrl_cmd_string(engine, "MODULE_PATH", module_path.c_str(), 0) != 1 || ENGINE_init(engine) != 1) {
    ENGINE_free(engine);
    return ErrorWithOpenSsl(Code::kUnavailable, "the pkcs11 engine cannot use the PKCS #11 module " + module_path);
  }
  ENGINE_free(engine);  // the functional reference from ENGINE_init keeps it
  engines.by_module.emplace(module_path, engine);
  return engine;
}

// The OpenSSL errors of this thread, oldest first, as their reason strings; the queue is emptied.
std::vector<std::string> TakeReasons() {
  std::vector<std::string> out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    out.emplace_back(reason != nullptr ? reason : "");
  }
  return out;
}

bool Contains(const std::vector<std::string>& reasons, std::string_view reason) {
  for (const std::string& r : reasons) {
    if (r == reason) return true;
  }
  return false;
}

}  // namespace

bool IsPkcs11Uri(std::string_view text) { return text.substr(0, kScheme.size()) == kScheme; }

Status CheckPkcs11KeyUri(std::string_view uri) {
  const auto bad = [&](const std::string& why) {
    return Status(Code::kInvalidArgument, "PKCS #11 URI \"" + std::string(uri) + "\": " + why);
  };
  if (!IsPkcs11Uri(uri)) return bad("must start with pkcs11: (RFC 7512)");
  for (const char c : uri) {
    if (c <= 0x20 || c >= 0x7f) return bad("spaces and other characters outside printable ASCII must be %-encoded");
  }
  const UriParts parts = SplitUri(uri);
  if (Has(parts.path, "pin-value") || Has(parts.path, "pin-source") || Has(parts.query, "pin-value") ||
      Has(parts.query, "pin-source")) {
    return Status(Code::kInvalidArgument,
                  "a PKCS #11 URI given to anvil-ca must carry no PIN (pin-value, pin-source): it is kept in the "
                  "data directory; the PIN comes from ca.pkcs11_pin");
  }
  if (!Has(parts.path, "token") && !Has(parts.path, "serial") && !Has(parts.path, "slot-id")) {
    return bad("name the token (token=LABEL, serial= or slot-id=)");
  }
  if (!Has(parts.path, "object") && !Has(parts.path, "id")) return bad("name the key (object=LABEL or id=)");
  for (const std::string& a : parts.path) {
    if (NameOf(a) == "type" && a != "type=private") return bad("type must be private");
  }
  return Status::Ok();
}

Result<PrivateKey> LoadPkcs11Key(const std::string& uri, const std::string& module_path, const std::string& pin) {
  ANVIL_RETURN_IF_ERROR(CheckPkcs11KeyUri(uri));
  if (pin.empty()) return Error(Code::kInvalidArgument, "no PIN for the token of " + uri);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(module_path, ec)) {
    return Error(Code::kNotFound, "no PKCS #11 module at " + module_path);
  }
  std::unique_ptr<UI_METHOD, UiMethodDeleter> no_prompt(UI_create_method("anvil: no prompt"));
  if (!no_prompt || UI_method_set_reader(no_prompt.get(), RefusePrompt) != 0) {
    return ErrorWithOpenSsl(Code::kInternal, "UI_create_method failed");
  }

  Engines& engines = LoadedEngines();
  std::lock_guard lock(engines.mu);
  DrainErrors();
  ANVIL_ASSIGN_OR_RETURN(ENGINE * engine, EngineFor(engines, module_path));
  if (ENGINE_ctrl_cmd_string(engine, "PIN", pin.c_str(), 0) != 1) {
    DrainErrors();
    return Error(Code::kInternal, "the pkcs11 engine refused the PIN control");
  }
  EvpPkeyPtr pkey(ENGINE_load_private_key(engine, uri.c_str(), no_prompt.get(), nullptr));
  if (pkey) {
    DrainErrors();
    Result<PrivateKey> key = Access::WrapPrivate(std::move(pkey), /*in_token=*/true);
    if (!key.ok()) return Error(key.status().code(), uri + ": " + key.status().message());
    return key;
  }
  const std::vector<std::string> reasons = TakeReasons();
  if (Contains(reasons, "PIN incorrect") || Contains(reasons, "PIN len range")) {
    return Error(Code::kUnauthorized, "the token of " + uri + " refused the PIN");
  }
  if (Contains(reasons, "PIN locked")) {
    return Error(Code::kUnauthorized, "the PIN of the token of " + uri + " is locked (too many wrong PINs)");
  }
  if (Contains(reasons, "object not found")) {
    // Told apart by loading any key of the token: it logs in to the token only if exactly one token matches.
    EvpPkeyPtr any(ENGINE_load_private_key(engine, TokenUri(uri).c_str(), no_prompt.get(), nullptr));
    DrainErrors();
    if (any) return Error(Code::kNotFound, "the token of " + uri + " has no such private key");
    return Error(Code::kNotFound, "no token of " + module_path + " matches " + uri +
                                      " (or it holds no private key): see softhsm2-util --show-slots or "
                                      "pkcs11-tool --module " + module_path + " --list-token-slots");
  }
  std::string detail;
  for (const std::string& r : reasons) detail += (detail.empty() ? "" : "; ") + r;
  return Error(Code::kUnavailable, "cannot load " + uri + " from " + module_path + (detail.empty() ? "" : ": " + detail));
}

}  // namespace anvil::crypto
