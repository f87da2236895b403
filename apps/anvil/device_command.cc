// `anvil device enroll` (docs/agent.md, "Device enrollment (device-attest-01)"): checks the options, wires
// the ACME client, the account (a key file of its own, or the state directory's account) and
// agent::EnrollDevice, writes the certificate chain and the key reference, and reports as the other commands
// do. Composition only: the flow is agent/device_enroll.h's. Runs on the calling thread.
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "agent/device_enroll.h"
#include "agent/issuer.h"
#include "agent/json_output.h"
#include "base/file.h"
#include "command_support.h"
#include "commands.h"
#include "crypto/certificate.h"

namespace anvil::cli {

int RunDeviceEnroll(const GlobalOptions& g, const DeviceEnrollCommand& c) {
  using nlohmann::json;
  auto identifier = agent::ParseDeviceIdentifier(c.identifier);
  if (!identifier.ok()) return Fail(g, identifier.status(), kExitUsage);
  agent::DeviceEnrollOptions options;
  options.identifier = *identifier;
  options.privacy = c.privacy;
  options.profile = c.profile;
  options.software_key = c.software_key;
  if (g.verbose) options.log = [](const std::string& line) { std::cerr << "anvil: " << line << "\n"; };
  if (c.software_key) {
    options.software_key_file = c.key_ref_out + ".key.pem";
  } else {
    if (c.ak_cert.empty()) {
      return Fail(
          g,
          Error(Code::kInvalidArgument,
                "--ak-cert FILE is needed: the attestation carries the AK certificate (or enroll with "
                "--software-key, unattested)"),
          kExitUsage);
    }
    auto key_handle = agent::ParsePersistentHandle(c.key_handle);
    if (!key_handle.ok())
      return Fail(g, Error(Code::kInvalidArgument, "--key-handle: " + key_handle.status().message()),
                  kExitUsage);
    auto ak_handle = agent::ParsePersistentHandle(c.ak_handle);
    if (!ak_handle.ok())
      return Fail(g, Error(Code::kInvalidArgument, "--ak-handle: " + ak_handle.status().message()),
                  kExitUsage);
    if (*key_handle == *ak_handle) {
      return Fail(g, Error(Code::kInvalidArgument, "--key-handle and --ak-handle name the same handle"),
                  kExitUsage);
    }
    auto pem = ReadFile(c.ak_cert);
    auto chain = pem.ok() ? crypto::Certificate::ChainFromPem(*pem)
                          : Result<std::vector<crypto::Certificate>>(pem.status());
    if (!chain.ok() || chain->empty()) {
      return Fail(
          g,
          Error(Code::kInvalidArgument,
                "--ak-cert " + c.ak_cert + ": " + (chain.ok() ? "no certificate" : chain.status().message())),
          kExitUsage);
    }
    options.tpm.tcti = c.tcti;
    options.tpm.key_handle = *key_handle;
    options.tpm.ak_handle = *ak_handle;
    options.tpm.ak_chain = std::move(*chain);
  }
  agent::AccountOptions account_options;
  account_options.eab_kid = c.eab_kid;
  if (!c.eab_hmac_key.empty()) {
    auto key = DecodeHmacKey(c.eab_hmac_key);
    if (!key.ok()) return Fail(g, key.status(), kExitUsage);
    account_options.eab_hmac_key = *key;
  }

  // The state directory is opened (and locked) only when it holds the account.
  std::optional<LockedState> locked;
  if (c.account_key.empty()) {
    auto l = OpenStateLocked(g);
    if (!l.ok()) return FailState(g, l.status());
    locked.emplace(std::move(*l));
  }
  Realtime time;
  auto connection = Connect(g, c.server.server, c.server.ca_bundle, time);
  if (!connection.ok()) return Fail(g, connection.status());
  agent::AcmeClient& client = *connection->client;
  Status account = Status::Ok();
  if (locked) {
    account = agent::EnsureAccount(client, locked->dir, c.server.server, account_options).status();
  } else {
    account = agent::EnsureAccountForKeyFile(client, c.account_key, account_options).status();
  }
  if (!account.ok()) return Fail(g, account);

  auto result = agent::EnrollDevice(client, options);
  if (!result.ok()) return Fail(g, result.status());
  if (Status s = agent::WriteEnrollmentFiles(*result, options.tpm.tcti, c.cert_out, c.key_ref_out); !s.ok()) {
    return Fail(g, s);
  }
  const crypto::Certificate& leaf = result->chain.front();
  const std::string id_text = acme::IdentifierText(options.identifier);
  if (g.json) {
    json files = {{"cert", c.cert_out}, {"key_ref", c.key_ref_out}};
    if (c.software_key) files["key"] = options.software_key_file;
    std::cout << json{{"ok", true},
                      {"identifier", id_text},
                      {"validated_by", result->validated_by},
                      {"key", result->key_uri},
                      {"certificate", agent::CertificateJson(leaf, time.clock.Now())},
                      {"files", files}}
                     .dump()
              << "\n";
  } else {
    std::cout << "enrolled " << id_text << ": serial " << leaf.serial_hex() << ", valid until "
              << FormatRfc3339(leaf.not_after()) << "\n  certificate: " << c.cert_out
              << "\n  key: " << result->key_uri << " (reference: " << c.key_ref_out << ")\n";
  }
  return kExitOk;
}

}  // namespace anvil::cli
