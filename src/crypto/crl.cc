// Signing and reading certificate revocation lists (crypto/crl.h).
//
// SignCrl builds an X509_CRL and signs it with X509_CRL_sign. Certificates are signed differently (the
// TBSCertificate is encoded once and signed with PrivateKey::Sign, certificate_builder.cc) because
// OpenSSL 3.0 lets the X509's TBS signature field be set; it has no such access for a CRL, so X509_CRL_sign
// fills both AlgorithmIdentifiers. The digest is the one SignatureAlgorithmFor picks for certificates, and
// before the DER leaves SignCrl both AlgorithmIdentifiers are compared with the one it implies and the
// signature is verified over the exact TBSCertList bytes returned.
#include "crypto/crl.h"

#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <utility>

#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/internal.h"
#include "crypto/x509_fields.h"

namespace anvil::crypto {

using internal::Access;
using internal::DrainErrors;
using internal::ErrorWithOpenSsl;

struct Crl::Impl {
  internal::X509CrlPtr crl;
  std::string der;
};

namespace {

// RFC 5280 §4.1.2.2 (serialNumber) and §5.2.3 (cRLNumber): at most 20 octets of INTEGER content.
constexpr size_t kMaxIntegerOctets = 20;

// CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier,
// signatureValue BIT STRING } (RFC 5280 §5.1), split by its DER headers alone.
struct CrlParts {
  std::string_view tbs;                  // The TBSCertList TLV: what the signature covers.
  std::string_view tbs_signature;        // The TBSCertList's signature AlgorithmIdentifier TLV.
  std::string_view signature_algorithm;  // The outer signatureAlgorithm TLV.
  std::string_view signature;            // The signature bits (BIT STRING without its unused-bits octet).
};

std::optional<CrlParts> SplitCrl(std::string_view der) {
  CrlParts parts;
  std::string_view in = der;
  auto body = internal::ReadDerOf(in, 0x30);
  if (!body || !in.empty()) return std::nullopt;
  auto tbs = internal::ReadDerOf(*body, 0x30, &parts.tbs);
  if (!tbs || !internal::ReadDerOf(*body, 0x30, &parts.signature_algorithm)) return std::nullopt;
  auto bits = internal::ReadDerOf(*body, 0x03);
  if (!bits || !body->empty() || bits->empty() || bits->front() != '\0') return std::nullopt;
  parts.signature = bits->substr(1);
  // TBSCertList ::= SEQUENCE { version Version OPTIONAL, signature AlgorithmIdentifier, ... }
  std::string_view fields = *tbs;
  std::string_view after_version = fields;
  auto first = internal::ReadDer(after_version);
  if (first && first->tag == 0x02) fields = after_version;
  if (!internal::ReadDerOf(fields, 0x30, &parts.tbs_signature)) return std::nullopt;
  return parts;
}

// An ASN1_INTEGER of the non-negative big-endian `magnitude` (leading zero octets allowed). kInvalidArgument
// when it is empty or its DER content would exceed 20 octets (DER adds a zero octet when the top bit is set).
Result<internal::Asn1IntegerPtr> UnsignedInteger(std::string_view magnitude, const char* what) {
  if (magnitude.empty()) return Error(Code::kInvalidArgument, std::string(what) + " is empty");
  while (!magnitude.empty() && magnitude.front() == '\0') magnitude.remove_prefix(1);
  if (magnitude.size() > kMaxIntegerOctets ||
      (magnitude.size() == kMaxIntegerOctets && (static_cast<unsigned char>(magnitude[0]) & 0x80) != 0)) {
    return Error(Code::kInvalidArgument, std::string(what) + " is longer than 20 octets");
  }
  internal::BignumPtr bn(BN_bin2bn(internal::Uchar(magnitude), static_cast<int>(magnitude.size()), nullptr));
  internal::Asn1IntegerPtr integer(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!integer) return ErrorWithOpenSsl(Code::kInternal, std::string("cannot build the ") + what);
  return integer;
}

// Big-endian magnitude of an INTEGER, minimal ("\0" for zero), as Certificate::serial_bytes().
std::string Magnitude(const ASN1_INTEGER* integer) {
  internal::BignumPtr bn(integer != nullptr ? ASN1_INTEGER_to_BN(integer, nullptr) : nullptr);
  if (!bn || BN_is_zero(bn.get())) {
    DrainErrors();
    return std::string(1, '\0');
  }
  std::string out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), internal::Uchar(out));
  return out;
}

// RFC 5280 §5.3.1: CRLReason is 0..10 with 7 unused. removeFromCRL (8) "may only appear in delta CRLs" and
// SignCrl writes complete CRLs; OpenSSL's verifier, for one, treats an entry with reason 8 as not revoked.
Status CheckReason(int reason) {
  if (reason == 7 || reason < 0 || reason > 10) {
    return Error(Code::kInvalidArgument, "reason " + std::to_string(reason) + " is not a CRLReason");
  }
  if (reason == 8)
    return Error(Code::kInvalidArgument, "reason 8 (removeFromCRL) belongs only in delta CRLs");
  return Status::Ok();
}

Status AddEntries(X509_CRL* crl, const std::vector<CrlEntry>& entries) {
  internal::Asn1TimePtr date(ASN1_TIME_new());
  internal::Asn1EnumeratedPtr reason(ASN1_ENUMERATED_new());
  if (!date || !reason) return ErrorWithOpenSsl(Code::kInternal, "cannot allocate a CRL entry");
  for (size_t i = 0; i < entries.size(); ++i) {
    const CrlEntry& entry = entries[i];
    auto in_entry = [i](const Status& status) {
      return Error(status.code(), "revoked entry " + std::to_string(i) + ": " + status.message());
    };
    if (Status s = CheckReason(entry.reason); !s.ok()) return in_entry(s);
    auto serial = UnsignedInteger(entry.serial, "serial");
    if (!serial.ok()) return in_entry(serial.status());
    internal::X509RevokedPtr revoked(X509_REVOKED_new());
    if (!revoked || X509_REVOKED_set_serialNumber(revoked.get(), serial->get()) != 1 ||
        ASN1_TIME_set(date.get(), static_cast<time_t>(ToUnixSeconds(entry.revoked_at))) == nullptr ||
        X509_REVOKED_set_revocationDate(revoked.get(), date.get()) != 1) {
      return in_entry(ErrorWithOpenSsl(Code::kInternal, "cannot build the entry"));
    }
    // §5.3.1: "the reason code CRL entry extension SHOULD be absent instead of using the unspecified (0)
    // reasonCode value"; the extension is non-critical.
    if (entry.reason != 0 && (ASN1_ENUMERATED_set(reason.get(), entry.reason) != 1 ||
                              X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, reason.get(), 0,
                                                        X509V3_ADD_DEFAULT) != 1)) {
      return in_entry(ErrorWithOpenSsl(Code::kInternal, "cannot add the reasonCode"));
    }
    if (X509_CRL_add0_revoked(crl, revoked.get()) != 1) {
      return in_entry(ErrorWithOpenSsl(Code::kInternal, "cannot add the entry"));
    }
    (void)revoked.release();  // Now owned by the CRL.
  }
  // Ascending serials: relying parties can binary-search, and duplicates end up next to each other.
  if (X509_CRL_sort(crl) != 1) return ErrorWithOpenSsl(Code::kInternal, "cannot sort the CRL entries");
  const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 1; i < sk_X509_REVOKED_num(revoked); ++i) {
    const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i));
    if (ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i - 1)), serial) ==
        0) {
      return Error(Code::kInvalidArgument, "serial " + HexEncode(Magnitude(serial)) + " is listed twice");
    }
  }
  return Status::Ok();
}

Status AddExtension(X509_CRL* crl, int nid, void* value, bool critical) {
  if (X509_CRL_add1_ext_i2d(crl, nid, value, critical ? 1 : 0, X509V3_ADD_DEFAULT) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, std::string("cannot add CRL extension ") + OBJ_nid2sn(nid));
  }
  return Status::Ok();
}

Status AddExtensions(X509_CRL* crl, const CrlTemplate& tmpl, const std::string& issuer_ski,
                     ASN1_INTEGER* number) {
  // §5.2.1: authorityKeyIdentifier, non-critical, keyIdentifier only (the issuer's SKI, as in certificates).
  internal::AuthorityKeyIdPtr akid(AUTHORITY_KEYID_new());
  internal::Asn1OctetStringPtr keyid(ASN1_OCTET_STRING_new());
  if (!akid || !keyid ||
      ASN1_OCTET_STRING_set(keyid.get(), internal::Uchar(issuer_ski), static_cast<int>(issuer_ski.size())) !=
          1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot build the authorityKeyIdentifier");
  }
  akid->keyid = keyid.release();
  ANVIL_RETURN_IF_ERROR(AddExtension(crl, NID_authority_key_identifier, akid.get(), false));
  // §5.2.3: cRLNumber, non-critical.
  ANVIL_RETURN_IF_ERROR(AddExtension(crl, NID_crl_number, number, false));
  // §5.2.5: issuingDistributionPoint, critical; onlyContainsUserCerts TRUE (DER writes TRUE as 0xFF).
  if (!tmpl.distribution_point_url.empty()) {
    ANVIL_ASSIGN_OR_RETURN(internal::DistPointNamePtr name,
                           internal::FullNameUri(tmpl.distribution_point_url));
    internal::IssuingDistPointPtr idp(ISSUING_DIST_POINT_new());
    if (!idp) return ErrorWithOpenSsl(Code::kInternal, "ISSUING_DIST_POINT_new failed");
    idp->distpoint = name.release();
    idp->onlyuser = 0xFF;
    ANVIL_RETURN_IF_ERROR(AddExtension(crl, NID_issuing_distribution_point, idp.get(), true));
  }
  return Status::Ok();
}

Status SetTime(X509_CRL* crl, TimePoint t, int (*set)(X509_CRL*, const ASN1_TIME*)) {
  // ASN1_TIME_set writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §5.1.2.4, §5.1.2.5).
  internal::Asn1TimePtr time(ASN1_TIME_set(nullptr, static_cast<time_t>(ToUnixSeconds(t))));
  if (!time || set(crl, time.get()) != 1) return ErrorWithOpenSsl(Code::kInternal, "cannot set a CRL time");
  return Status::Ok();
}

}  // namespace

Result<std::string> SignCrl(const CrlTemplate& tmpl, const Certificate& issuer,
                            const PrivateKey& issuer_key) {
  const PublicKey public_key = issuer_key.public_key();
  if (!(issuer.public_key() == public_key)) {
    return Error(Code::kInvalidArgument, "issuer_key is not the key of the issuer certificate");
  }
  const std::string issuer_ski = issuer.subject_key_id();
  if (issuer_ski.empty()) {
    return Error(Code::kInvalidArgument,
                 "issuer certificate has no subjectKeyIdentifier for the CRL's authorityKeyIdentifier");
  }
  // Compared as encoded: X.509 times have whole seconds.
  if (ToUnixSeconds(tmpl.next_update) <= ToUnixSeconds(tmpl.this_update)) {
    return Error(Code::kInvalidArgument, "next_update must be after this_update");
  }
  ANVIL_ASSIGN_OR_RETURN(internal::Asn1IntegerPtr number, UnsignedInteger(tmpl.crl_number, "crl_number"));

  internal::X509CrlPtr crl(X509_CRL_new());
  if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(Access::X509Of(issuer))) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot start the CRL");
  }
  ANVIL_RETURN_IF_ERROR(SetTime(crl.get(), tmpl.this_update, X509_CRL_set1_lastUpdate));
  ANVIL_RETURN_IF_ERROR(SetTime(crl.get(), tmpl.next_update, X509_CRL_set1_nextUpdate));
  ANVIL_RETURN_IF_ERROR(AddEntries(crl.get(), tmpl.entries));
  ANVIL_RETURN_IF_ERROR(AddExtensions(crl.get(), tmpl, issuer_ski, number.get()));

  const internal::SignatureAlgorithm sig = internal::SignatureAlgorithmFor(public_key);
  if (X509_CRL_sign(crl.get(), Access::Pkey(issuer_key), internal::EvpMd(sig.digest)) <= 0) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot sign the CRL");
  }
  std::string der = internal::I2d(crl.get(), i2d_X509_CRL);
  if (der.empty()) return ErrorWithOpenSsl(Code::kInternal, "cannot encode the CRL");
  // A CRL that names another algorithm than the issuer's certificates, or does not verify (a fault in the
  // signer), must never leave the CA.
  const std::string expected_algorithm = internal::SignatureAlgorithmDer(sig);
  auto parts = SplitCrl(der);
  if (!parts || expected_algorithm.empty() || parts->signature_algorithm != expected_algorithm ||
      parts->tbs_signature != expected_algorithm) {
    return Error(Code::kInternal, "signed CRL does not carry the issuer's signature algorithm");
  }
  if (!public_key.Verify(sig.digest, parts->tbs, parts->signature)) {
    return Error(Code::kInternal, "signed CRL does not verify");
  }
  DrainErrors();
  return der;
}

Result<Crl> Crl::FromDer(std::string_view der) {
  if (der.empty()) return Error(Code::kMalformed, "empty CRL");
  const unsigned char* p = internal::Uchar(der);
  internal::X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl) return ErrorWithOpenSsl(Code::kMalformed, "not a DER X.509 CRL");
  if (p != internal::Uchar(der) + der.size()) return Error(Code::kMalformed, "trailing data after the CRL");
  // d2i also takes BER; ToDer hands back these bytes and IsSignedBy reads their headers, so they must be DER.
  if (!SplitCrl(der)) return Error(Code::kMalformed, "CRL is not DER-encoded");
  const long version = X509_CRL_get_version(crl.get());
  if (version != X509_CRL_VERSION_1 && version != X509_CRL_VERSION_2) {
    return Error(Code::kMalformed, "unknown CRL version " + std::to_string(version + 1));
  }
  DrainErrors();
  return Crl(std::make_shared<const Impl>(Impl{std::move(crl), std::string(der)}));
}

std::string Crl::ToDer() const { return impl_->der; }

std::string Crl::ToPem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), impl_->crl.get()) != 1) {
    DrainErrors();
    return {};
  }
  return internal::MemBioContents(bio.get());
}

int Crl::version() const { return static_cast<int>(X509_CRL_get_version(impl_->crl.get())) + 1; }

std::string Crl::issuer() const { return internal::NameToRfc2253(X509_CRL_get_issuer(impl_->crl.get())); }

TimePoint Crl::this_update() const {
  return internal::Asn1TimeToTimePoint(X509_CRL_get0_lastUpdate(impl_->crl.get()));
}

std::optional<TimePoint> Crl::next_update() const {
  const ASN1_TIME* t = X509_CRL_get0_nextUpdate(impl_->crl.get());
  if (t == nullptr) return std::nullopt;
  return internal::Asn1TimeToTimePoint(t);
}

std::optional<std::string> Crl::crl_number() const {
  internal::Asn1IntegerPtr number(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(impl_->crl.get(), NID_crl_number, nullptr, nullptr)));
  DrainErrors();
  if (!number) return std::nullopt;
  return Magnitude(number.get());
}

std::string Crl::authority_key_id() const {
  internal::AuthorityKeyIdPtr akid(static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(impl_->crl.get(), NID_authority_key_identifier, nullptr, nullptr)));
  DrainErrors();
  return akid ? internal::Asn1Bytes(akid->keyid) : std::string();
}

std::optional<Crl::DistributionPoint> Crl::issuing_distribution_point() const {
  int critical = -1;
  internal::IssuingDistPointPtr idp(static_cast<ISSUING_DIST_POINT*>(
      X509_CRL_get_ext_d2i(impl_->crl.get(), NID_issuing_distribution_point, &critical, nullptr)));
  DrainErrors();
  if (!idp) return std::nullopt;
  DistributionPoint out;
  out.critical = critical == 1;
  out.only_user_certs = idp->onlyuser != 0;
  if (idp->distpoint != nullptr && idp->distpoint->type == 0) {
    const GENERAL_NAMES* names = idp->distpoint->name.fullname;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type == GEN_URI) {
        out.url = internal::Asn1Bytes(name->d.uniformResourceIdentifier);
        break;
      }
    }
  }
  return out;
}

std::vector<CrlEntry> Crl::entries() const {
  std::vector<CrlEntry> out;
  const STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(impl_->crl.get());
  const int n = sk_X509_REVOKED_num(revoked);
  if (n <= 0) return out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    CrlEntry entry;
    entry.serial = Magnitude(X509_REVOKED_get0_serialNumber(r));
    entry.revoked_at = internal::Asn1TimeToTimePoint(X509_REVOKED_get0_revocationDate(r));
    internal::Asn1EnumeratedPtr reason(
        static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(r, NID_crl_reason, nullptr, nullptr)));
    if (reason) entry.reason = static_cast<int>(ASN1_ENUMERATED_get(reason.get()));
    out.push_back(std::move(entry));
  }
  DrainErrors();
  return out;
}

bool Crl::IsSignedBy(const PublicKey& issuer_key) const {
  // §5.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the signature field in the
  // sequence tbsCertList"; compared as DER, so parameters count too.
  auto parts = SplitCrl(impl_->der);
  if (!parts || parts->tbs_signature != parts->signature_algorithm) return false;
  int rc = X509_CRL_verify(impl_->crl.get(), Access::Pkey(issuer_key));
  DrainErrors();
  return rc == 1;
}

std::string Crl::signature_algorithm() const {
  const X509_ALGOR* algorithm = nullptr;
  X509_CRL_get0_signature(impl_->crl.get(), nullptr, &algorithm);
  const ASN1_OBJECT* object = nullptr;
  X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
  const int nid = OBJ_obj2nid(object);
  return nid == NID_undef ? internal::DottedOid(object) : std::string(OBJ_nid2ln(nid));
}

}  // namespace anvil::crypto
