#include "device_attestation.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/strings.h"
#include "crypto/certificate.h"

namespace anvil::app {
namespace {

Result<std::vector<crypto::Certificate>> Roots(const std::string& key, const std::string& path) {
  if (path.empty()) return std::vector<crypto::Certificate>{};
  auto text = ReadFile(path);
  if (!text.ok()) return Error(Code::kInvalidArgument, "device_attestation." + key + ": " + text.status().message());
  auto roots = crypto::Certificate::ChainFromPem(*text);
  if (!roots.ok()) {
    return Error(Code::kInvalidArgument, "device_attestation." + key + ": " + path + ": " + roots.status().message());
  }
  return roots;
}

}  // namespace

Result<std::vector<std::string>> RevokedAndroidSerials(std::string_view json_text) {
  auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("entries") || !json["entries"].is_object()) {
    return Error(Code::kInvalidArgument, "not Google's attestation status list (a JSON object with \"entries\")");
  }
  std::vector<std::string> revoked;
  for (const auto& [serial, entry] : json["entries"].items()) {
    if (entry.is_object() && entry.contains("status") && entry["status"] == "REVOKED") revoked.push_back(serial);
  }
  return revoked;
}

Result<attest::TrustAnchors> AttestationAnchorsFrom(const config::DeviceAttestationConfig& c) {
  attest::TrustAnchors anchors;
  ANVIL_ASSIGN_OR_RETURN(anchors.tpm, Roots("tpm_roots", c.tpm_roots));
  ANVIL_ASSIGN_OR_RETURN(anchors.apple, Roots("apple_roots", c.apple_roots));
  ANVIL_ASSIGN_OR_RETURN(anchors.android, Roots("android_roots", c.android_roots));
  ANVIL_ASSIGN_OR_RETURN(anchors.yubikey, Roots("yubikey_roots", c.yubikey_roots));
  if (!c.android_revocations.empty()) {
    auto text = ReadFile(c.android_revocations);
    if (!text.ok()) return Error(Code::kInvalidArgument, "device_attestation.android_revocations: " + text.status().message());
    auto revoked = RevokedAndroidSerials(*text);
    if (!revoked.ok()) {
      return Error(Code::kInvalidArgument,
                   "device_attestation.android_revocations: " + c.android_revocations + ": " + revoked.status().message());
    }
    anchors.android_revoked_serials = std::move(*revoked);
  }
  return anchors;
}

Result<std::unique_ptr<DeviceAllowList>> DeviceAllowList::Open(std::string path) {
  std::unique_ptr<DeviceAllowList> list(new DeviceAllowList(std::move(path)));
  std::lock_guard lock(list->mu_);
  ANVIL_RETURN_IF_ERROR(list->ReloadIfChanged());
  return list;
}

Status DeviceAllowList::ReloadIfChanged() {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) {
    return Error(Code::kInvalidArgument, "device_attestation.allow_list: cannot read " + path_);
  }
  const int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  if (mtime == mtime_ns_) return Status::Ok();
  auto text = ReadFile(path_);
  if (!text.ok()) return Error(Code::kInvalidArgument, "device_attestation.allow_list: " + text.status().message());
  std::set<std::string> allowed;
  size_t line_no = 0, start = 0;
  while (start <= text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    ++line_no;
    const std::string line(TrimAsciiWhitespace(std::string_view(*text).substr(start, end - start)));
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    const size_t colon = line.find(':');
    auto type = acme::ParseIdentifierType(line.substr(0, colon == std::string::npos ? 0 : colon));
    auto id = type.ok() && acme::IsDeviceIdentifierType(*type) ? acme::NormalizeIdentifier(*type, line.substr(colon + 1))
                                                               : Result<acme::Identifier>(type.status());
    if (!id.ok()) {
      return Error(Code::kInvalidArgument, "device_attestation.allow_list: " + path_ + " line " +
                                               std::to_string(line_no) +
                                               ": not a device identifier (permanent-identifier:SERIAL or "
                                               "hardware-module:SERIAL/OID)");
    }
    allowed.insert(acme::IdentifierText(*id));
  }
  allowed_ = std::move(allowed);
  mtime_ns_ = mtime;
  return Status::Ok();
}

Result<ra::DeviceAnswer> DeviceAllowList::Ask(const ra::DeviceQuestion& question) {
  std::lock_guard lock(mu_);
  // A file that became unreadable keeps its last contents (a half-written export must not refuse everyone);
  // the error is the answer only when there never were contents.
  if (Status s = ReloadIfChanged(); !s.ok() && mtime_ns_ < 0) return s;
  const std::string text = acme::IdentifierText(question.identifier);
  if (allowed_.count(text) != 0) return ra::DeviceAnswer{true, ""};
  return ra::DeviceAnswer{false, text + " is not on the allow list"};
}

Result<ra::DeviceAnswer> AllDeviceChecks::Ask(const ra::DeviceQuestion& question) {
  for (ra::DeviceCheck* check : checks_) {
    ANVIL_ASSIGN_OR_RETURN(ra::DeviceAnswer answer, check->Ask(question));
    if (!answer.allowed) return answer;
  }
  return ra::DeviceAnswer{true, ""};
}

}  // namespace anvil::app
