#include "ca/token_key.h"

#include "base/file.h"
#include "crypto/pkcs11_key.h"

namespace anvil::ca {

Result<crypto::PrivateKey> LoadTokenKey(const std::string& uri, const CaOptions& options) {
  ANVIL_RETURN_IF_ERROR(crypto::CheckPkcs11KeyUri(uri));
  if (options.pkcs11_pin.empty()) {
    return Error(Code::kInvalidArgument,
                 "the key " + uri + " is in a PKCS #11 token: set ca.pkcs11_pin to the source of its PIN");
  }
  return crypto::LoadPkcs11Key(uri, options.pkcs11_module, options.pkcs11_pin);
}

Result<std::string> ReadKeyUri(const std::string& path) {
  ANVIL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (Status s = crypto::CheckPkcs11KeyUri(text); !s.ok()) return Error(s.code(), path + ": " + s.message());
  return text;
}

Result<crypto::PrivateKey> ReadKeyUriFile(const std::string& path, const CaOptions& options) {
  ANVIL_ASSIGN_OR_RETURN(std::string uri, ReadKeyUri(path));
  Result<crypto::PrivateKey> key = LoadTokenKey(uri, options);
  if (key.ok()) return key;
  return Error(key.status().code(), path + ": " + key.status().message());
}

Status WriteKeyUriFile(const std::string& path, const std::string& uri) {
  ANVIL_RETURN_IF_ERROR(crypto::CheckPkcs11KeyUri(uri));
  return WriteFileAtomic(path, uri + "\n", 0644);
}

}  // namespace anvil::ca
