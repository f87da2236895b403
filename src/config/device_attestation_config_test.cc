// [device_attestation] (docs/device-attestation.md): its keys, their defaults and the errors that name them.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace anvil::config {
namespace {

std::string ErrorOf(const std::string& text) {
  const Result<Config> config = ParseConfig(text);
  EXPECT_FALSE(config.ok()) << "parsed unexpectedly:\n" << text;
  return config.ok() ? "" : config.status().message();
}

TEST(DeviceAttestationConfig, OffByDefaultWithTheDeviceProfile) {
  const Config c = DefaultConfig();
  EXPECT_FALSE(c.device_attestation.enabled);
  EXPECT_EQ(c.device_attestation.profile, "device");
  EXPECT_EQ(c.device_attestation.webhook.url, "");
}

TEST(DeviceAttestationConfig, EveryKeyIsRead) {
  auto c = ParseConfig(
      "[device_attestation]\nenabled = true\nprofile = \"device\"\ntpm_roots = \"/r/tpm.pem\"\n"
      "apple_roots = \"/r/apple.pem\"\nandroid_roots = \"/r/google.pem\"\nyubikey_roots = \"/r/yubico.pem\"\n"
      "android_revocations = \"/r/status.json\"\nallow_list = \"/r/devices.txt\"\n"
      "[device_attestation.webhook]\nurl = \"https://mdm.example/check\"\nsecret_file = \"/r/secret\"\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const DeviceAttestationConfig& d = c->device_attestation;
  EXPECT_TRUE(d.enabled);
  EXPECT_EQ(d.tpm_roots, "/r/tpm.pem");
  EXPECT_EQ(d.apple_roots, "/r/apple.pem");
  EXPECT_EQ(d.android_roots, "/r/google.pem");
  EXPECT_EQ(d.yubikey_roots, "/r/yubico.pem");
  EXPECT_EQ(d.android_revocations, "/r/status.json");
  EXPECT_EQ(d.allow_list, "/r/devices.txt");
  EXPECT_EQ(d.webhook.url, "https://mdm.example/check");
}

TEST(DeviceAttestationConfig, ErrorsNameTheKey) {
  EXPECT_EQ(ErrorOf("[device_attestation]\nenabled = true\n"),
            "device_attestation.enabled: needs the roots of at least one attestation format (tpm_roots, "
            "apple_roots, android_roots, yubikey_roots)");
  EXPECT_EQ(ErrorOf("[device_attestation]\nenabled = true\ntpm_roots = \"x\"\nprofile = \"phones\"\n"),
            "device_attestation.profile: profile \"phones\" is not defined");
  EXPECT_EQ(ErrorOf("[device_attestation.webhook]\nurl = \"http://mdm.example\"\nsecret_file = \"s\"\n"),
            "device_attestation.webhook.url: must be an https:// URL (a webhook's body is signed, not encrypted)");
  EXPECT_EQ(ErrorOf("[device_attestation]\ncolour = 1\n"), "unknown key \"device_attestation.colour\"");
}

}  // namespace
}  // namespace anvil::config
