// Internal to crypto/: the pieces certificates, CSRs and CRLs share: subjectAltName GENERAL_NAMES built from
// and read into strings, URI names and distribution point names, IP address text, common names, ASN.1 times,
// the signature algorithm an issuing key implies, extended key usage names and a minimal DER walk.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "crypto/device_name.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "crypto/ossl_handles.h"

namespace anvil::crypto::internal {

// "192.0.2.1" → 4 bytes, "2001:db8::1" → 16 bytes (inet_pton: no zones, no leading zeros in v4).
// kInvalidArgument otherwise.
Result<std::string> IpTextToBytes(std::string_view text);
// 4 bytes → dotted quad; 16 bytes → RFC 5952 text; nullopt for any other length.
std::optional<std::string> IpBytesToText(std::string_view bytes);

// A GENERAL_NAME of type GEN_DNS, GEN_URI (IA5String) or GEN_IPADD (OCTET STRING) holding `bytes`.
Result<GeneralNamePtr> MakeGeneralName(int type, std::string_view bytes);

// A GENERAL_NAME uniformResourceIdentifier (IA5String); kInvalidArgument unless `url` is printable ASCII
// without spaces.
Result<GeneralNamePtr> UriName(const std::string& url);
// A DistributionPointName fullName of the one URI `url` (RFC 5280 §4.2.1.13, §5.2.5); errors as UriName.
Result<DistPointNamePtr> FullNameUri(const std::string& url);

// How an issuing key signs what it issues, certificates and CRLs alike: the digest (DefaultDigestFor) and the
// signature AlgorithmIdentifier, RFC 5758 §3.2 (ECDSA, parameters absent), RFC 4055 §5 (RSA, parameters
// NULL), RFC 8410 §3 (Ed25519, parameters absent).
struct SignatureAlgorithm {
  DigestAlg digest;
  int nid;         // NID_ecdsa_with_SHA256, NID_sha256WithRSAEncryption, NID_ED25519, ...
  int param_type;  // V_ASN1_UNDEF (parameters absent) or V_ASN1_NULL
};
SignatureAlgorithm SignatureAlgorithmFor(const PublicKey& issuer_key);
// The DER AlgorithmIdentifier of `alg`; "" if it cannot be encoded.
std::string SignatureAlgorithmDer(const SignatureAlgorithm& alg);
// The digest of a signature algorithm, from OBJ_find_sigid_algs's digest and key NIDs: SHA-256/384/512, or
// kNone for Ed25519 (which signs the message itself); nullopt for SHA-1 and anything else. Whether the key
// fits is the caller's check.
std::optional<DigestAlg> SignatureDigestOfNids(int md_nid, int pkey_nid);

// The extended key usages known by name (RFC 5280 §4.2.1.12): "serverAuth" ↔ NID_server_auth, ...;
// NID_undef / nullptr for anything else.
int ExtKeyUsageNid(std::string_view name);
const char* ExtKeyUsageName(int nid);

// GENERAL_NAMES with the dNSNames, the iPAddresses, then the device names (otherName). kInvalidArgument for an
// empty or non-ASCII DNS name, an unparsable address, or a device name with an empty value or a bad OID.
Result<GeneralNamesPtr> BuildSan(const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses,
                                 const std::vector<DeviceName>& device_names = {});

struct SanEntries {
  std::vector<std::string> dns_names, ip_addresses;
  std::vector<DeviceName> device_names;  // PermanentIdentifier and HardwareModuleName otherNames
  std::vector<std::string> others;  // "email:...", "uri:...", "otherName", "dirName", ...
  bool bad_ip = false;              // An iPAddress of a length other than 4 or 16.
  // A PermanentIdentifier without identifierValue (the draft requires it) or a device otherName whose value
  // does not decode.
  bool bad_device_name = false;
};

// The dotted-decimal text of a DER OBJECT IDENTIFIER's content octets; nullopt when they do not decode.
std::optional<std::string> OidContentToText(std::string_view content);
SanEntries ReadSan(const GENERAL_NAMES* names);

// The first commonName of `name` as UTF-8; "" if none.
std::string CommonName(const X509_NAME* name);
// RFC 2253 text of `name`.
std::string NameToRfc2253(const X509_NAME* name);

// UTCTime / GeneralizedTime → TimePoint (seconds precision).
TimePoint Asn1TimeToTimePoint(const ASN1_TIME* t);

// The complete TLV of the first element inside the DER SEQUENCE `der`; nullopt if `der` does not start
// with a well-formed definite-length SEQUENCE.
std::optional<std::string_view> FirstElementOfSequence(std::string_view der);

}  // namespace anvil::crypto::internal
