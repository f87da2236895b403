// A SoftHSM2 token store of one test process's own: softhsm2.conf in a temporary directory with its tokens
// beside it, SOFTHSM2_CONF pointing to it, tokens made and keys imported with softhsm2-util (Debian's softhsm2).
// SoftHSM2 reads SOFTHSM2_CONF when the module is first initialised in the process, and libp11 lists the tokens
// then: make the SoftHsm and every token before the first key is loaded. Not thread-safe.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/file.h"
#include "base/status.h"
#include "crypto/key.h"
#include "crypto/pkcs11_key.h"
#include "support/temp_dir.h"

namespace anvil::testing {

class SoftHsm {
 public:
  // Whether softhsm2-util and the module are installed (tests skip without them).
  static bool Installed() {
    return std::system("command -v softhsm2-util >/dev/null 2>&1") == 0 &&
           std::filesystem::exists(crypto::kSoftHsm2Module);
  }

  SoftHsm() {
    std::filesystem::create_directory(dir_.path() + "/tokens");
    std::ofstream(dir_.path() + "/softhsm2.conf") << "directories.tokendir = " << dir_.path() << "/tokens\n"
                                                   << "objectstore.backend = file\nlog.level = ERROR\n";
    ::setenv("SOFTHSM2_CONF", (dir_.path() + "/softhsm2.conf").c_str(), 1);
  }

  const std::string& dir() const { return dir_.path(); }
  std::string module() const { return crypto::kSoftHsm2Module; }

  // A new token labelled `label` whose user PIN is `pin` (security officer PIN 000000).
  Status InitToken(const std::string& label, const std::string& pin) {
    return Run("softhsm2-util --init-token --free --label '" + label + "' --so-pin 000000 --pin '" + pin + "'");
  }

  // `key` imported into token `label` as object `object` with CKA_ID `id_hex`.
  Status ImportKey(const std::string& label, const std::string& pin, const std::string& object,
                   const std::string& id_hex, const crypto::PrivateKey& key) {
    const std::string pem_path = dir_.path() + "/import.pem";
    ANVIL_RETURN_IF_ERROR(WriteFileAtomic(pem_path, key.ToPem(), 0600));
    Status s = Run("softhsm2-util --import '" + pem_path + "' --token '" + label + "' --label '" + object +
                   "' --id " + id_hex + " --pin '" + pin + "'");
    std::filesystem::remove(pem_path);
    return s;
  }

 private:
  Status Run(const std::string& command) {
    const std::string log = dir_.path() + "/softhsm2-util.log";
    if (std::system((command + " >'" + log + "' 2>&1").c_str()) == 0) return Status::Ok();
    auto output = ReadFile(log);
    return Status(Code::kInternal, command + ": " + (output.ok() ? *output : "failed"));
  }

  TempDir dir_;
};

}  // namespace anvil::testing
