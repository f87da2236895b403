#include "agent/device_enroll.h"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <utility>

#include "attest/cbor.h"
#include "attest/tpm2.h"
#include "base/base64url.h"
#include "base/file.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "crypto/tpm2_key.h"

namespace anvil::agent {
namespace {

using attest::CborValue;

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// The authorization's failure as one Status: the first challenge error the server recorded (its problem type
// is kept as the code), or its status.
Status AuthorizationFailure(const Authorization& a, std::string_view challenge) {
  std::string what = std::string(challenge) + " for " + acme::IdentifierText(a.identifier) + ": ";
  if (std::optional<Status> error = a.FirstError()) return Status(error->code(), what + error->message());
  return Error(Code::kUnauthorized, what + "the authorization is " + std::string(acme::StatusName(a.status)));
}

}  // namespace

Result<acme::Identifier> ParseDeviceIdentifier(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    const std::string forms = "permanent-identifier:SERIAL[/OID] or hardware-module:SERIAL/OID";
    return Error(Code::kInvalidArgument,
                 "--identifier must be " + forms + ", not \"" + std::string(text) + "\"");
  }
  auto type = acme::ParseIdentifierType(text.substr(0, colon));
  if (!type.ok() || !acme::IsDeviceIdentifierType(*type)) {
    const std::string type_text(text.substr(0, colon));
    return Error(
        Code::kInvalidArgument,
        "--identifier: the type must be permanent-identifier or hardware-module, not \"" + type_text + "\"");
  }
  auto id = acme::NormalizeIdentifier(*type, text.substr(colon + 1));
  if (!id.ok()) return Error(Code::kInvalidArgument, "--identifier: " + id.status().message());
  return *id;
}

crypto::DeviceName DeviceNameOf(const acme::Identifier& identifier) {
  const acme::DeviceIdentifierParts parts = acme::SplitDeviceIdentifier(identifier.value);
  crypto::DeviceName name;
  name.kind = identifier.type == acme::IdentifierType::kHardwareModule
                  ? crypto::DeviceName::Kind::kHardwareModule
                  : crypto::DeviceName::Kind::kPermanentIdentifier;
  name.value = parts.serial;
  name.oid = parts.oid;
  return name;
}

Result<uint32_t> ParsePersistentHandle(std::string_view text) {
  std::string_view digits = text;
  if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
  uint64_t value = 0;
  bool ok = !digits.empty() && digits.size() <= 8;
  for (char c : digits) {
    const char lower = static_cast<char>(c | 0x20);  // 'A'..'F' → 'a'..'f'; digits unchanged
    if (c >= '0' && c <= '9') {
      value = value * 16 + static_cast<uint64_t>(c - '0');
    } else if (lower >= 'a' && lower <= 'f') {
      value = value * 16 + static_cast<uint64_t>(lower - 'a' + 10);
    } else {
      ok = false;
    }
  }
  if (!ok || value < tpm::kPersistentFirst || value > tpm::kPersistentLast) {
    return Error(
        Code::kInvalidArgument,
        "\"" + std::string(text) + "\" is not a persistent TPM handle of the owner (0x81000000-0x817fffff)");
  }
  return static_cast<uint32_t>(value);
}

std::string HandleUri(uint32_t handle) { return "handle:" + Hex32(handle); }

std::string TpmAttestationObject(const std::string& pub_area, const tpm::Certification& certification,
                                 const std::vector<crypto::Certificate>& ak_chain) {
  CborValue::Array x5c;
  for (const auto& cert : ak_chain) x5c.push_back(CborValue::Bytes(cert.ToDer()));
  // WebAuthn §8.3's attStmt in the specification's order; §5 of the draft: no authData.
  CborValue::Map stmt;
  stmt.emplace_back(CborValue::Text("ver"), CborValue::Text("2.0"));
  stmt.emplace_back(CborValue::Text("alg"), CborValue::Int(certification.cose_alg));
  stmt.emplace_back(CborValue::Text("x5c"), CborValue::FromArray(std::move(x5c)));
  stmt.emplace_back(CborValue::Text("sig"), CborValue::Bytes(certification.signature_raw));
  stmt.emplace_back(CborValue::Text("certInfo"), CborValue::Bytes(certification.certify_info));
  stmt.emplace_back(CborValue::Text("pubArea"), CborValue::Bytes(pub_area));
  CborValue::Map object;
  object.emplace_back(CborValue::Text("fmt"), CborValue::Text("tpm"));
  object.emplace_back(CborValue::Text("attStmt"), CborValue::FromMap(std::move(stmt)));
  return attest::EncodeCbor(CborValue::FromMap(std::move(object)));
}

Result<std::string> AttestTpmKey(const TpmKeyOptions& options, std::string_view key_authorization) {
  if (options.ak_chain.empty()) {
    return Error(Code::kInvalidArgument,
                 "no AK certificate (--ak-cert): the attestation statement carries it");
  }
  // The device is closed when this function returns, before anyone loads the key (one connection at a time).
  ANVIL_ASSIGN_OR_RETURN(tpm::TpmDevice device, tpm::TpmDevice::Open(options.tcti));
  ANVIL_ASSIGN_OR_RETURN(std::string pub_area, device.EnsureSigningKey(options.key_handle, options.key_alg));
  auto ak_public = device.ReadPublic(options.ak_handle);
  if (!ak_public.ok()) {
    return Error(ak_public.status().code(),
                 "the attestation key " + Hex32(options.ak_handle) + ": " + ak_public.status().message());
  }
  auto ak_parsed = attest::ParseTpmtPublic(*ak_public);
  auto ak_key =
      ak_parsed.ok() ? attest::TpmPublicKey(*ak_parsed) : Result<crypto::PublicKey>(ak_parsed.status());
  if (!ak_key.ok()) {
    return Error(Code::kInvalidArgument,
                 "the object at " + Hex32(options.ak_handle) +
                     " is not a usable attestation key: " + ak_key.status().message());
  }
  if (!(*ak_key == options.ak_chain.front().public_key())) {
    return Error(Code::kInvalidArgument, "the AK certificate (--ak-cert) is not for the attestation key at " +
                                             Hex32(options.ak_handle) + " (its public key differs)");
  }
  // WebAuthn §8.3 with the draft's attToBeSigned (§5): extraData = SHA-256(key authorization).
  ANVIL_ASSIGN_OR_RETURN(
      tpm::Certification certification,
      device.Certify(options.key_handle, options.ak_handle, crypto::Sha256(key_authorization)));
  return TpmAttestationObject(pub_area, certification, options.ak_chain);
}

Status EnsureTpmKey(const TpmKeyOptions& options) {
  ANVIL_ASSIGN_OR_RETURN(tpm::TpmDevice device, tpm::TpmDevice::Open(options.tcti));
  ANVIL_ASSIGN_OR_RETURN(std::string pub_area, device.EnsureSigningKey(options.key_handle, options.key_alg));
  (void)pub_area;
  return Status::Ok();
}

Result<std::string> FormatKeyReference(const KeyReference& r) {
  std::string out =
      "# anvil device key reference (docs/agent.md, \"Device enrollment\").\n"
      "# KEY='VALUE' lines: read them with `. FILE` in a shell or EnvironmentFile=FILE in a systemd unit.\n";
  auto line = [&out](std::string_view key, const std::string& value) -> Status {
    if (value.find_first_of("'\n\r") != std::string::npos) {
      return Error(Code::kInvalidArgument, "the key reference's " + std::string(key) +
                                               " may not hold a quote or a line break: " + value);
    }
    out += std::string(key) + "='" + value + "'\n";
    return Status::Ok();
  };
  ANVIL_RETURN_IF_ERROR(line("ANVIL_KEY_URI", r.uri));
  if (!r.file.empty()) ANVIL_RETURN_IF_ERROR(line("ANVIL_KEY_FILE", r.file));
  if (!r.tcti.empty()) ANVIL_RETURN_IF_ERROR(line("TPM2OPENSSL_TCTI", r.tcti));
  if (!r.cert.empty()) ANVIL_RETURN_IF_ERROR(line("ANVIL_CERT", r.cert));
  return out;
}

Result<crypto::PrivateKey> LoadOrCreateKeyFile(const std::string& path) {
  if (FileExists(path)) {
    ANVIL_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
    auto key = crypto::PrivateKey::FromPem(pem);
    if (!key.ok()) return Error(key.status().code(), path + ": " + key.status().message());
    return *key;
  }
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(path, key.ToPem(), 0600));
  return key;
}

Result<Account> EnsureAccountForKeyFile(AcmeClient& client, const std::string& key_file,
                                        const AccountOptions& options) {
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, LoadOrCreateKeyFile(key_file));
  client.SetAccountKey(std::move(key));
  NewAccountRequest find;
  find.only_return_existing = true;
  auto existing = client.NewAccount(find);
  if (existing.ok() || existing.status().code() != Code::kAccountDoesNotExist) return existing;
  NewAccountRequest create;
  create.contact = options.contact;
  create.terms_of_service_agreed = options.agree_terms;
  create.eab_kid = options.eab_kid;
  create.eab_hmac_key = options.eab_hmac_key;
  return client.NewAccount(create);
}

namespace {

// Answers one pending authorization and waits for its outcome. Returns the challenge type used.
Result<std::string> ProveAuthorization(AcmeClient& client, const Authorization& a,
                                       const DeviceEnrollOptions& o) {
  auto log = [&o](const std::string& line) {
    if (o.log) o.log(line);
  };
  const std::string id_text = acme::IdentifierText(a.identifier);
  std::vector<std::string> offered;
  for (const auto& c : a.challenges) offered.push_back(c.type);
  const Challenge* chosen = nullptr;
  nlohmann::json payload = nlohmann::json::object();
  if (o.software_key) {
    // No attestation: any other challenge the server offers for the device (its validation is the server's
    // business, e.g. an account it pre-authorized), answered with the plain {} of RFC 8555 §7.5.1.
    for (const auto& c : a.challenges) {
      if (c.type != kDeviceAttest01 && chosen == nullptr) chosen = &c;
    }
    if (chosen == nullptr) {
      return Error(Code::kUnsupportedIdentifier,
                   "the server offers only " + Join(offered, ", ") + " for " + id_text +
                       ", which needs an attested TPM key: --software-key cannot enroll with this server "
                       "(enroll without it)");
    }
    log("answering " + chosen->type + " for " + id_text + " (--software-key: no attestation)");
  } else {
    chosen = a.FindChallenge(kDeviceAttest01);
    if (chosen == nullptr) {
      return Error(Code::kUnsupportedIdentifier, "the server offers no device-attest-01 challenge for " +
                                                     id_text + " (offered: " + Join(offered, ", ") + ")");
    }
    // §5: the key authorization is attToBeSigned; the TPM certifies the key over its SHA-256.
    const std::string key_authorization = acme::KeyAuthorization(chosen->token, client.Thumbprint());
    log("device-attest-01 for " + id_text + ": TPM2_Certify of key " + Hex32(o.tpm.key_handle) + " by AK " +
        Hex32(o.tpm.ak_handle));
    auto att_obj = AttestTpmKey(o.tpm, key_authorization);
    if (!att_obj.ok()) {
      return Error(att_obj.status().code(),
                   "device-attest-01 for " + id_text + ": " + att_obj.status().message());
    }
    payload["attObj"] = base64url::Encode(*att_obj);
  }
  auto answered = client.RespondToChallenge(chosen->url, payload);
  if (!answered.ok()) {
    return Error(answered.status().code(),
                 chosen->type + " for " + id_text + ": " + answered.status().message());
  }
  // A server may decide before it answers (anvil-ca does within acme.challenge_wait).
  if (answered->status == acme::ChallengeStatus::kValid) return chosen->type;
  if (answered->status == acme::ChallengeStatus::kInvalid && answered->error) {
    return Error(answered->error->code(),
                 chosen->type + " for " + id_text + ": " + answered->error->message());
  }
  ANVIL_ASSIGN_OR_RETURN(Authorization polled, client.PollAuthorization(a.url));
  if (polled.status != acme::AuthorizationStatus::kValid) return AuthorizationFailure(polled, chosen->type);
  return chosen->type;
}

}  // namespace

Result<DeviceEnrollResult> EnrollDevice(AcmeClient& client, const DeviceEnrollOptions& o) {
  if (!acme::IsDeviceIdentifierType(o.identifier.type)) {
    return Error(Code::kInvalidArgument, "not a device identifier: " + acme::IdentifierText(o.identifier));
  }
  if (o.software_key && o.software_key_file.empty()) {
    return Error(Code::kInvalidArgument, "--software-key needs a file for the key");
  }
  DeviceEnrollResult result;
  NewOrderRequest request{{o.identifier}, o.profile, ""};
  ANVIL_ASSIGN_OR_RETURN(Order order, client.NewOrder(request));
  result.order_url = order.url;
  bool tpm_key_ready = false;  // an attestation made (or found) the key
  if (order.status == acme::OrderStatus::kPending) {
    for (const std::string& url : order.authorizations) {
      ANVIL_ASSIGN_OR_RETURN(Authorization a, client.FetchAuthorization(url));
      if (a.status == acme::AuthorizationStatus::kValid) continue;
      if (a.status != acme::AuthorizationStatus::kPending) return AuthorizationFailure(a, "authorization");
      ANVIL_ASSIGN_OR_RETURN(result.validated_by, ProveAuthorization(client, a, o));
      tpm_key_ready = !o.software_key;
    }
    ANVIL_ASSIGN_OR_RETURN(order, client.PollOrder(order.url));
  }
  if (order.status == acme::OrderStatus::kInvalid) {
    return order.error ? *order.error : Error(Code::kUnauthorized, "order " + order.url + " is invalid");
  }

  // The certificate key. The TpmDevice is closed by now; the loaded key holds the TPM's one connection until
  // this function returns.
  std::optional<crypto::PrivateKey> key;
  if (o.software_key) {
    ANVIL_ASSIGN_OR_RETURN(key, LoadOrCreateKeyFile(o.software_key_file));
    result.key_uri = "file:" + Absolute(o.software_key_file);
  } else {
    if (!tpm_key_ready) ANVIL_RETURN_IF_ERROR(EnsureTpmKey(o.tpm));
    result.key_uri = HandleUri(o.tpm.key_handle);
    ANVIL_ASSIGN_OR_RETURN(key, crypto::LoadTpm2Key(result.key_uri, o.tpm.tcti));
  }

  if (order.status == acme::OrderStatus::kReady) {
    std::vector<crypto::DeviceName> names;
    if (!o.privacy) names.push_back(DeviceNameOf(o.identifier));
    ANVIL_ASSIGN_OR_RETURN(crypto::Csr csr, crypto::Csr::Create(*key, {}, {}, "", names));
    ANVIL_ASSIGN_OR_RETURN(order, client.FinalizeAndWait(order, csr.ToDer()));
  }
  ANVIL_ASSIGN_OR_RETURN(order, AcmeClient::ValidWithCertificate(std::move(order)));
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> chains,
                         client.DownloadCertificateChains(order.certificate));
  ANVIL_ASSIGN_OR_RETURN(result.chain, crypto::Certificate::ChainFromPem(chains.front()));
  if (result.chain.empty() || !(result.chain.front().public_key() == key->public_key())) {
    return Error(Code::kBadCsr, "the issued certificate does not hold the device's key");
  }
  return result;
}

Status WriteEnrollmentFiles(const DeviceEnrollResult& result, const std::string& tcti,
                            const std::string& cert_out, const std::string& key_ref_out) {
  std::string pem;
  for (const auto& cert : result.chain) pem += cert.ToPem();
  KeyReference reference;
  reference.uri = result.key_uri;
  if (result.key_uri.starts_with("file:")) {
    reference.file = result.key_uri.substr(5);
  } else {
    reference.tcti = tcti;
  }
  reference.cert = Absolute(cert_out);
  ANVIL_ASSIGN_OR_RETURN(std::string text, FormatKeyReference(reference));
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(cert_out, pem, 0644));
  return WriteFileAtomic(key_ref_out, text, 0644);
}

}  // namespace anvil::agent
