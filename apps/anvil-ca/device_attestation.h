// The composition root's part of device attestation (docs/device-attestation.md): the trust anchors of each
// attestation format read from [device_attestation]'s files, and the MDM check the RA asks — the allow list,
// the webhook, or both (each must allow).
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "attest/attestation.h"
#include "base/status.h"
#include "base/time.h"
#include "config/config.h"
#include "ra/device_check.h"

namespace anvil::app {

// The roots of each format (PEM files; a format without a file has none and is refused) and Google's
// attestation status list. kInvalidArgument naming the key and file when one cannot be read or holds no
// certificate.
Result<attest::TrustAnchors> AttestationAnchorsFrom(const config::DeviceAttestationConfig& config);

// Google's attestation status list (https://android.googleapis.com/attestation/status, its JSON): the
// serials whose status is REVOKED, lowercase hex as published.
Result<std::vector<std::string>> RevokedAndroidSerials(std::string_view json_text);

// device_attestation.allow_list: one identifier per line in the text form "permanent-identifier:SERIAL",
// blank lines and "#" comments ignored. The file is read again when it changes (its modification time), so an
// operator or an MDM export can update it without a restart. Thread-safe.
class DeviceAllowList final : public ra::DeviceCheck {
 public:
  // kInvalidArgument when the file cannot be read or a line is not a device identifier.
  static Result<std::unique_ptr<DeviceAllowList>> Open(std::string path);
  Result<ra::DeviceAnswer> Ask(const ra::DeviceQuestion& question) override;

 private:
  explicit DeviceAllowList(std::string path) : path_(std::move(path)) {}
  Status ReloadIfChanged();  // mu_ held
  std::string path_;
  std::mutex mu_;
  int64_t mtime_ns_ = -1;
  std::set<std::string> allowed_;
};

// Every check must allow; the first refusal (or missing answer) decides. Not owning.
class AllDeviceChecks final : public ra::DeviceCheck {
 public:
  explicit AllDeviceChecks(std::vector<ra::DeviceCheck*> checks) : checks_(std::move(checks)) {}
  Result<ra::DeviceAnswer> Ask(const ra::DeviceQuestion& question) override;

 private:
  std::vector<ra::DeviceCheck*> checks_;
};

}  // namespace anvil::app
