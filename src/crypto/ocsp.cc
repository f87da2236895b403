// OCSP requests and responses (crypto/ocsp.h) with OpenSSL 3's OCSP API.
//
// CertIDs are encoded here from their four fields and read by d2i_OCSP_CERTID, because OpenSSL builds a
// CertID only from an issuer name and key (OCSP_cert_id_new), while a response echoes the hashes a client
// sent. The nonce goes through OCSP_request_add1_nonce / OCSP_basic_add1_nonce, which write the extnValue as
// the DER of an OCTET STRING of the value (RFC 6960 §4.4.1), and is read from the raw extnValue, because
// OpenSSL's d2i for the nonce extension returns that DER still wrapped.
//
// SignOcspResponse signs with OCSP_basic_sign_ctx (responderID byKey, the responder certificate in certs) and
// sets producedAt itself (OCSP_NOTIME), then splits the DER it is about to return and checks the signature
// algorithm and the signature over the exact tbsResponseData bytes, as SignCrl does for CRLs.
#include "crypto/ocsp.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <utility>

#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/internal.h"
#include "crypto/spki.h"
#include "crypto/x509_fields.h"

namespace anvil::crypto {

using internal::Access;
using internal::DrainErrors;
using internal::ErrorWithOpenSsl;

struct OcspResponse::Impl {
  OcspResponseStatus status = OcspResponseStatus::kInternalError;
  // A successful response only.
  TimePoint produced_at{};
  std::vector<OcspSingleResponse> responses;
  std::optional<std::string> nonce;
  std::string responder_key_hash;
  std::vector<Certificate> certificates;
  std::string tbs;                  // The tbsResponseData TLV as received: what the signature covers.
  std::string signature_algorithm;  // The signatureAlgorithm TLV.
  std::string signature;            // The signature bits (BIT STRING without its unused-bits octet).
};

namespace {

// RFC 8954 §2.1: "The value of the Nonce MUST be at least 1 octet and can be up to 32 octets."
constexpr size_t kMaxNonceOctets = 32;
// id-pkix-ocsp-basic, 1.3.6.1.5.5.7.48.1.1 (RFC 6960 §4.2.1): the content octets of the OID.
constexpr char kBasicResponseOid[] = "\x2b\x06\x01\x05\x05\x07\x30\x01\x01";

Status Malformed(std::string message) { return Error(Code::kMalformed, std::move(message)); }

const EVP_MD* HashMd(OcspHash hash) { return hash == OcspHash::kSha1 ? EVP_sha1() : EVP_sha256(); }
size_t HashLength(OcspHash hash) { return hash == OcspHash::kSha1 ? 20 : 32; }

std::string HashOf(OcspHash hash, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &md_len, HashMd(hash), nullptr) != 1) {
    DrainErrors();
    return {};
  }
  return std::string(reinterpret_cast<char*>(md), md_len);
}

// Big-endian magnitude without leading zero octets; "\0" for zero, as Certificate::serial_bytes().
std::string MinimalMagnitude(std::string_view magnitude) {
  while (!magnitude.empty() && magnitude.front() == '\0') magnitude.remove_prefix(1);
  return magnitude.empty() ? std::string(1, '\0') : std::string(magnitude);
}

Status CheckNonce(const std::string& nonce, Code code) {
  if (nonce.empty() || nonce.size() > kMaxNonceOctets) {
    return Error(code, "nonce of " + std::to_string(nonce.size()) + " octets is outside 1..32 (RFC 8954)");
  }
  return Status::Ok();
}

// The nonce in an extension's extnValue: the contents of the DER OCTET STRING it must hold.
std::optional<std::string> NonceOf(X509_EXTENSION* ext) {
  const std::string value = internal::Asn1Bytes(X509_EXTENSION_get_data(ext));
  std::string_view in = value;
  auto inner = internal::ReadDerOf(in, 0x04);
  if (!inner || !in.empty()) return std::nullopt;
  return std::string(*inner);
}

// RFC 6960 §4.1.1: CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
// issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }. The hash AlgorithmIdentifier carries
// NULL parameters, as OpenSSL's OCSP_cert_id_new writes it.
Result<internal::OcspCertIdPtr> MakeCertId(const OcspCertId& id) {
  if (id.issuer_name_hash.size() != HashLength(id.hash) || id.issuer_key_hash.size() != HashLength(id.hash)) {
    return Error(Code::kInvalidArgument, "CertID hashes must be " + std::to_string(HashLength(id.hash)) +
                                             " octets for their algorithm");
  }
  if (id.serial.empty()) return Error(Code::kInvalidArgument, "CertID serial is empty");
  // sha1 1.3.14.3.2.26 (RFC 3279 §2.2.1), sha256 2.16.840.1.101.3.4.2.1 (RFC 5754 §2).
  const std::string oid = id.hash == OcspHash::kSha1 ? std::string("\x2b\x0e\x03\x02\x1a", 5)
                                                     : std::string("\x60\x86\x48\x01\x65\x03\x04\x02\x01", 9);
  const std::string der = internal::DerTlv(
      0x30, internal::DerTlv(0x30, internal::DerTlv(0x06, oid) + std::string("\x05\x00", 2)) +
                internal::DerTlv(0x04, id.issuer_name_hash) + internal::DerTlv(0x04, id.issuer_key_hash) +
                internal::DerUnsignedInteger(id.serial));
  const unsigned char* p = internal::Uchar(der);
  internal::OcspCertIdPtr cid(d2i_OCSP_CERTID(nullptr, &p, static_cast<long>(der.size())));
  if (!cid) return ErrorWithOpenSsl(Code::kInternal, "cannot build a CertID");
  return cid;
}

// The fields of a CertID read by OpenSSL; kMalformed for what OcspCertId cannot hold or no certificate has.
Result<OcspCertId> ReadCertId(const OCSP_CERTID* cid) {
  ASN1_OCTET_STRING* name_hash = nullptr;
  ASN1_OBJECT* algorithm = nullptr;
  ASN1_OCTET_STRING* key_hash = nullptr;
  ASN1_INTEGER* serial = nullptr;
  // OCSP_id_get0_info takes a non-const CertID but only reads it.
  if (OCSP_id_get0_info(&name_hash, &algorithm, &key_hash, &serial, const_cast<OCSP_CERTID*>(cid)) != 1 ||
      algorithm == nullptr || serial == nullptr) {
    return Error(Code::kMalformed, "CertID is incomplete: " + DrainErrors());
  }
  OcspCertId id;
  switch (OBJ_obj2nid(algorithm)) {
    case NID_sha1:
      id.hash = OcspHash::kSha1;
      break;
    case NID_sha256:
      id.hash = OcspHash::kSha256;
      break;
    default:
      return Malformed("CertID hash algorithm " + internal::DottedOid(algorithm) +
                       " is not SHA-1 or SHA-256");
  }
  id.issuer_name_hash = internal::Asn1Bytes(name_hash);
  id.issuer_key_hash = internal::Asn1Bytes(key_hash);
  if (id.issuer_name_hash.size() != HashLength(id.hash) || id.issuer_key_hash.size() != HashLength(id.hash)) {
    return Malformed("CertID hashes are not " + std::to_string(HashLength(id.hash)) + " octets long");
  }
  // OpenSSL keeps an INTEGER as sign (in the type) and magnitude (in the data).
  if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) return Malformed("CertID serial is negative");
  id.serial = MinimalMagnitude(internal::Asn1Bytes(serial));
  return id;
}

// RFC 6960 §4.4: "Unrecognized extensions MUST be ignored (unless they have the critical flag set and are
// not understood)". The nonce is the one extension understood here.
template <typename T>
Status CheckCriticalExtensions(T* object, int (*count)(T*), X509_EXTENSION* (*get)(T*, int),
                               const std::string& where) {
  for (int i = 0; i < count(object); ++i) {
    X509_EXTENSION* ext = get(object, i);
    if (X509_EXTENSION_get_critical(ext) == 1 &&
        OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_id_pkix_OCSP_Nonce) {
      return Malformed(where + " has an unsupported critical extension " +
                       internal::DottedOid(X509_EXTENSION_get_object(ext)));
    }
  }
  return Status::Ok();
}

Result<internal::Asn1TimePtr> GeneralizedTime(TimePoint t) {
  // RFC 6960 §4.2.1: producedAt, thisUpdate, nextUpdate and revocationTime are GeneralizedTime.
  internal::Asn1TimePtr time(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(ToUnixSeconds(t))));
  if (!time) return ErrorWithOpenSsl(Code::kInternal, "cannot encode a GeneralizedTime");
  return time;
}

// RFC 5280 §5.3.1 CRLReason: 0..10 with 7 unused; -1 writes no revocationReason.
Status CheckReason(int reason) {
  if (reason == -1 || (reason >= 0 && reason <= 10 && reason != 7)) return Status::Ok();
  return Error(Code::kInvalidArgument, "reason " + std::to_string(reason) + " is not a CRLReason");
}

Status AddSingleResponse(OCSP_BASICRESP* basic, const OcspSingleResponse& single) {
  // Compared as encoded: GeneralizedTime is written in whole seconds here.
  if (ToUnixSeconds(single.next_update) <= ToUnixSeconds(single.this_update)) {
    return Error(Code::kInvalidArgument, "next_update must be after this_update");
  }
  int status = V_OCSP_CERTSTATUS_UNKNOWN;
  switch (single.status) {
    case OcspCertStatus::kGood:
      status = V_OCSP_CERTSTATUS_GOOD;
      break;
    case OcspCertStatus::kRevoked:
      status = V_OCSP_CERTSTATUS_REVOKED;
      ANVIL_RETURN_IF_ERROR(CheckReason(single.reason));
      break;
    case OcspCertStatus::kUnknown:
      break;
  }
  ANVIL_ASSIGN_OR_RETURN(internal::OcspCertIdPtr cid, MakeCertId(single.id));
  ANVIL_ASSIGN_OR_RETURN(internal::Asn1TimePtr this_update, GeneralizedTime(single.this_update));
  ANVIL_ASSIGN_OR_RETURN(internal::Asn1TimePtr next_update, GeneralizedTime(single.next_update));
  internal::Asn1TimePtr revoked_at;
  if (status == V_OCSP_CERTSTATUS_REVOKED) {
    ANVIL_ASSIGN_OR_RETURN(revoked_at, GeneralizedTime(single.revoked_at));
  }
  // Copies the CertID and the times; with a reason of -1 (OCSP_REVOKED_STATUS_NOSTATUS) it writes no
  // revocationReason.
  if (OCSP_basic_add1_status(
          basic, cid.get(), status,
          status == V_OCSP_CERTSTATUS_REVOKED ? single.reason : OCSP_REVOKED_STATUS_NOSTATUS,
          revoked_at.get(), this_update.get(), next_update.get()) == nullptr) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot add a SingleResponse");
  }
  return Status::Ok();
}

// BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
// signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL } (RFC 6960 §4.2.1), split by
// its DER headers alone.
struct BasicParts {
  std::string_view tbs, signature_algorithm, signature;
};

std::optional<BasicParts> SplitBasic(std::string_view der) {
  BasicParts parts;
  std::string_view in = der;
  auto body = internal::ReadDerOf(in, 0x30);
  if (!body || !in.empty() || !internal::ReadDerOf(*body, 0x30, &parts.tbs) ||
      !internal::ReadDerOf(*body, 0x30, &parts.signature_algorithm)) {
    return std::nullopt;
  }
  auto bits = internal::ReadDerOf(*body, 0x03);
  if (!bits || bits->empty() || bits->front() != '\0') return std::nullopt;
  parts.signature = bits->substr(1);
  if (!body->empty() && (!internal::ReadDerOf(*body, 0xa0) || !body->empty())) return std::nullopt;
  return parts;
}

// OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL },
// ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING } (RFC 6960 §4.2.1).
struct ResponseParts {
  int status = -1;
  std::optional<std::string_view> response_type, response;
};

std::optional<ResponseParts> SplitResponse(std::string_view der) {
  ResponseParts parts;
  std::string_view in = der;
  auto body = internal::ReadDerOf(in, 0x30);
  if (!body || !in.empty()) return std::nullopt;
  auto status = internal::ReadDerOf(*body, 0x0a);
  if (!status || status->size() != 1) return std::nullopt;
  parts.status = static_cast<unsigned char>(status->front());
  if (body->empty()) return parts;
  auto bytes = internal::ReadDerOf(*body, 0xa0);
  if (!bytes || !body->empty()) return std::nullopt;
  auto sequence = internal::ReadDerOf(*bytes, 0x30);
  if (!sequence || !bytes->empty()) return std::nullopt;
  parts.response_type = internal::ReadDerOf(*sequence, 0x06);
  parts.response = internal::ReadDerOf(*sequence, 0x04);
  if (!parts.response_type || !parts.response || !sequence->empty()) return std::nullopt;
  return parts;
}

// The digest of the signature algorithm `algorithm_der` when it fits `key`, and the AlgorithmIdentifier's
// parameters are as the RFCs write them (RFC 5758 §3.2, RFC 4055 §5, RFC 8410 §3); nullopt otherwise.
std::optional<DigestAlg> SignatureDigestFor(std::string_view algorithm_der, const PublicKey& key) {
  const unsigned char* p = internal::Uchar(algorithm_der);
  internal::X509AlgorPtr algorithm(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(algorithm_der.size())));
  int md_nid = NID_undef, pkey_nid = NID_undef;
  const int nid = algorithm ? OBJ_obj2nid(algorithm->algorithm) : NID_undef;
  if (nid == NID_undef || OBJ_find_sigid_algs(nid, &md_nid, &pkey_nid) != 1) {
    DrainErrors();
    return std::nullopt;
  }
  int expected_pkey = NID_ED25519;
  if (key.algorithm() == KeyAlgorithm::kEc) expected_pkey = NID_X9_62_id_ecPublicKey;
  if (key.algorithm() == KeyAlgorithm::kRsa) expected_pkey = NID_rsaEncryption;
  if (pkey_nid != expected_pkey) return std::nullopt;
  const std::optional<DigestAlg> digest_of = internal::SignatureDigestOfNids(md_nid, pkey_nid);
  if (!digest_of) return std::nullopt;
  const DigestAlg digest = *digest_of;
  const int param_type = key.algorithm() == KeyAlgorithm::kRsa ? V_ASN1_NULL : V_ASN1_UNDEF;
  if (internal::SignatureAlgorithmDer({digest, nid, param_type}) != algorithm_der) return std::nullopt;
  return digest;
}

OcspCertStatus StatusFromOpenSsl(int status) {
  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
      return OcspCertStatus::kGood;
    case V_OCSP_CERTSTATUS_REVOKED:
      return OcspCertStatus::kRevoked;
    default:
      return OcspCertStatus::kUnknown;
  }
}

// Reads the BasicOCSPResponse `der` into `impl`.
Status ReadBasic(std::string_view der, OcspResponse::Impl& impl) {
  auto parts = SplitBasic(der);
  if (!parts) return Malformed("BasicOCSPResponse is not a DER SEQUENCE of its four fields");
  const unsigned char* p = internal::Uchar(der);
  internal::OcspBasicRespPtr basic(d2i_OCSP_BASICRESP(nullptr, &p, static_cast<long>(der.size())));
  if (!basic || p != internal::Uchar(der) + der.size()) {
    return Error(Code::kMalformed, "not a BasicOCSPResponse: " + DrainErrors());
  }
  impl.tbs = std::string(parts->tbs);
  impl.signature_algorithm = std::string(parts->signature_algorithm);
  impl.signature = std::string(parts->signature);
  impl.produced_at = internal::Asn1TimeToTimePoint(OCSP_resp_get0_produced_at(basic.get()));

  const int count = OCSP_resp_count(basic.get());
  for (int i = 0; i < count; ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(basic.get(), i);
    auto id = ReadCertId(OCSP_SINGLERESP_get0_id(single));
    if (!id.ok()) return Malformed("SingleResponse " + std::to_string(i) + ": " + id.status().message());
    OcspSingleResponse out;
    out.id = std::move(id).value();
    int reason = OCSP_REVOKED_STATUS_NOSTATUS;
    ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr, *next_update = nullptr;
    out.status =
        StatusFromOpenSsl(OCSP_single_get0_status(single, &reason, &revoked_at, &this_update, &next_update));
    if (out.status == OcspCertStatus::kRevoked) {
      out.revoked_at = internal::Asn1TimeToTimePoint(revoked_at);
      out.reason = reason;
    }
    out.this_update = internal::Asn1TimeToTimePoint(this_update);
    if (next_update != nullptr) out.next_update = internal::Asn1TimeToTimePoint(next_update);
    impl.responses.push_back(std::move(out));
  }

  const int nonce_at = OCSP_BASICRESP_get_ext_by_NID(basic.get(), NID_id_pkix_OCSP_Nonce, -1);
  if (nonce_at >= 0) {
    if (OCSP_BASICRESP_get_ext_by_NID(basic.get(), NID_id_pkix_OCSP_Nonce, nonce_at) >= 0) {
      return Malformed("response has two nonce extensions");
    }
    impl.nonce = NonceOf(OCSP_BASICRESP_get_ext(basic.get(), nonce_at));
    if (!impl.nonce) return Malformed("response nonce is not a DER OCTET STRING");
  }

  const ASN1_OCTET_STRING* key_hash = nullptr;
  const X509_NAME* name = nullptr;
  if (OCSP_resp_get0_id(basic.get(), &key_hash, &name) == 1 && key_hash != nullptr) {
    impl.responder_key_hash = internal::Asn1Bytes(key_hash);
  }

  const STACK_OF(X509)* certs = OCSP_resp_get0_certs(basic.get());
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    auto certificate = Certificate::FromDer(internal::I2d(sk_X509_value(certs, i), i2d_X509));
    if (!certificate.ok()) {
      return Malformed("certificate " + std::to_string(i) + " in certs: " + certificate.status().message());
    }
    impl.certificates.push_back(std::move(certificate).value());
  }
  DrainErrors();
  return Status::Ok();
}

}  // namespace

OcspCertId CertIdFor(const Certificate& issuer, std::string serial, OcspHash hash) {
  OcspCertId id;
  id.hash = hash;
  id.serial = MinimalMagnitude(serial);
  // RFC 6960 §4.1.1: issuerNameHash over the DER of the issuer's subject as it is in its certificate;
  // issuerKeyHash over the value of its subjectPublicKey BIT STRING.
  id.issuer_name_hash =
      HashOf(hash, internal::I2d(X509_get_subject_name(Access::X509Of(issuer)), i2d_X509_NAME));
  auto spki = internal::SplitSpki(Access::Spki(issuer.public_key()));
  if (spki.ok()) id.issuer_key_hash = HashOf(hash, spki->key_bits);
  return id;
}

Result<OcspRequest> ParseOcspRequest(std::string_view der) {
  // OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }:
  // the outer header must be DER and cover all of `der`; OpenSSL's reader takes BER.
  std::string_view in = der;
  if (!internal::ReadDerOf(in, 0x30) || !in.empty()) {
    return Malformed("OCSP request is not one DER SEQUENCE");
  }
  const unsigned char* p = internal::Uchar(der);
  internal::OcspRequestPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(der.size())));
  if (!req || p != internal::Uchar(der) + der.size()) {
    return Error(Code::kMalformed, "not an OCSP request: " + DrainErrors());
  }
  OcspRequest out;
  const int count = OCSP_request_onereq_count(req.get());
  if (count <= 0) return Malformed("OCSP request has no CertID");
  out.ids.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    OCSP_ONEREQ* one = OCSP_request_onereq_get0(req.get(), i);
    const std::string where = "request " + std::to_string(i);
    ANVIL_RETURN_IF_ERROR(
        CheckCriticalExtensions<OCSP_ONEREQ>(one, OCSP_ONEREQ_get_ext_count, OCSP_ONEREQ_get_ext, where));
    auto id = ReadCertId(OCSP_onereq_get0_id(one));
    if (!id.ok()) return Malformed(where + ": " + id.status().message());
    out.ids.push_back(std::move(id).value());
  }
  ANVIL_RETURN_IF_ERROR(CheckCriticalExtensions<OCSP_REQUEST>(req.get(), OCSP_REQUEST_get_ext_count,
                                                              OCSP_REQUEST_get_ext, "OCSP request"));
  const int nonce_at = OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1);
  if (nonce_at >= 0) {
    if (OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, nonce_at) >= 0) {
      return Malformed("OCSP request has two nonce extensions");
    }
    out.nonce = NonceOf(OCSP_REQUEST_get_ext(req.get(), nonce_at));
    if (!out.nonce) return Malformed("nonce extension value is not a DER OCTET STRING");
    ANVIL_RETURN_IF_ERROR(CheckNonce(*out.nonce, Code::kMalformed));
  }
  DrainErrors();
  return out;
}

Result<std::string> BuildOcspRequest(const OcspRequest& request) {
  if (request.ids.empty()) return Error(Code::kInvalidArgument, "an OCSP request needs a CertID");
  if (request.nonce) ANVIL_RETURN_IF_ERROR(CheckNonce(*request.nonce, Code::kInvalidArgument));
  internal::OcspRequestPtr req(OCSP_REQUEST_new());
  if (!req) return ErrorWithOpenSsl(Code::kInternal, "OCSP_REQUEST_new failed");
  for (const OcspCertId& id : request.ids) {
    ANVIL_ASSIGN_OR_RETURN(internal::OcspCertIdPtr cid, MakeCertId(id));
    if (OCSP_request_add0_id(req.get(), cid.get()) == nullptr) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot add a CertID");
    }
    (void)cid.release();  // Now owned by the request.
  }
  if (request.nonce) {
    std::string nonce = *request.nonce;  // OCSP_request_add1_nonce takes a non-const pointer; it copies.
    if (OCSP_request_add1_nonce(req.get(), internal::Uchar(nonce), static_cast<int>(nonce.size())) != 1) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot add the nonce");
    }
  }
  std::string der = internal::I2d(req.get(), i2d_OCSP_REQUEST);
  if (der.empty()) return ErrorWithOpenSsl(Code::kInternal, "cannot encode the OCSP request");
  return der;
}

Result<std::string> SignOcspResponse(const OcspResponseTemplate& tmpl, const Certificate& responder,
                                     const PrivateKey& responder_key) {
  const PublicKey public_key = responder_key.public_key();
  if (!(responder.public_key() == public_key)) {
    return Error(Code::kInvalidArgument, "responder_key is not the key of the responder certificate");
  }
  if (tmpl.responses.empty()) return Error(Code::kInvalidArgument, "an OCSP response needs a SingleResponse");
  if (tmpl.nonce) ANVIL_RETURN_IF_ERROR(CheckNonce(*tmpl.nonce, Code::kInvalidArgument));

  internal::OcspBasicRespPtr basic(OCSP_BASICRESP_new());
  if (!basic) return ErrorWithOpenSsl(Code::kInternal, "OCSP_BASICRESP_new failed");
  for (size_t i = 0; i < tmpl.responses.size(); ++i) {
    if (Status s = AddSingleResponse(basic.get(), tmpl.responses[i]); !s.ok()) {
      return Error(s.code(), "response " + std::to_string(i) + ": " + s.message());
    }
  }
  if (tmpl.nonce) {
    std::string nonce = *tmpl.nonce;  // OCSP_basic_add1_nonce takes a non-const pointer; it copies.
    if (OCSP_basic_add1_nonce(basic.get(), internal::Uchar(nonce), static_cast<int>(nonce.size())) != 1) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot add the nonce");
    }
  }
  // producedAt is the template's, not the clock's (OCSP_NOTIME below). OpenSSL exposes the field only const;
  // OCSP_BASICRESP_new allocated it, and OCSP_basic_sign_ctx would otherwise set it in place the same way.
  auto* produced_at = const_cast<ASN1_GENERALIZEDTIME*>(OCSP_resp_get0_produced_at(basic.get()));
  if (produced_at == nullptr ||
      ASN1_GENERALIZEDTIME_set(produced_at, static_cast<time_t>(ToUnixSeconds(tmpl.produced_at))) ==
          nullptr) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot set producedAt");
  }

  const internal::SignatureAlgorithm sig = internal::SignatureAlgorithmFor(public_key);
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, internal::EvpMd(sig.digest), nullptr,
                                 Access::Pkey(responder_key)) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot set up the responder signature");
  }
  // RFC 5019 §2.2.3 / RFC 6960 §4.2.2.3: responderID byKey (SHA-1 of the responder's subjectPublicKey);
  // the responder certificate goes into certs (no OCSP_NOCERTS).
  if (OCSP_basic_sign_ctx(basic.get(), Access::X509Of(responder), ctx.get(), nullptr,
                          OCSP_RESPID_KEY | OCSP_NOTIME) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot sign the OCSP response");
  }
  internal::OcspResponsePtr response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  std::string der = response ? internal::I2d(response.get(), i2d_OCSP_RESPONSE) : std::string();
  if (der.empty()) return ErrorWithOpenSsl(Code::kInternal, "cannot encode the OCSP response");

  // A response whose signature does not verify, or names another algorithm than the responder key implies,
  // must never leave the responder.
  auto parts = SplitResponse(der);
  auto basic_parts = parts && parts->response ? SplitBasic(*parts->response) : std::nullopt;
  if (!basic_parts || basic_parts->signature_algorithm != internal::SignatureAlgorithmDer(sig) ||
      !public_key.Verify(sig.digest, basic_parts->tbs, basic_parts->signature)) {
    DrainErrors();
    return Error(Code::kInternal, "signed OCSP response does not verify");
  }
  return der;
}

std::string OcspErrorResponse(OcspResponseStatus status) {
  // A successful status needs responseBytes; there are none to give here.
  if (status == OcspResponseStatus::kSuccessful) status = OcspResponseStatus::kInternalError;
  return internal::DerTlv(0x30, internal::DerTlv(0x0a, std::string(1, static_cast<char>(status))));
}

Result<OcspResponse> OcspResponse::FromDer(std::string_view der) {
  auto parts = SplitResponse(der);
  if (!parts) return Malformed("not a DER OCSPResponse");
  auto impl = std::make_shared<Impl>();
  switch (parts->status) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 5:
    case 6:
      impl->status = static_cast<OcspResponseStatus>(parts->status);
      break;
    default:  // 4 is not used (RFC 6960 §4.2.1).
      return Malformed("unknown OCSPResponseStatus " + std::to_string(parts->status));
  }
  if (impl->status == OcspResponseStatus::kSuccessful) {
    if (!parts->response) return Malformed("successful OCSP response without responseBytes");
    if (*parts->response_type != std::string_view(kBasicResponseOid, sizeof kBasicResponseOid - 1)) {
      return Malformed("responseType is not id-pkix-ocsp-basic");
    }
    ANVIL_RETURN_IF_ERROR(ReadBasic(*parts->response, *impl));
  }
  return OcspResponse(std::move(impl));
}

OcspResponseStatus OcspResponse::status() const { return impl_->status; }
TimePoint OcspResponse::produced_at() const { return impl_->produced_at; }
std::vector<OcspSingleResponse> OcspResponse::responses() const { return impl_->responses; }
std::optional<std::string> OcspResponse::nonce() const { return impl_->nonce; }
std::string OcspResponse::responder_key_hash() const { return impl_->responder_key_hash; }
std::vector<Certificate> OcspResponse::certificates() const { return impl_->certificates; }

bool OcspResponse::IsSignedBy(const PublicKey& key) const {
  if (impl_->status != OcspResponseStatus::kSuccessful) return false;
  std::optional<DigestAlg> digest = SignatureDigestFor(impl_->signature_algorithm, key);
  return digest && key.Verify(*digest, impl_->tbs, impl_->signature);
}

}  // namespace anvil::crypto
