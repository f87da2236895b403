#include "crypto/csr.h"

#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>
#include <set>

#include "crypto/der.h"
#include "crypto/internal.h"
#include "crypto/spki.h"
#include "crypto/x509_fields.h"

namespace anvil::crypto {

using internal::Access;
using internal::BioPtr;
using internal::DrainErrors;
using internal::ErrorWithOpenSsl;
using internal::ExtensionStackPtr;
using internal::GeneralNamesPtr;
using internal::X509ExtensionPtr;
using internal::X509ReqPtr;

namespace {

// A received request split with Anvil's own DER reader rather than d2i_X509_REQ: OpenSSL 3.0's d2i decodes
// the public key through its decoder framework (about 0.1 ms a request, docs/performance.md). The key is
// imported from its SPKI bytes (PublicKey::FromDer), the signature is checked over the
// certificationRequestInfo exactly as received, and the subject and attributes are decoded by OpenSSL.
struct RequestParts {
  std::string_view info_der;       // certificationRequestInfo, tag and length included: what is signed
  std::string_view subject_der;    // Name
  std::string_view spki_der;       // SubjectPublicKeyInfo
  std::string_view attributes;     // the [0] IMPLICIT SET's content: one Attribute after another
  std::string_view algorithm_der;  // signatureAlgorithm
  std::string_view signature;      // the BIT STRING's bits
};

// CertificationRequest (RFC 2986 §4): SEQUENCE { SEQUENCE { version 0, subject, SPKI, [0] attributes },
// AlgorithmIdentifier, BIT STRING }, DER, nothing after it.
Result<RequestParts> SplitRequest(std::string_view der) {
  RequestParts parts;
  std::string_view in = der;
  auto outer = internal::ReadDerOf(in, 0x30);
  if (!outer) return Error(Code::kBadCsr, "CSR is not a DER PKCS #10 request");
  if (!in.empty()) return Error(Code::kBadCsr, "trailing data after the CSR");
  std::string_view body = *outer;
  auto info = internal::ReadDerOf(body, 0x30, &parts.info_der);
  auto algorithm = internal::ReadDerOf(body, 0x30, &parts.algorithm_der);
  auto signature = internal::ReadDerOf(body, 0x03);
  if (!info || !algorithm || !signature || !body.empty())
    return Error(Code::kBadCsr, "CSR is not a DER PKCS #10 request");
  if (signature->empty() || (*signature)[0] != '\0')
    return Error(Code::kBadCsr, "CSR signature is not a whole number of octets");
  parts.signature = signature->substr(1);
  std::string_view fields = *info;
  auto version = internal::ReadDerOf(fields, 0x02);
  if (!version) return Error(Code::kBadCsr, "CSR request info is malformed");
  if (*version != std::string_view("\0", 1)) return Error(Code::kBadCsr, "CSR version is not 1 (0)");
  auto subject = internal::ReadDerOf(fields, 0x30, &parts.subject_der);
  auto spki = internal::ReadDerOf(fields, 0x30, &parts.spki_der);
  auto attributes = internal::ReadDerOf(fields, 0xa0);
  if (!subject || !spki || !attributes || !fields.empty())
    return Error(Code::kBadCsr, "CSR request info is malformed");
  parts.attributes = *attributes;
  return parts;
}

// The digest of the CSR's signatureAlgorithm, which must fit the key: ECDSA or RSA PKCS #1 v1.5 with SHA-2,
// or Ed25519 (the algorithms Boulder accepts, plus Ed25519).
Result<DigestAlg> SignatureDigest(std::string_view algorithm_der, const PublicKey& key) {
  const unsigned char* p = internal::Uchar(algorithm_der);
  internal::X509AlgorPtr algorithm(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(algorithm_der.size())));
  if (!algorithm) return ErrorWithOpenSsl(Code::kBadCsr, "CSR signature algorithm does not decode");
  const ASN1_OBJECT* oid = nullptr;
  int parameter_type = V_ASN1_UNDEF;
  X509_ALGOR_get0(&oid, &parameter_type, nullptr, algorithm.get());
  int md = NID_undef, pk = NID_undef;
  const int nid = OBJ_obj2nid(oid);
  if (nid == NID_undef || OBJ_find_sigid_algs(nid, &md, &pk) != 1) pk = NID_undef;
  KeyAlgorithm want = KeyAlgorithm::kEc;
  std::optional<DigestAlg> digest = internal::SignatureDigestOfNids(md, pk);
  // Absent, or NULL: RFC 4055 §5 wants NULL for RSA, RFC 5758 §3.2 and RFC 8410 §3 absent for ECDSA and
  // Ed25519, and some encoders write NULL there too (OpenSSL accepts both).
  const bool parameters_ok = parameter_type == V_ASN1_UNDEF || parameter_type == V_ASN1_NULL;
  switch (pk) {
    case NID_X9_62_id_ecPublicKey:
      want = KeyAlgorithm::kEc;
      break;
    case NID_rsaEncryption:
      want = KeyAlgorithm::kRsa;
      break;
    case NID_ED25519:
      want = KeyAlgorithm::kEd25519;
      break;
    default:
      digest.reset();
      break;
  }
  if (!digest || !parameters_ok) {
    return Error(Code::kBadCsr,
                 "CSR signature algorithm " + internal::DottedOid(oid) +
                     " is not supported (want ECDSA or RSA PKCS #1 v1.5 with SHA-2, or Ed25519)");
  }
  if (key.algorithm() != want) return Error(Code::kBadCsr, "CSR signature algorithm does not fit its key");
  return *digest;
}

int CountAttributes(X509_REQ* req, int nid) {
  int count = 0;
  for (int i = X509_REQ_get_attr_by_NID(req, nid, -1); i >= 0; i = X509_REQ_get_attr_by_NID(req, nid, i)) {
    ++count;
  }
  return count;
}

// Everything a caller may ask of the request, decoded once so that no accessor can fail later. `key` is the
// request's key when the caller built the request.
Result<Csr> Decode(std::string der, std::optional<PublicKey> key = std::nullopt) {
  ANVIL_ASSIGN_OR_RETURN(RequestParts parts, SplitRequest(der));
  if (!key) {
    auto parsed = PublicKey::FromDer(parts.spki_der);
    if (!parsed.ok()) return Error(Code::kBadCsr, "CSR public key: " + parsed.status().message());
    key = std::move(parsed).value();
  }
  ANVIL_ASSIGN_OR_RETURN(DigestAlg digest, SignatureDigest(parts.algorithm_der, *key));

  // The subject and the attributes in an X509_REQ of their own, for OpenSSL's readers of names and
  // extension requests; it holds no key and no signature.
  X509ReqPtr req(X509_REQ_new());
  if (!req) return ErrorWithOpenSsl(Code::kInternal, "X509_REQ_new failed");
  const unsigned char* p = internal::Uchar(parts.subject_der);
  internal::X509NamePtr subject(d2i_X509_NAME(nullptr, &p, static_cast<long>(parts.subject_der.size())));
  if (!subject || p != internal::Uchar(parts.subject_der) + parts.subject_der.size() ||
      X509_REQ_set_subject_name(req.get(), subject.get()) != 1) {
    return ErrorWithOpenSsl(Code::kBadCsr, "CSR subject is malformed");
  }
  for (std::string_view rest = parts.attributes; !rest.empty();) {
    std::string_view raw;
    if (!internal::ReadDerOf(rest, 0x30, &raw)) return Error(Code::kBadCsr, "CSR attributes are malformed");
    p = internal::Uchar(raw);
    internal::X509AttributePtr attribute(d2i_X509_ATTRIBUTE(nullptr, &p, static_cast<long>(raw.size())));
    if (!attribute || p != internal::Uchar(raw) + raw.size() ||
        X509_REQ_add1_attr(req.get(), attribute.get()) != 1)
      return ErrorWithOpenSsl(Code::kBadCsr, "CSR attributes are malformed");
  }

  auto impl = std::make_shared<Csr::Impl>(std::move(*key));
  const X509_NAME* subject_name = X509_REQ_get_subject_name(req.get());
  // A second commonName would escape every check made on "the" CN.
  if (int first = X509_NAME_get_index_by_NID(subject_name, NID_commonName, -1);
      first >= 0 && X509_NAME_get_index_by_NID(subject_name, NID_commonName, first) >= 0) {
    return Error(Code::kBadCsr, "CSR subject has more than one commonName");
  }
  impl->common_name = internal::CommonName(subject_name);
  impl->info_der = std::string(parts.info_der);
  impl->signature = std::string(parts.signature);
  impl->signature_digest = digest;

  // Requested extensions live in one PKCS #9 extensionRequest attribute (RFC 2986 §4.1, RFC 2985 §5.4.2);
  // OpenSSL also reads Microsoft's variant.
  int attributes = CountAttributes(req.get(), NID_ext_req) + CountAttributes(req.get(), NID_ms_ext_req);
  if (attributes > 1) return Error(Code::kBadCsr, "CSR has more than one extensionRequest attribute");
  ExtensionStackPtr exts(X509_REQ_get_extensions(req.get()));
  if (attributes == 1 && !exts) return ErrorWithOpenSsl(Code::kBadCsr, "CSR extensionRequest is malformed");
  DrainErrors();
  std::set<std::string> seen_oids;
  for (int i = 0; exts && i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    std::string oid = internal::DottedOid(obj);
    if (!seen_oids.insert(oid).second)
      return Error(Code::kBadCsr, "CSR requests extension " + oid + " twice");
    if (OBJ_obj2nid(obj) != NID_subject_alt_name) {
      impl->other_extension_oids.push_back(std::move(oid));
      continue;
    }
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
    if (!names) return ErrorWithOpenSsl(Code::kBadCsr, "CSR subjectAltName is malformed");
    internal::SanEntries san = internal::ReadSan(names.get());
    if (san.bad_ip)
      return Error(Code::kBadCsr, "CSR subjectAltName has an iPAddress that is not 4 or 16 bytes");
    if (san.bad_device_name) {
      return Error(Code::kBadCsr,
                   "CSR subjectAltName has a PermanentIdentifier or HardwareModuleName that does not decode "
                   "(or a PermanentIdentifier without identifierValue)");
    }
    impl->device_names = std::move(san.device_names);
    impl->dns_names = std::move(san.dns_names);
    impl->ip_addresses = std::move(san.ip_addresses);
    impl->other_san_entries = std::move(san.others);
  }
  impl->der = std::move(der);
  return Access::MakeCsr(std::move(impl));
}

}  // namespace

Result<Csr> Csr::FromDer(std::string_view der) {
  if (der.empty()) return Error(Code::kBadCsr, "empty CSR");
  return Decode(std::string(der));
}

Result<Csr> Csr::FromPem(std::string_view pem) {
  BioPtr bio = internal::MemBioFrom(pem);
  if (!bio) return Error(Code::kBadCsr, "PEM too large");
  // Any PEM block up to the first request; then the DER goes through FromDer like a finalize's.
  while (true) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      return ErrorWithOpenSsl(Code::kBadCsr, "no CERTIFICATE REQUEST in PEM");
    }
    const std::string type = name;
    std::string der(reinterpret_cast<const char*>(data), static_cast<size_t>(len));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (type == PEM_STRING_X509_REQ || type == PEM_STRING_X509_REQ_OLD) return FromDer(der);
  }
}

Result<Csr> Csr::Create(const PrivateKey& key, const std::vector<std::string>& dns_names,
                        const std::vector<std::string>& ip_addresses, const std::string& common_name,
                        const std::vector<DeviceName>& device_names) {
  X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "X509_REQ_new failed");
  }
  if (!common_name.empty() &&
      X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return ErrorWithOpenSsl(Code::kInvalidArgument, "invalid common name \"" + common_name + "\"");
  }
  ANVIL_RETURN_IF_ERROR(
      internal::SetPubkeyFromSpki(X509_REQ_get_X509_PUBKEY(req.get()), Access::Spki(key.public_key())));
  if (!dns_names.empty() || !ip_addresses.empty() || !device_names.empty()) {
    ANVIL_ASSIGN_OR_RETURN(GeneralNamesPtr names, internal::BuildSan(dns_names, ip_addresses, device_names));
    ExtensionStackPtr exts(sk_X509_EXTENSION_new_null());
    X509ExtensionPtr san(X509V3_EXT_i2d(NID_subject_alt_name, 0, names.get()));
    if (!exts || !san || sk_X509_EXTENSION_push(exts.get(), san.get()) <= 0) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot build the subjectAltName extension");
    }
    (void)san.release();  // Now owned by exts.
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
      return ErrorWithOpenSsl(Code::kInternal, "X509_REQ_add_extensions failed");
    }
  }
  // md is NULL for Ed25519, which hashes internally.
  if (X509_REQ_sign(req.get(), Access::Pkey(key), internal::EvpMd(DefaultDigestFor(key.public_key()))) <= 0) {
    return ErrorWithOpenSsl(Code::kInternal, "signing the CSR failed");
  }
  std::string der = internal::I2d(req.get(), i2d_X509_REQ);
  if (der.empty()) return ErrorWithOpenSsl(Code::kInternal, "cannot encode the CSR");
  // Decoded like a received request (the same checks and fields), with the key it was built for.
  return Decode(std::move(der), key.public_key());
}

bool Csr::VerifySignature() const {
  return impl_->public_key.Verify(impl_->signature_digest, impl_->info_der, impl_->signature);
}

PublicKey Csr::public_key() const { return impl_->public_key; }
std::string Csr::subject_common_name() const { return impl_->common_name; }
std::vector<std::string> Csr::dns_names() const { return impl_->dns_names; }
std::vector<std::string> Csr::ip_addresses() const { return impl_->ip_addresses; }
std::vector<DeviceName> Csr::device_names() const { return impl_->device_names; }
std::vector<std::string> Csr::other_san_entries() const { return impl_->other_san_entries; }
std::vector<std::string> Csr::other_requested_extension_oids() const { return impl_->other_extension_oids; }
std::string Csr::ToDer() const { return impl_->der; }

std::string Csr::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio(bio.get(), PEM_STRING_X509_REQ, "", internal::Uchar(impl_->der),
                            static_cast<long>(impl_->der.size())) <= 0) {
    DrainErrors();
    return {};
  }
  return internal::MemBioContents(bio.get());
}

}  // namespace anvil::crypto
