// A software TPM 2.0 of one test's own: `swtpm socket` on two loopback ports (the TPM on P, its control
// channel on P+1, as the swtpm TCTI expects), its state in a temporary directory, killed with the object.
// With `ek_certificate`, the TPM is first manufactured by `swtpm_setup` with EK certificates (RSA-2048 at
// 0x81010001, NV 0x01c00002; ECC P-384 at 0x81010016, NV 0x01c00016) and a platform certificate, issued by a
// throwaway manufacturer CA (swtpm_localca with configuration files of its own in the temporary directory —
// never the system's /var/lib/swtpm-localca).
//
// swtpm serves one connection at a time and has no resource manager: a client that stays connected
// (agent::tpm::TpmDevice, a key of crypto::LoadTpm2Key) makes the next one wait, and transient objects
// outlive their connection.
//
// SwtpmTest is a GoogleTest fixture with a fresh TPM per test, skipped when swtpm is not installed.
// Thread-safety: call from the test thread.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "support/temp_dir.h"

namespace anvil::testing {

class Swtpm {
 public:
  // Whether swtpm, swtpm_setup and swtpm_localca are installed (Debian: swtpm, swtpm-tools).
  static bool Installed();

  struct Options {
    bool ek_certificate = false;  // manufacture with swtpm_setup: EK and platform certificates
  };
  // Manufactures (if asked) and starts a TPM; kUnavailable with swtpm's log when it does not come up.
  static Result<std::unique_ptr<Swtpm>> Start(const Options& options);
  static Result<std::unique_ptr<Swtpm>> Start() { return Start(Options{}); }

  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;
  ~Swtpm();

  // The TCTI configuration string for tpm2-tools (-T / TPM2TOOLS_TCTI), TpmDevice::Open and LoadTpm2Key.
  const std::string& tcti() const { return tcti_; }
  uint16_t port() const { return port_; }
  // The temporary directory: state/ (the TPM's NVRAM), localca/ (the manufacturer CA), logs.
  const std::string& dir() const { return dir_.path(); }
  // The manufacturer CA's root certificate and the intermediate that signed the EK and platform
  // certificates (PEM files); empty paths without `ek_certificate`.
  std::string ek_root_ca() const;
  std::string ek_intermediate_ca() const;

 private:
  Swtpm() = default;
  Status Manufacture();
  Status Launch();

  TempDir dir_;
  bool ek_certificate_ = false;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::string tcti_;
};

// A fresh swtpm for each test; the test is skipped when swtpm is not installed. A subclass that wants EK
// certificates overrides TpmOptions().
class SwtpmTest : public ::testing::Test {
 protected:
  virtual Swtpm::Options TpmOptions() const { return {}; }

  void SetUp() override {
    if (!Swtpm::Installed())
      GTEST_SKIP() << "swtpm is not installed (Debian: swtpm swtpm-tools; scripts/install-deps)";
    Result<std::unique_ptr<Swtpm>> started = Swtpm::Start(TpmOptions());
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    swtpm_ = std::move(started).value();
  }

  const std::string& tcti() const { return swtpm_->tcti(); }

  std::unique_ptr<Swtpm> swtpm_;
};

}  // namespace anvil::testing
