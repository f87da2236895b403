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

Result<RootKey> LoadRootKey(const std::string& data_dir, const std::string& path, const std::string& passphrase,
                            std::optional<int> generation) {
  const CaPaths paths = CaPaths::In(data_dir);
  ANVIL_ASSIGN_OR_RETURN(std::vector<CaRoot> roots, LoadRoots(data_dir));
  if (generation && (*generation < 1 || *generation > int(roots.size()))) {
    return Error(Code::kNotFound, "there is no root generation " + std::to_string(*generation));
  }
  const int wanted = generation.value_or(int(roots.size()));
  const std::string key_path = path.empty() ? paths.Root(wanted, "key") : path;
  if (!FileExists(key_path)) {
    return Error(Code::kNotFound, path.empty() ? "the key of " + RootName(wanted) + " is not in " + paths.dir +
                                                     " (an offline root): give its path with --root-key"
                                               : "no root key at " + key_path);
  }
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, ReadKeyFile(key_path, passphrase));
  for (const CaRoot& root : roots) {
    if (!(key.public_key() == root.certificate.public_key())) continue;
    if (generation && root.generation != *generation) break;
    return RootKey{root, std::move(key)};
  }
  return Error(Code::kInvalidArgument,
               key_path + " is not the key of " + (generation || path.empty() ? paths.Root(wanted, "pem") : "any root"));
}

namespace {

int NextIntermediateGeneration(const CaPaths& paths) {
  int generation = 2;
  while (FileExists(paths.Intermediate(generation, "pem"))) ++generation;
  return generation;
}

// A new intermediate generation's files: its key (or, for a key in a token, the URI that names it), the
// activation time (or none), then the certificate, whose existence makes the generation. A key file or URI of
// the other kind, and an activation time, left by an interrupted rotation are removed, so one names the key.
Status WriteGeneration(const CaPaths& paths, const Intermediate& made, const std::string& key_uri,
                       const std::string& passphrase) {
  const int generation = made.generation;
  const std::string key_path = paths.Intermediate(generation, "key");
  const std::string uri_path = paths.Intermediate(generation, "key-uri");
  if (!key_uri.empty()) {
    ANVIL_RETURN_IF_ERROR(WriteKeyUriFile(uri_path, key_uri));
    ANVIL_RETURN_IF_ERROR(RemoveIfPresent(key_path));
  } else {
    ANVIL_RETURN_IF_ERROR(WriteKeyFile(key_path, made.key, passphrase));
    ANVIL_RETURN_IF_ERROR(RemoveIfPresent(uri_path));
  }
  const std::string activate_path = paths.Intermediate(generation, "activate");
  if (made.activate_at) {
    ANVIL_RETURN_IF_ERROR(WriteFileAtomic(activate_path, FormatRfc3339(*made.activate_at) + "\n", kCertMode));
  } else {
    ANVIL_RETURN_IF_ERROR(RemoveIfPresent(activate_path));
  }
  return WriteFileAtomic(paths.Intermediate(generation, "pem"), made.certificate.ToPem(), kCertMode);
}

// The next intermediate generation under `root`: a new P-256 key, or the token's key `key_uri` names (its
// public half read through the loaded key; the private half never leaves the token), and its certificate.
Result<Intermediate> MakeGeneration(const CaPaths& paths, const RootKey& root, const CaOptions& options,
                                    const std::string& key_uri, std::optional<TimePoint> activate_at, TimePoint now) {
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, key_uri.empty()
                                                     ? crypto::PrivateKey::Generate(crypto::KeyType::kEcP256)
                                                     : LoadTokenKey(key_uri, options));
  if (key.public_key() == root.key.public_key()) return Error(Code::kInvalidArgument, key_uri + " is the root's key");
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cert, MakeIntermediate(root.root.certificate, root.root.generation,
                                                                    root.key, key.public_key(), options, now));
  return Intermediate{NextIntermediateGeneration(paths), std::move(cert), std::move(key), activate_at, std::nullopt,
                      false, root.root.generation, {}};
}

}  // namespace

Result<Intermediate> RotateIntermediate(const std::string& data_dir, const CaOptions& options,
                                        const RotateOptions& rotate, const Clock& clock) {
  const CaPaths paths = CaPaths::In(data_dir);
  if (!FileExists(paths.intermediate_cert)) return Error(Code::kNotFound, "no CA in " + paths.dir);
  ANVIL_ASSIGN_OR_RETURN(RootKey root, LoadRootKey(data_dir, rotate.root_key_path, options.key_passphrase));
  ANVIL_ASSIGN_OR_RETURN(Intermediate made,
                         MakeGeneration(paths, root, options, rotate.key_uri, rotate.activate_at, clock.Now()));
  ANVIL_RETURN_IF_ERROR(WriteGeneration(paths, made, rotate.key_uri, options.key_passphrase));
  return made;
}

Result<Rollover> RolloverRoot(const std::string& data_dir, const CaOptions& options, const RolloverOptions& rollover,
                              const Clock& clock) {
  const CaPaths paths = CaPaths::In(data_dir);
  if (!FileExists(paths.intermediate_cert)) return Error(Code::kNotFound, "no CA in " + paths.dir);
  ANVIL_ASSIGN_OR_RETURN(std::vector<CaRoot> roots, LoadRoots(data_dir));
  const int generation = int(roots.size()) + 1;
  ANVIL_ASSIGN_OR_RETURN(RootKey previous,
                         LoadRootKey(data_dir, rollover.root_key_path, options.key_passphrase, generation - 1));
  const std::string key_path = rollover.offline_root_key.empty() ? paths.Root(generation, "key")
                                                                 : rollover.offline_root_key;
  if (!rollover.offline_root_key.empty() && FileExists(key_path)) {
    return Error(Code::kConflict, key_path + " exists already; the root key is never overwritten");
  }
  const TimePoint now = clock.Now();
  const std::string name = rollover.common_name.empty()
                               ? options.root_common_name + " " + std::to_string(generation)
                               : rollover.common_name;
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP384));
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cert, MakeRoot(key, name, options, now));
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cross, MakeRoot(key, name, options, now, &previous.root, &previous.key));
  RootKey root{CaRoot{generation, std::move(cert), std::move(cross)}, std::move(key)};
  ANVIL_ASSIGN_OR_RETURN(Intermediate made, MakeGeneration(paths, root, options, "", rollover.activate_at, now));

  ANVIL_RETURN_IF_ERROR(WriteKeyFile(key_path, root.key, options.key_passphrase));
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(paths.Root(generation, "pem"), root.root.certificate.ToPem(), kCertMode));
  ANVIL_RETURN_IF_ERROR(
      WriteFileAtomic(paths.Root(generation, "cross.pem"), root.root.cross_signed->ToPem(), kCertMode));
  ANVIL_RETURN_IF_ERROR(WriteGeneration(paths, made, "", options.key_passphrase));
  return Rollover{std::move(root.root), std::move(made)};
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
  for (int generation = 1; FileExists(paths.Root(generation, "pem")); ++generation) {
    if (FileExists(paths.Root(generation, "key"))) files.push_back(paths.Root(generation, "key"));
  }
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
