// Parsing side of certificate.h: Certificate. Building is in certificate_builder.cc, chain verification in
// certificate_verify.cc.
#include "crypto/certificate.h"

#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>

#include "crypto/internal.h"
#include "crypto/x509_fields.h"

namespace anvil::crypto {

using internal::Access;
using internal::Asn1Bytes;
using internal::BignumPtr;
using internal::BioPtr;
using internal::DrainErrors;
using internal::ErrorWithOpenSsl;
using internal::X509Ptr;

namespace {

constexpr char kAcmeIdentifierOid[] = "1.3.6.1.5.5.7.1.31";  // id-pe-acmeIdentifier, RFC 8737 §6.1.

struct OpenSslFree {
  void operator()(char* p) const { OPENSSL_free(p); }
};

Result<Certificate> Decode(X509Ptr x509, std::string der) {
  // d2i_X509 decoded the key already (through OpenSSL 3's decoders, the costly part of parsing): share it.
  EVP_PKEY* embedded = X509_get0_pubkey(x509.get());
  if (embedded == nullptr || EVP_PKEY_up_ref(embedded) != 1)
    return ErrorWithOpenSsl(Code::kMalformed, "certificate public key does not decode");
  std::string spki = internal::I2d(X509_get_X509_PUBKEY(x509.get()), i2d_X509_PUBKEY);
  auto key = Access::WrapPublic(internal::EvpPkeyPtr(embedded), std::move(spki));
  if (!key.ok()) return Error(Code::kMalformed, "certificate public key: " + key.status().message());
  // Fill OpenSSL's extension cache now (it is filled under a lock anyway) and refuse certificates whose
  // extensions OpenSSL itself cannot decode.
  if ((X509_get_extension_flags(x509.get()) & EXFLAG_INVALID) != 0) {
    return ErrorWithOpenSsl(Code::kMalformed, "certificate has invalid extensions");
  }
  DrainErrors();
  return Access::MakeCertificate(
      std::make_shared<Certificate::Impl>(std::move(x509), std::move(key).value(), std::move(der)));
}

// The SAN of `x`, decoded (empty if absent).
internal::SanEntries San(X509* x) {
  internal::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  DrainErrors();
  return internal::ReadSan(names.get());
}

}  // namespace

Result<Certificate> Certificate::FromDer(std::string_view der) {
  if (der.empty()) return Error(Code::kMalformed, "empty certificate");
  const unsigned char* p = internal::Uchar(der);
  X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x509) return ErrorWithOpenSsl(Code::kMalformed, "not a DER X.509 certificate");
  if (p != internal::Uchar(der) + der.size())
    return Error(Code::kMalformed, "trailing data after the certificate");
  return Decode(std::move(x509), std::string(der));
}

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  ANVIL_ASSIGN_OR_RETURN(std::vector<Certificate> chain, ChainFromPem(pem));
  return chain.front();
}

Result<std::vector<Certificate>> Certificate::ChainFromPem(std::string_view pem) {
  BioPtr bio = internal::MemBioFrom(pem);
  if (!bio) return Error(Code::kMalformed, "PEM too large");
  std::vector<Certificate> chain;
  while (true) {
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* data_raw = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name_raw, &header_raw, &data_raw, &len) != 1) break;  // End of input.
    std::unique_ptr<char, OpenSslFree> name(name_raw), header(header_raw);
    std::unique_ptr<char, OpenSslFree> data(reinterpret_cast<char*>(data_raw));
    if (std::string_view(name.get()) != "CERTIFICATE") continue;
    auto cert = FromDer(std::string_view(data.get(), static_cast<size_t>(len)));
    if (!cert.ok()) {
      return Error(Code::kMalformed,
                   "certificate " + std::to_string(chain.size() + 1) + " in PEM: " + cert.status().message());
    }
    chain.push_back(std::move(cert).value());
  }
  DrainErrors();  // PEM_read_bio reports the end of input as an error.
  if (chain.empty()) return Error(Code::kMalformed, "no CERTIFICATE in PEM");
  return chain;
}

std::string Certificate::ToDer() const { return impl_->der; }

std::string Certificate::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), impl_->x509.get()) != 1) {
    DrainErrors();
    return {};
  }
  return internal::MemBioContents(bio.get());
}

std::string Certificate::serial_hex() const { return SerialHex(serial_bytes()); }

std::string Certificate::serial_bytes() const {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(impl_->x509.get()), nullptr));
  if (!bn || BN_is_zero(bn.get())) {
    DrainErrors();
    return std::string(1, '\0');
  }
  // The magnitude: RFC 5280 §4.1.2.2 requires a positive serial, but some CAs got that wrong.
  std::string out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

TimePoint Certificate::not_before() const {
  return internal::Asn1TimeToTimePoint(X509_get0_notBefore(impl_->x509.get()));
}
TimePoint Certificate::not_after() const {
  return internal::Asn1TimeToTimePoint(X509_get0_notAfter(impl_->x509.get()));
}

std::string Certificate::subject() const {
  return internal::NameToRfc2253(X509_get_subject_name(impl_->x509.get()));
}
std::string Certificate::issuer() const {
  return internal::NameToRfc2253(X509_get_issuer_name(impl_->x509.get()));
}
std::string Certificate::subject_common_name() const {
  return internal::CommonName(X509_get_subject_name(impl_->x509.get()));
}

std::vector<std::string> Certificate::dns_names() const { return San(impl_->x509.get()).dns_names; }
std::vector<std::string> Certificate::ip_addresses() const { return San(impl_->x509.get()).ip_addresses; }
std::vector<DeviceName> Certificate::device_names() const { return San(impl_->x509.get()).device_names; }

Result<std::optional<CertificateExtension>> Certificate::extension(std::string_view dotted_oid) const {
  internal::Asn1ObjectPtr oid = internal::ObjectFromDottedOid(dotted_oid);
  if (!oid) {
    DrainErrors();
    return Error(Code::kInvalidArgument, "not a dotted OID: " + std::string(dotted_oid));
  }
  X509* x = impl_->x509.get();
  int idx = X509_get_ext_by_OBJ(x, oid.get(), -1);
  if (idx < 0) return std::optional<CertificateExtension>();
  if (X509_get_ext_by_OBJ(x, oid.get(), idx) >= 0) {
    return Error(Code::kMalformed, "extension " + std::string(dotted_oid) + " appears more than once");
  }
  X509_EXTENSION* ext = X509_get_ext(x, idx);
  return std::optional<CertificateExtension>(CertificateExtension{
      std::string(dotted_oid), Asn1Bytes(X509_EXTENSION_get_data(ext)), X509_EXTENSION_get_critical(ext) != 0});
}

std::string Certificate::subject_der() const {
  return internal::I2d(X509_get_subject_name(impl_->x509.get()), i2d_X509_NAME);
}

int Certificate::version() const { return static_cast<int>(X509_get_version(impl_->x509.get())) + 1; }

PublicKey Certificate::public_key() const { return impl_->public_key; }

std::string Certificate::subject_key_id() const {
  return Asn1Bytes(X509_get0_subject_key_id(impl_->x509.get()));
}
std::string Certificate::authority_key_id() const {
  return Asn1Bytes(X509_get0_authority_key_id(impl_->x509.get()));
}

bool Certificate::is_ca() const { return (X509_get_extension_flags(impl_->x509.get()) & EXFLAG_CA) != 0; }

std::string Certificate::fingerprint_sha256() const { return Sha256(impl_->der); }

bool Certificate::IsSignedBy(const PublicKey& issuer_key) const {
  int rc = X509_verify(impl_->x509.get(), Access::Pkey(issuer_key));
  DrainErrors();
  return rc == 1;
}

Result<std::optional<std::pair<std::string, bool>>> Certificate::acme_identifier() const {
  internal::Asn1ObjectPtr oid = internal::ObjectFromDottedOid(kAcmeIdentifierOid);
  if (!oid) return ErrorWithOpenSsl(Code::kInternal, "cannot build the acmeIdentifier OID");
  X509* x = impl_->x509.get();
  int idx = X509_get_ext_by_OBJ(x, oid.get(), -1);
  if (idx < 0) return std::optional<std::pair<std::string, bool>>();
  if (X509_get_ext_by_OBJ(x, oid.get(), idx) >= 0) {
    return Error(Code::kMalformed, "acmeIdentifier extension appears more than once");
  }
  X509_EXTENSION* ext = X509_get_ext(x, idx);
  // extnValue holds the DER of Authorization ::= OCTET STRING (SIZE (32)) (RFC 8737 §3). Requiring the
  // re-encoding to match rejects BER forms (constructed strings, long-form lengths).
  std::string value = Asn1Bytes(X509_EXTENSION_get_data(ext));
  const unsigned char* p = internal::Uchar(value);
  internal::Asn1OctetStringPtr inner(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(value.size())));
  if (!inner || p != internal::Uchar(value) + value.size() ||
      internal::I2d(inner.get(), i2d_ASN1_OCTET_STRING) != value) {
    DrainErrors();
    return Error(Code::kMalformed, "acmeIdentifier extension is not a DER OCTET STRING");
  }
  return std::optional<std::pair<std::string, bool>>(
      std::make_pair(Asn1Bytes(inner.get()), X509_EXTENSION_get_critical(ext) != 0));
}

std::vector<std::string> Certificate::ext_key_usages() const {
  std::vector<std::string> out;
  std::unique_ptr<EXTENDED_KEY_USAGE, internal::Deleter<EXTENDED_KEY_USAGE_free>> eku(
      static_cast<EXTENDED_KEY_USAGE*>(
          X509_get_ext_d2i(impl_->x509.get(), NID_ext_key_usage, nullptr, nullptr)));
  DrainErrors();
  for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    const ASN1_OBJECT* obj = sk_ASN1_OBJECT_value(eku.get(), i);
    const char* name = internal::ExtKeyUsageName(OBJ_obj2nid(obj));
    out.push_back(name != nullptr ? std::string(name) : internal::DottedOid(obj));
  }
  return out;
}

std::string Certificate::tbs_der() const {
  auto tbs = internal::FirstElementOfSequence(impl_->der);
  return tbs ? std::string(*tbs) : std::string();
}

}  // namespace anvil::crypto
