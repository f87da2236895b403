// Building and signing certificates (RFC 5280 profile): PreparedCertificate and IssueCertificate.
//
// The TBSCertificate is encoded once, signed with PrivateKey::Sign and wrapped into the Certificate
// SEQUENCE here, instead of X509_sign re-encoding it, so the bytes tbs_der() shows are the bytes signed.
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/certificate.h"
#include "crypto/der.h"
#include "crypto/internal.h"
#include "crypto/spki.h"
#include "crypto/x509_fields.h"

namespace anvil::crypto {

using internal::Access;
using internal::ErrorWithOpenSsl;

struct PreparedCertificate::Impl {
  internal::X509Ptr x509;
  PublicKey issuer_key;
  DigestAlg digest;
};

namespace {

constexpr char kAcmeIdentifierOid[] = "1.3.6.1.5.5.7.1.31";  // id-pe-acmeIdentifier, RFC 8737 §6.1.

Status InvalidTemplate(std::string message) {
  return ErrorWithOpenSsl(Code::kInvalidArgument, std::move(message));
}

// RFC 5280 §4.2.1.2 method 1: SHA-1 of the BIT STRING subjectPublicKey (without tag, length, unused bits).
Result<std::string> KeyIdentifier(const PublicKey& key) {
  ANVIL_ASSIGN_OR_RETURN(internal::SpkiParts spki, internal::SplitSpki(Access::Spki(key)));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(spki.key_bits.data(), spki.key_bits.size(), md, &md_len, EVP_sha1(), nullptr) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "SHA-1 failed");
  }
  return std::string(reinterpret_cast<char*>(md), md_len);
}

Result<internal::Asn1OctetStringPtr> OctetString(std::string_view bytes) {
  internal::Asn1OctetStringPtr s(ASN1_OCTET_STRING_new());
  if (!s || ASN1_OCTET_STRING_set(s.get(), internal::Uchar(bytes), static_cast<int>(bytes.size())) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot build an OCTET STRING");
  }
  return s;
}

// An extension given as its OID and encoded value; refused when the certificate already has one with that OID.
Status AddRawExtension(X509* x, const CertificateExtension& extension) {
  internal::Asn1ObjectPtr oid = internal::ObjectFromDottedOid(extension.oid);
  if (!oid) return InvalidTemplate("invalid extension OID \"" + extension.oid + "\"");
  if (X509_get_ext_by_OBJ(x, oid.get(), -1) >= 0) {
    return Error(Code::kInvalidArgument, "extension " + extension.oid + " is set twice");
  }
  ANVIL_ASSIGN_OR_RETURN(internal::Asn1OctetStringPtr value, OctetString(extension.value));
  internal::X509ExtensionPtr ext(
      X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), extension.critical ? 1 : 0, value.get()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot add extension " + extension.oid);
  }
  return Status::Ok();
}

Status AddExtension(X509* x, int nid, void* value, bool critical) {
  if (X509_add1_ext_i2d(x, nid, value, critical ? 1 : 0, X509V3_ADD_DEFAULT) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, std::string("cannot add extension ") + OBJ_nid2sn(nid));
  }
  return Status::Ok();
}

Status SetSerial(X509* x, std::string_view serial) {
  while (!serial.empty() && serial.front() == '\0') serial.remove_prefix(1);
  // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets (DER adds a zero octet if the top bit is set).
  if (serial.empty()) return Error(Code::kInvalidArgument, "serial must be non-zero");
  if (serial.size() > 20 || (serial.size() == 20 && (static_cast<unsigned char>(serial[0]) & 0x80) != 0)) {
    return Error(Code::kInvalidArgument, "serial longer than 20 octets");
  }
  internal::BignumPtr bn(BN_bin2bn(internal::Uchar(serial), static_cast<int>(serial.size()), nullptr));
  internal::Asn1IntegerPtr integer(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!integer || X509_set_serialNumber(x, integer.get()) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot set the serial");
  }
  return Status::Ok();
}

Status SetSubject(X509* x, const DistinguishedName& dn) {
  internal::X509NamePtr name(X509_NAME_new());
  if (!name) return ErrorWithOpenSsl(Code::kInternal, "X509_NAME_new failed");
  // Most significant first (C, O, OU, CN). OpenSSL's string table picks PrintableString for countryName and
  // enforces the upper bounds of RFC 5280 Appendix A (e.g. 64 characters for a CN).
  const std::pair<int, const std::string*> entries[] = {{NID_countryName, &dn.country},
                                                        {NID_organizationName, &dn.organization},
                                                        {NID_organizationalUnitName, &dn.organizational_unit},
                                                        {NID_commonName, &dn.common_name}};
  for (const auto& [nid, value] : entries) {
    if (value->empty()) continue;
    if (X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8, internal::Uchar(*value),
                                   static_cast<int>(value->size()), -1, 0) != 1) {
      return InvalidTemplate(std::string("invalid ") + OBJ_nid2sn(nid) + " \"" + *value + "\"");
    }
  }
  if (X509_set_subject_name(x, name.get()) != 1)
    return ErrorWithOpenSsl(Code::kInternal, "cannot set subject");
  return Status::Ok();
}

Status AddBasicConstraints(X509* x, const CertificateTemplate& tmpl) {
  internal::BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  if (!bc) return ErrorWithOpenSsl(Code::kInternal, "BASIC_CONSTRAINTS_new failed");
  bc->ca = tmpl.is_ca ? 0xFF : 0;
  if (tmpl.path_length) {
    // RFC 5280 §4.2.1.9: pathLenConstraint only when cA is asserted, and never negative.
    if (!tmpl.is_ca || *tmpl.path_length < 0) {
      return Error(Code::kInvalidArgument, "path_length needs is_ca and must not be negative");
    }
    bc->pathlen = ASN1_INTEGER_new();
    if (bc->pathlen == nullptr || ASN1_INTEGER_set(bc->pathlen, *tmpl.path_length) != 1) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot set pathLenConstraint");
    }
  }
  return AddExtension(x, NID_basic_constraints, bc.get(), /*critical=*/true);
}

Status AddKeyUsage(X509* x, const CertificateTemplate& tmpl) {
  // RFC 5280 §4.2.1.3 bit numbers.
  const std::pair<int, bool> bits[] = {
      {0, tmpl.digital_signature}, {2, tmpl.key_encipherment}, {5, tmpl.key_cert_sign}, {6, tmpl.crl_sign}};
  internal::Asn1BitStringPtr usage(ASN1_BIT_STRING_new());
  if (!usage) return ErrorWithOpenSsl(Code::kInternal, "ASN1_BIT_STRING_new failed");
  bool any = false;
  for (const auto& [bit, set] : bits) {
    if (!set) continue;
    any = true;
    if (ASN1_BIT_STRING_set_bit(usage.get(), bit, 1) != 1)
      return ErrorWithOpenSsl(Code::kInternal, "keyUsage");
  }
  if (!any) return Status::Ok();  // "When present, ... at least one of the bits MUST be set".
  return AddExtension(x, NID_key_usage, usage.get(), /*critical=*/true);
}

Status AddExtKeyUsage(X509* x, const CertificateTemplate& tmpl) {
  if (tmpl.ext_key_usages.empty()) return Status::Ok();
  internal::ExtendedKeyUsagePtr eku(sk_ASN1_OBJECT_new_null());
  if (!eku) return ErrorWithOpenSsl(Code::kInternal, "cannot build extKeyUsage");
  for (const auto& usage : tmpl.ext_key_usages) {
    internal::Asn1ObjectPtr obj;
    if (const int nid = internal::ExtKeyUsageNid(usage); nid != NID_undef) {
      obj.reset(OBJ_dup(OBJ_nid2obj(nid)));
    } else {
      obj = internal::ObjectFromDottedOid(usage);
      if (!obj) return InvalidTemplate("invalid extended key usage \"" + usage + "\"");
    }
    if (!obj || sk_ASN1_OBJECT_push(eku.get(), obj.get()) <= 0) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot build extKeyUsage");
    }
    (void)obj.release();  // Now owned by eku.
  }
  return AddExtension(x, NID_ext_key_usage, eku.get(), /*critical=*/false);
}

Status AddKeyIdentifiers(X509* x, const PublicKey& subject_key, const Certificate* issuer,
                         const PublicKey& issuer_key) {
  ANVIL_ASSIGN_OR_RETURN(std::string ski, KeyIdentifier(subject_key));
  ANVIL_ASSIGN_OR_RETURN(internal::Asn1OctetStringPtr ski_octets, OctetString(ski));
  ANVIL_RETURN_IF_ERROR(AddExtension(x, NID_subject_key_identifier, ski_octets.get(), false));

  // RFC 5280 §4.2.1.1: the AKI keyIdentifier is the issuer's SKI. When the issuer certificate has none (or
  // for a self-signed certificate) it is derived from the issuer key with the same method.
  std::string aki = issuer != nullptr ? issuer->subject_key_id() : std::string();
  if (aki.empty()) {
    ANVIL_ASSIGN_OR_RETURN(aki, KeyIdentifier(issuer_key));
  }
  internal::AuthorityKeyIdPtr akid(AUTHORITY_KEYID_new());
  if (!akid) return ErrorWithOpenSsl(Code::kInternal, "AUTHORITY_KEYID_new failed");
  ANVIL_ASSIGN_OR_RETURN(internal::Asn1OctetStringPtr aki_octets, OctetString(aki));
  akid->keyid = aki_octets.release();
  return AddExtension(x, NID_authority_key_identifier, akid.get(), false);
}

Status AddAuthorityInfoAccess(X509* x, const CertificateTemplate& tmpl) {
  if (tmpl.ocsp_url.empty() && tmpl.ca_issuers_url.empty()) return Status::Ok();
  internal::AuthorityInfoAccessPtr aia(sk_ACCESS_DESCRIPTION_new_null());
  if (!aia) return ErrorWithOpenSsl(Code::kInternal, "cannot build authorityInfoAccess");
  const std::pair<int, const std::string*> entries[] = {{NID_ad_OCSP, &tmpl.ocsp_url},
                                                        {NID_ad_ca_issuers, &tmpl.ca_issuers_url}};
  for (const auto& [method, url] : entries) {
    if (url->empty()) continue;
    ANVIL_ASSIGN_OR_RETURN(internal::GeneralNamePtr location, internal::UriName(*url));
    internal::AccessDescriptionPtr ad(ACCESS_DESCRIPTION_new());
    if (!ad) return ErrorWithOpenSsl(Code::kInternal, "ACCESS_DESCRIPTION_new failed");
    ASN1_OBJECT_free(ad->method);
    ad->method = OBJ_dup(OBJ_nid2obj(method));
    GENERAL_NAME_free(ad->location);
    ad->location = location.release();
    if (ad->method == nullptr || sk_ACCESS_DESCRIPTION_push(aia.get(), ad.get()) <= 0) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot build authorityInfoAccess");
    }
    (void)ad.release();  // Now owned by aia.
  }
  return AddExtension(x, NID_info_access, aia.get(), false);
}

Status AddCrlDistributionPoint(X509* x, const CertificateTemplate& tmpl) {
  if (tmpl.crl_url.empty()) return Status::Ok();
  ANVIL_ASSIGN_OR_RETURN(internal::DistPointNamePtr name, internal::FullNameUri(tmpl.crl_url));
  internal::DistPointPtr dp(DIST_POINT_new());
  internal::CrlDistPointsPtr points(sk_DIST_POINT_new_null());
  if (!dp || !points) return ErrorWithOpenSsl(Code::kInternal, "cannot build cRLDistributionPoints");
  dp->distpoint = name.release();
  if (sk_DIST_POINT_push(points.get(), dp.get()) <= 0) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot build cRLDistributionPoints");
  }
  (void)dp.release();
  return AddExtension(x, NID_crl_distribution_points, points.get(), false);
}

// RFC 6960 §4.2.2.2.1: id-pkix-ocsp-nocheck, non-critical, "the value of the extension SHALL be NULL".
Status AddOcspNoCheck(X509* x) {
  ANVIL_ASSIGN_OR_RETURN(internal::Asn1OctetStringPtr null_der, OctetString(std::string("\x05\x00", 2)));
  internal::X509ExtensionPtr ext(
      X509_EXTENSION_create_by_NID(nullptr, NID_id_pkix_OCSP_noCheck, 0, null_der.get()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot add the OCSP noCheck extension");
  }
  return Status::Ok();
}

Status AddAcmeIdentifier(X509* x, const std::string& value) {
  // RFC 8737 §3: a critical extension whose extnValue is the DER of an OCTET STRING.
  ANVIL_ASSIGN_OR_RETURN(internal::Asn1OctetStringPtr inner, OctetString(value));
  std::string inner_der = internal::I2d(inner.get(), i2d_ASN1_OCTET_STRING);
  ANVIL_ASSIGN_OR_RETURN(internal::Asn1OctetStringPtr extn_value, OctetString(inner_der));
  internal::Asn1ObjectPtr oid = internal::ObjectFromDottedOid(kAcmeIdentifierOid);
  internal::X509ExtensionPtr ext(oid ? X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, extn_value.get())
                                     : nullptr);
  if (inner_der.empty() || !ext || X509_add_ext(x, ext.get(), -1) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot add the acmeIdentifier extension");
  }
  return Status::Ok();
}

}  // namespace

PreparedCertificate::PreparedCertificate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PreparedCertificate::PreparedCertificate(PreparedCertificate&&) noexcept = default;
PreparedCertificate& PreparedCertificate::operator=(PreparedCertificate&&) noexcept = default;
PreparedCertificate::~PreparedCertificate() = default;

Result<PreparedCertificate> PreparedCertificate::Create(const CertificateTemplate& tmpl,
                                                        const PublicKey& subject_key,
                                                        const Certificate* issuer,
                                                        const PublicKey& issuer_key) {
  if (tmpl.not_after < tmpl.not_before)
    return Error(Code::kInvalidArgument, "not_after is before not_before");
  if (issuer != nullptr && !(issuer->public_key() == issuer_key)) {
    return Error(Code::kInvalidArgument, "issuer_key is not the key of the issuer certificate");
  }
  internal::X509Ptr x509(X509_new());
  X509* x = x509.get();
  if (!x || X509_set_version(x, X509_VERSION_3) != 1)
    return ErrorWithOpenSsl(Code::kInternal, "X509_new failed");
  ANVIL_RETURN_IF_ERROR(SetSerial(x, tmpl.serial));
  ANVIL_RETURN_IF_ERROR(SetSubject(x, tmpl.subject));
  X509_NAME* issuer_name =
      issuer != nullptr ? X509_get_subject_name(Access::X509Of(*issuer)) : X509_get_subject_name(x);
  if (X509_set_issuer_name(x, issuer_name) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(ToUnixSeconds(tmpl.not_before))) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(ToUnixSeconds(tmpl.not_after))) == nullptr) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot set issuer or validity");
  }
  ANVIL_RETURN_IF_ERROR(internal::SetPubkeyFromSpki(X509_get_X509_PUBKEY(x), Access::Spki(subject_key)));
  // The TBSCertificate names its own signature algorithm (RFC 5280 §4.1.2.3); it must be in place before
  // tbs_der() is taken. OpenSSL exposes the field only const (X509_sign normally fills it).
  const internal::SignatureAlgorithm sig = internal::SignatureAlgorithmFor(issuer_key);
  auto* tbs_alg = const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(x));
  if (X509_ALGOR_set0(tbs_alg, OBJ_nid2obj(sig.nid), sig.param_type, nullptr) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot set the signature algorithm");
  }

  ANVIL_RETURN_IF_ERROR(AddKeyUsage(x, tmpl));
  ANVIL_RETURN_IF_ERROR(AddExtKeyUsage(x, tmpl));
  ANVIL_RETURN_IF_ERROR(AddBasicConstraints(x, tmpl));
  ANVIL_RETURN_IF_ERROR(AddKeyIdentifiers(x, subject_key, issuer, issuer_key));
  ANVIL_RETURN_IF_ERROR(AddAuthorityInfoAccess(x, tmpl));
  if (!tmpl.dns_names.empty() || !tmpl.ip_addresses.empty() || !tmpl.device_names.empty()) {
    ANVIL_ASSIGN_OR_RETURN(internal::GeneralNamesPtr names,
                           internal::BuildSan(tmpl.dns_names, tmpl.ip_addresses, tmpl.device_names));
    // RFC 5280 §4.2.1.6: critical when the subject field is an empty sequence.
    bool empty_subject = X509_NAME_entry_count(X509_get_subject_name(x)) == 0;
    ANVIL_RETURN_IF_ERROR(AddExtension(x, NID_subject_alt_name, names.get(), empty_subject));
  }
  ANVIL_RETURN_IF_ERROR(AddCrlDistributionPoint(x, tmpl));
  if (tmpl.acme_identifier) ANVIL_RETURN_IF_ERROR(AddAcmeIdentifier(x, *tmpl.acme_identifier));
  if (tmpl.ocsp_no_check) ANVIL_RETURN_IF_ERROR(AddOcspNoCheck(x));
  for (const auto& extra : tmpl.extra_extensions) ANVIL_RETURN_IF_ERROR(AddRawExtension(x, extra));
  internal::DrainErrors();

  return PreparedCertificate(std::make_unique<Impl>(Impl{std::move(x509), issuer_key, sig.digest}));
}

Result<std::string> PreparedCertificate::tbs_der() const {
  unsigned char* out = nullptr;
  int len = i2d_re_X509_tbs(impl_->x509.get(), &out);
  if (len <= 0) return ErrorWithOpenSsl(Code::kInternal, "cannot encode the TBSCertificate");
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return der;
}

Result<std::string> PreparedCertificate::SignToDer(const PrivateKey& issuer_key) && {
  if (!(issuer_key.public_key() == impl_->issuer_key)) {
    return Error(Code::kInvalidArgument,
                 "signing key is not the issuer key the certificate was prepared for");
  }
  ANVIL_ASSIGN_OR_RETURN(std::string tbs, tbs_der());
  ANVIL_ASSIGN_OR_RETURN(std::string signature, issuer_key.Sign(impl_->digest, tbs));
  // A signature that does not verify (a fault in the signer) must never leave the CA.
  if (!impl_->issuer_key.Verify(impl_->digest, tbs, signature))
    return Error(Code::kInternal, "issued certificate does not verify");
  std::string alg = internal::I2d(X509_get0_tbs_sigalg(impl_->x509.get()), i2d_X509_ALGOR);
  if (alg.empty()) return ErrorWithOpenSsl(Code::kInternal, "cannot encode the signature algorithm");
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
  // (RFC 5280 §4.1); the BIT STRING has no unused bits.
  return internal::DerTlv(0x30, tbs + alg + internal::DerTlv(0x03, std::string(1, '\0') + signature));
}

Result<Certificate> PreparedCertificate::Sign(const PrivateKey& issuer_key) && {
  ANVIL_ASSIGN_OR_RETURN(std::string der, std::move(*this).SignToDer(issuer_key));
  return Certificate::FromDer(der);
}

Result<Certificate> IssueCertificate(const CertificateTemplate& tmpl, const PublicKey& subject_key,
                                     const Certificate* issuer, const PrivateKey& issuer_key) {
  ANVIL_ASSIGN_OR_RETURN(PreparedCertificate prepared,
                         PreparedCertificate::Create(tmpl, subject_key, issuer, issuer_key.public_key()));
  return std::move(prepared).Sign(issuer_key);
}

}  // namespace anvil::crypto
