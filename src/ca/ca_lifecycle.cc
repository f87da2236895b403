#include "ca/ca_lifecycle.h"

#include <filesystem>
#include <system_error>

#include "base/file.h"
#include "ca/token_key.h"
#include "crypto/crl.h"

namespace anvil::ca {
namespace {

constexpr mode_t kCertMode = 0644;

Status RemoveIfPresent(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) return Error(Code::kIo, "removing " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Result<crypto::PrivateKey> LoadRootKey(const std::string& data_dir, const std::string& path,
                                       const std::string& passphrase) {
  const CaPaths paths = CaPaths::In(data_dir);
  const std::string key_path = path.empty() ? paths.root_key : path;
  if (!FileExists(key_path)) {
    return Error(Code::kNotFound, path.empty() ? "the root key is not in " + paths.dir +
                                                     " (an offline root): give its path with --root-key"
                                               : "no root key at " + key_path);
  }
  ANVIL_ASSIGN_OR_RETURN(std::string cert_pem, ReadFile(paths.root_cert));
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate root, crypto::Certificate::FromPem(cert_pem));
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, ReadKeyFile(key_path, passphrase));
  if (!(key.public_key() == root.public_key())) {
    return Error(Code::kInvalidArgument, key_path + " is not the key of " + paths.root_cert);
  }
  return key;
}

Result<Intermediate> RotateIntermediate(const std::string& data_dir, const CaOptions& options,
                                        const RotateOptions& rotate, const Clock& clock) {
  const CaPaths paths = CaPaths::In(data_dir);
  if (!FileExists(paths.intermediate_cert)) return Error(Code::kNotFound, "no CA in " + paths.dir);
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey root_key, LoadRootKey(data_dir, rotate.root_key_path, options.key_passphrase));
  ANVIL_ASSIGN_OR_RETURN(std::string root_pem, ReadFile(paths.root_cert));
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate root, crypto::Certificate::FromPem(root_pem));
  int generation = 2;
  while (FileExists(paths.Intermediate(generation, "pem"))) ++generation;

  const TimePoint now = clock.Now();
  // A key in a token: its public half is read through the loaded key, and the private half never leaves it.
  const bool in_token = !rotate.key_uri.empty();
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, in_token ? LoadTokenKey(rotate.key_uri, options)
                                                          : crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  if (key.public_key() == root_key.public_key()) {
    return Error(Code::kInvalidArgument, rotate.key_uri + " is the root's key");
  }
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cert,
                         MakeIntermediate(root, root_key, key.public_key(), options, now));
  const std::string key_path = paths.Intermediate(generation, "key"), uri_path = paths.Intermediate(generation, "key-uri");
  if (in_token) {
    ANVIL_RETURN_IF_ERROR(WriteKeyUriFile(uri_path, rotate.key_uri));
    ANVIL_RETURN_IF_ERROR(RemoveIfPresent(key_path));  // one left by an interrupted rotation
  } else {
    ANVIL_RETURN_IF_ERROR(WriteKeyFile(key_path, key, options.key_passphrase));
    ANVIL_RETURN_IF_ERROR(RemoveIfPresent(uri_path));
  }
  const std::string activate_path = paths.Intermediate(generation, "activate");
  if (rotate.activate_at) {
    ANVIL_RETURN_IF_ERROR(WriteFileAtomic(activate_path, FormatRfc3339(*rotate.activate_at) + "\n", kCertMode));
  } else {
    ANVIL_RETURN_IF_ERROR(RemoveIfPresent(activate_path));  // one left by an interrupted rotation
  }
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(paths.Intermediate(generation, "pem"), cert.ToPem(), kCertMode));
  return Intermediate{generation, std::move(cert), std::move(key), rotate.activate_at, std::nullopt, false};
}

Result<Intermediate> RetireIntermediate(const std::string& data_dir, const CaOptions& options, int generation,
                                        RetirementReason reason, const Clock& clock) {
  const TimePoint now = FromUnixSeconds(ToUnixSeconds(clock.Now()));
  CaOptions without_chain = options;
  without_chain.cross_signed_chain.clear();  // for the generation issuing now, which may change here
  ANVIL_ASSIGN_OR_RETURN(CaMaterial material, LoadCa(data_dir, without_chain, now));
  Intermediate* target = nullptr;
  for (Intermediate& i : material.intermediates) {
    if (i.generation == generation) target = &i;
  }
  if (target == nullptr) {
    return Error(Code::kNotFound, "there is no intermediate generation " + std::to_string(generation));
  }
  if (target->retired) {
    if (target->retired->reason == reason) return *target;
    return Error(Code::kInvalidArgument, "generation " + std::to_string(generation) + " was retired already (" +
                                             RetirementReasonName(target->retired->reason) + ")");
  }
  target->retired = Retirement{now, reason};
  if (IssuingOf(material.intermediates, now) == nullptr) {
    return Error(Code::kInvalidArgument, "no other intermediate could issue after retiring generation " +
                                             std::to_string(generation) + ": run `anvil-ca ca rotate` first");
  }
  const CaPaths paths = CaPaths::In(data_dir);
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(paths.Intermediate(generation, "retired"),
                                        FormatRfc3339(now) + " " + RetirementReasonName(reason) + "\n",
                                        kCertMode));
  return *target;
}

Result<std::vector<std::string>> EncryptKeys(const std::string& data_dir, const CaOptions& options) {
  if (options.key_passphrase.empty()) {
    return Error(Code::kInvalidArgument, "no passphrase to encrypt the keys with: set ca.key_passphrase");
  }
  const CaPaths paths = CaPaths::In(data_dir);
  std::vector<std::string> files;
  if (FileExists(paths.root_key)) files.push_back(paths.root_key);
  for (int generation = 1; FileExists(paths.Intermediate(generation, "pem")); ++generation) {
    if (FileExists(paths.Intermediate(generation, "key-uri"))) continue;  // in a token: no file to encrypt
    files.push_back(paths.Intermediate(generation, "key"));
  }
  // Every key is read before any is rewritten: a key that does not open stops the command with nothing changed.
  std::vector<crypto::PrivateKey> keys;
  for (const std::string& file : files) {
    ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, ReadKeyFile(file, options.key_passphrase));
    keys.push_back(std::move(key));
  }
  for (size_t i = 0; i < files.size(); ++i) {
    ANVIL_RETURN_IF_ERROR(WriteKeyFile(files[i], keys[i], options.key_passphrase));
  }
  return files;
}

Result<std::string> RootCrlSigner::SignCrl(const crypto::CrlTemplate& tmpl) {
  return crypto::SignCrl(tmpl, root_, root_key_);
}

}  // namespace anvil::ca
