// Certificate signing requests (PKCS #10, RFC 2986) as ACME finalize sends them (RFC 8555 §7.4).
//
// A Csr is an immutable parsed request: the server parses one per finalize and checks it against the order
// (names, key, extensions); the client creates one for its order. The subjectAltName of the extensionRequest
// attribute is decoded once, at parse time, so a request whose SAN cannot be decoded is refused up front.
// Copies share the parsed request; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/device_name.h"
#include "crypto/key.h"

namespace anvil::crypto {

class Csr {
 public:
  // Code::kBadCsr on garbage, trailing data, a public key of an unsupported type, a malformed extension
  // request or subjectAltName, more than one subjectAltName, or an iPAddress entry that is neither 4 nor 16
  // bytes. Does not check the signature (VerifySignature).
  static Result<Csr> FromDer(std::string_view der);
  static Result<Csr> FromPem(std::string_view pem);  // "CERTIFICATE REQUEST" (or "NEW CERTIFICATE REQUEST")
  // Client side: a CSR with a subjectAltName extensionRequest (dns names, ip addresses, device names, in that
  // order) signed by key; CN = common_name if non-empty. kInvalidArgument for an IP address that does not parse or
  // a name OpenSSL refuses (e.g. a CN longer than 64 characters, RFC 5280 ub-common-name).
  static Result<Csr> Create(const PrivateKey& key, const std::vector<std::string>& dns_names,
                            const std::vector<std::string>& ip_addresses,
                            const std::string& common_name = "",
                            const std::vector<DeviceName>& device_names = {});

  // The self-signature (proof of possession, RFC 2986 §3).
  bool VerifySignature() const;
  PublicKey public_key() const;
  std::string subject_common_name() const;        // Empty if none (the first CN if several).
  std::vector<std::string> dns_names() const;     // SAN dNSName entries, as written.
  std::vector<std::string> ip_addresses() const;  // SAN iPAddress entries: v4 dotted, v6 RFC 5952.
  // SAN PermanentIdentifier and HardwareModuleName otherNames (device-attest-01's identifiers), in order.
  std::vector<DeviceName> device_names() const;
  // SAN entries of other types (rfc822Name, URI, another otherName, ...) as "email:...", "uri:...",
  // "otherName", so that policy can refuse them (an ACME CA certifies only identifiers it validated).
  std::vector<std::string> other_san_entries() const;
  // Any requested extension other than subjectAltName, e.g. for policy checks (OIDs in dotted form).
  std::vector<std::string> other_requested_extension_oids() const;
  std::string ToDer() const;
  std::string ToPem() const;

  struct Impl;  // Opaque; defined in crypto/internal.h, used only inside crypto/.

 private:
  friend struct internal::Access;
  explicit Csr(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace anvil::crypto
